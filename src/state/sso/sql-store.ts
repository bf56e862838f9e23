import { randomUUID } from 'node:crypto';
import type { SqlDriver } from '../driver.js';
import { emptyCounts, SSO_EVENTS, type SsoCountDelta, type SsoCounts, type SsoEvent, type SsoFlag, type SsoFlip, type SsoFlipRequest, type SsoSide, type SsoStore } from './types.js';

interface FlagRow {
  connection: string;
  side: string;
  percent: number | string | null;
  domains: string | null;
  flip_id: string;
  updated_at: string;
}

interface FlipRow {
  id: string;
  connection: string;
  at: string;
  who: string;
  from_side: string;
  to_side: string;
  percent: number | string | null;
  domains: string | null;
  reason: string;
}

const splitDomains = (s: string | null): string[] | undefined => (s ? s.split(',').filter(Boolean) : undefined);

function toFlag(r: FlagRow): SsoFlag {
  const f: SsoFlag = { connection: r.connection, side: r.side as SsoSide, flipId: r.flip_id, updatedAt: r.updated_at };
  if (r.percent !== null) f.percent = Number(r.percent);
  const d = splitDomains(r.domains);
  if (d) f.domains = d;
  return f;
}

function toFlip(r: FlipRow): SsoFlip {
  const f: SsoFlip = { id: r.id, connection: r.connection, at: r.at, who: r.who, from: r.from_side as SsoFlip['from'], to: r.to_side as SsoSide, reason: r.reason as SsoFlip['reason'] };
  if (r.percent !== null) f.percent = Number(r.percent);
  const d = splitDomains(r.domains);
  if (d) f.domains = d;
  return f;
}

/**
 * The SsoStore over either driver: every statement runs unchanged on SQLite and PostgreSQL. A
 * flip is one transaction (flag, log row, version), and the log row is written only when the flag
 * row was (an auto-rollback that lost to a newer flip writes nothing).
 */
export class SqlSsoStore implements SsoStore {
  readonly #d: SqlDriver;
  readonly #p: string;
  readonly #owns: boolean;
  #tracked = 0;

  constructor(driver: SqlDriver, opts: { ownsDriver: boolean }) {
    this.#d = driver;
    this.#p = driver.prefix;
    this.#owns = opts.ownsDriver;
  }

  get kind(): 'sqlite' | 'postgres' {
    return this.#d.kind;
  }
  get location(): string {
    return this.#d.location;
  }

  async version(): Promise<number> {
    const rows = await this.#d.query<{ n: number | string }>(`SELECT n FROM ${this.#p}sso_version WHERE id = 1`);
    return Number(rows[0]?.n ?? 0);
  }

  async flags(): Promise<SsoFlag[]> {
    return (await this.#d.query<FlagRow>(`SELECT connection, side, percent, domains, flip_id, updated_at FROM ${this.#p}sso_flags ORDER BY connection`)).map(toFlag);
  }

  async flip(req: SsoFlipRequest): Promise<SsoFlip | undefined> {
    const p = this.#p;
    const id = randomUUID();
    const now = new Date();
    const at = now.toISOString();
    const domains = req.domains?.length ? req.domains.join(',') : null;
    const percent = req.percent ?? null;
    const before = (await this.#d.query<FlagRow>(`SELECT connection, side, percent, domains, flip_id, updated_at FROM ${p}sso_flags WHERE connection = $1`, [req.connection]))[0];
    if (req.ifFlipId !== undefined && (before?.flip_id ?? '') !== req.ifFlipId) return undefined;
    const from = (before?.side ?? 'none') as SsoFlip['from'];
    // The flag row changes only if nobody flipped since we read it (`expected`); the log row and
    // the version follow only if it did, all in one transaction.
    const expected = before?.flip_id ?? null;
    const [changed] = await this.#d.batch([
      before
        ? { sql: `UPDATE ${p}sso_flags SET side = $2, percent = $3, domains = $4, flip_id = $5, updated_at = $6 WHERE connection = $1 AND flip_id = $7`, params: [req.connection, req.to, percent, domains, id, at, expected] }
        : { sql: `INSERT INTO ${p}sso_flags (connection, side, percent, domains, flip_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (connection) DO NOTHING`, params: [req.connection, req.to, percent, domains, id, at] },
      {
        sql: `INSERT INTO ${p}sso_flips (id, connection, at, at_ms, who, from_side, to_side, percent, domains, reason)
              SELECT $1, $2, $3, CAST($4 AS BIGINT), $5, $6, $7, CAST($8 AS INTEGER), $9, $10 WHERE EXISTS (SELECT 1 FROM ${p}sso_flags WHERE connection = $2 AND flip_id = $1)`,
        params: [id, req.connection, at, now.getTime(), req.who.slice(0, 200), from, req.to, percent, domains, req.reason],
      },
      { sql: `UPDATE ${p}sso_version SET n = n + 1 WHERE id = 1 AND EXISTS (SELECT 1 FROM ${p}sso_flags WHERE flip_id = $1)`, params: [id] },
    ]);
    if (!changed) return undefined;
    const flip: SsoFlip = { id, connection: req.connection, at, who: req.who.slice(0, 200), from, to: req.to, reason: req.reason };
    if (req.percent !== undefined) flip.percent = req.percent;
    if (req.domains?.length) flip.domains = req.domains;
    return flip;
  }

  async flips(connection?: string, limit = 50): Promise<SsoFlip[]> {
    const cols = 'id, connection, at, who, from_side, to_side, percent, domains, reason';
    const rows = connection
      ? await this.#d.query<FlipRow>(`SELECT ${cols} FROM ${this.#p}sso_flips WHERE connection = $1 ORDER BY at_ms DESC, id LIMIT $2`, [connection, limit])
      : await this.#d.query<FlipRow>(`SELECT ${cols} FROM ${this.#p}sso_flips ORDER BY at_ms DESC, id LIMIT $1`, [limit]);
    return rows.map(toFlip);
  }

  async track(key: string, connection: string, side: SsoSide, ttlMs: number): Promise<void> {
    const now = Date.now();
    await this.#d.run(`INSERT INTO ${this.#p}sso_requests (key, connection, side, expires_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING`, [key, connection, side, now + ttlMs]);
    // Expired entries go now and then, so the table stays as large as the requests in flight.
    if (++this.#tracked % 200 === 0) await this.#d.run(`DELETE FROM ${this.#p}sso_requests WHERE expires_ms < $1`, [now]);
  }

  async tracked(key: string): Promise<{ connection: string; side: SsoSide } | undefined> {
    const r = (await this.#d.query<{ connection: string; side: string }>(`SELECT connection, side FROM ${this.#p}sso_requests WHERE key = $1 AND expires_ms >= $2`, [key, Date.now()]))[0];
    return r ? { connection: r.connection, side: r.side as SsoSide } : undefined;
  }

  async addCounts(deltas: readonly SsoCountDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    await this.#d.batch(
      deltas.map((c) => ({
        sql: `INSERT INTO ${this.#p}sso_counts AS c (connection, flip_id, side, event, n) VALUES ($1, $2, $3, $4, $5)
              ON CONFLICT (connection, flip_id, side, event) DO UPDATE SET n = c.n + excluded.n`,
        params: [c.connection, c.flipId, c.side, c.event, c.n],
      })),
    );
  }

  async counts(connection: string, flipId: string): Promise<SsoCounts> {
    const out = emptyCounts();
    const rows = await this.#d.query<{ side: string; event: string; n: number | string }>(`SELECT side, event, n FROM ${this.#p}sso_counts WHERE connection = $1 AND flip_id = $2`, [connection, flipId]);
    for (const r of rows) {
      if ((r.side === 'legacy' || r.side === 'target') && SSO_EVENTS.includes(r.event as SsoEvent)) out[r.side][r.event as SsoEvent] += Number(r.n);
    }
    return out;
  }

  async ping(): Promise<void> {
    await this.#d.query(`SELECT 1 AS ok`);
  }

  async close(): Promise<void> {
    if (this.#owns) await this.#d.close();
  }
}
