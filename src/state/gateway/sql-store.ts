import { FlaglessError } from '../../protocol/errors.js';
import type { SqlDriver, Statement } from '../driver.js';
import type { StateStore } from '../ledger/types.js';
import { MIGRATION_ROUTES, type ClaimResult, type DashboardCounts, type GatewayStore, type GatewayUserRow, type MigrationRoute, type Resolved, type SeriesPoint, type UserState } from './types.js';
import { guardState } from '../guard.js';

interface UserRowDb {
  source_id: string;
  state: string;
  route: string | null;
  target_id: string | null;
  owner: string | null;
  claim_expires_ms: number | string | null;
  migrated_at: string | null;
  attempts: number | string;
  last_error: string | null;
  updated_at: string;
}

function toRow(r: UserRowDb): GatewayUserRow {
  const row: GatewayUserRow = { sourceId: r.source_id, state: r.state as UserState, attempts: Number(r.attempts), updatedAt: r.updated_at };
  if (r.route) row.route = r.route as MigrationRoute;
  if (r.target_id) row.targetId = r.target_id;
  if (r.owner) row.owner = r.owner;
  if (r.claim_expires_ms !== null) row.claimExpiresMs = Number(r.claim_expires_ms);
  if (r.migrated_at) row.migratedAt = r.migrated_at;
  if (r.last_error) row.lastError = r.last_error;
  return row;
}

const USER_COLS = 'u.source_id, u.state, u.route, u.target_id, u.owner, u.claim_expires_ms, u.migrated_at, u.attempts, u.last_error, u.updated_at';
/** What the gateway reads from the engine's ledger, through the ledger store's own methods (never its tables). */
export type LedgerReads = Pick<StateStore, 'movedUserTargetId' | 'movedUsers' | 'legacyReasons'>;

function clip(s: string): string {
  return s.length > 500 ? `${s.slice(0, 497)}...` : s;
}

/**
 * The GatewayStore over either driver: every statement below runs unchanged on SQLite and
 * PostgreSQL, and touches only the gateway's own tables. The store owns the driver (closing it
 * closes the connection); `ledger` is the engine's ledger on the same driver.
 */
export class SqlGatewayStore implements GatewayStore {
  readonly #d: SqlDriver;
  readonly #p: string;
  readonly #ledger: LedgerReads;

  constructor(driver: SqlDriver, ledger: LedgerReads) {
    this.#d = driver;
    this.#p = driver.prefix;
    this.#ledger = ledger;
  }

  get kind(): 'sqlite' | 'postgres' {
    return this.#d.kind;
  }
  get location(): string {
    return this.#d.location;
  }
  get driver(): SqlDriver {
    return this.#d;
  }

  #guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return guardState(`the gateway state store (${this.#d.location})`, what, fn);
  }

  resolve(identifier: string): Promise<Resolved | undefined> {
    return this.#guard('resolving a login', async () => {
      const rows = await this.#d.query<UserRowDb & { i_source_id: string | null; native_target_id: string | null }>(
        `SELECT i.source_id AS i_source_id, i.native_target_id, ${USER_COLS}
         FROM ${this.#p}gateway_identifiers i LEFT JOIN ${this.#p}gateway_users u ON u.source_id = i.source_id
         WHERE i.identifier = $1`,
        [identifier],
      );
      const r = rows[0];
      if (!r) return undefined;
      if (r.native_target_id) return { kind: 'native', targetId: r.native_target_id };
      if (!r.i_source_id) return undefined;
      return { kind: 'source', sourceId: r.i_source_id, ...(r.source_id ? { row: toRow(r) } : {}) };
    });
  }

  get(sourceId: string): Promise<GatewayUserRow | undefined> {
    return this.#guard('reading a user', async () => {
      const rows = await this.#d.query<UserRowDb>(`SELECT ${USER_COLS} FROM ${this.#p}gateway_users u WHERE u.source_id = $1`, [sourceId]);
      return rows[0] ? toRow(rows[0]) : undefined;
    });
  }

  claim(sourceId: string, owner: string, leaseMs: number): Promise<ClaimResult> {
    return this.#guard('claiming a user', async () => {
      const now = Date.now();
      const iso = new Date(now).toISOString();
      // One atomic statement: a fresh row, a row on legacy, or a claim whose lease ran out is taken;
      // a migrated user or a live claim is left alone (RETURNING gives nothing).
      const taken = await this.#d.query<{ source_id: string; attempts: number | string }>(
        `INSERT INTO ${this.#p}gateway_users AS g (source_id, state, owner, claim_expires_ms, attempts, updated_at)
         VALUES ($1, 'claimed', $2, $3, 1, $4)
         ON CONFLICT (source_id) DO UPDATE SET state = 'claimed', owner = excluded.owner, claim_expires_ms = excluded.claim_expires_ms,
           attempts = g.attempts + 1, updated_at = excluded.updated_at
         WHERE g.state = 'legacy' OR (g.state = 'claimed' AND g.claim_expires_ms < $5)
         RETURNING source_id, attempts`,
        [sourceId, owner, now + leaseMs, iso, now],
      );
      if (taken[0]) return { claimed: true, attempts: Number(taken[0].attempts) };
      const row = await this.get(sourceId);
      if (!row) throw new FlaglessError('E_STATE', `user ${sourceId} vanished from the gateway state while being claimed`, { errorClass: 'retriable' });
      return { claimed: false, row };
    });
  }

  #identifierStatements(identifiers: readonly string[], sourceId: string, iso: string): Statement[] {
    return identifiers.map((identifier) => ({
      sql: `INSERT INTO ${this.#p}gateway_identifiers (identifier, source_id, native_target_id, updated_at) VALUES ($1, $2, NULL, $3)
            ON CONFLICT (identifier) DO UPDATE SET source_id = excluded.source_id, native_target_id = NULL, updated_at = excluded.updated_at`,
      params: [identifier, sourceId, iso],
    }));
  }

  markMigrated(sourceId: string, owner: string, result: { route: MigrationRoute; targetId: string; identifiers: readonly string[] }): Promise<boolean> {
    return this.#guard('recording a migration', async () => {
      const iso = new Date().toISOString();
      const [changed] = await this.#d.batch([
        {
          sql: `UPDATE ${this.#p}gateway_users SET state = 'migrated', route = $2, target_id = $3, owner = NULL, claim_expires_ms = NULL,
                  migrated_at = $4, last_error = NULL, updated_at = $4
                WHERE source_id = $1 AND owner = $5 AND state = 'claimed'`,
          params: [sourceId, result.route, result.targetId, iso, owner],
        },
        ...this.#identifierStatements(result.identifiers, sourceId, iso),
      ]);
      return changed === 1;
    });
  }

  release(sourceId: string, owner: string, error: string): Promise<void> {
    return this.#guard('releasing a claim', async () => {
      await this.#d.run(
        `UPDATE ${this.#p}gateway_users SET state = 'legacy', owner = NULL, claim_expires_ms = NULL, last_error = $3, updated_at = $4
         WHERE source_id = $1 AND owner = $2 AND state = 'claimed'`,
        [sourceId, owner, clip(error), new Date().toISOString()],
      );
    });
  }

  recordMigrated(sourceId: string, route: MigrationRoute, targetId: string | undefined, identifiers: readonly string[]): Promise<void> {
    return this.#guard('recording a migration', async () => {
      const iso = new Date().toISOString();
      await this.#d.batch([
        {
          sql: `INSERT INTO ${this.#p}gateway_users AS g (source_id, state, route, target_id, migrated_at, attempts, updated_at)
                VALUES ($1, 'migrated', $2, $3, $4, 0, $4)
                ON CONFLICT (source_id) DO UPDATE SET state = 'migrated', route = excluded.route, target_id = COALESCE(excluded.target_id, g.target_id),
                  owner = NULL, claim_expires_ms = NULL, migrated_at = excluded.migrated_at, last_error = NULL, updated_at = excluded.updated_at
                WHERE g.state <> 'migrated'`,
          params: [sourceId, route, targetId ?? null, iso],
        },
        ...this.#identifierStatements(identifiers, sourceId, iso),
      ]);
    });
  }

  remember(identifier: string, sourceId: string): Promise<void> {
    return this.#guard('remembering an identifier', async () => {
      await this.#d.batch(this.#identifierStatements([identifier], sourceId, new Date().toISOString()));
    });
  }

  rememberNative(identifier: string, targetId: string): Promise<void> {
    return this.#guard('remembering a target account', async () => {
      await this.#d.run(
        `INSERT INTO ${this.#p}gateway_identifiers (identifier, source_id, native_target_id, updated_at) VALUES ($1, NULL, $2, $3)
         ON CONFLICT (identifier) DO UPDATE SET source_id = NULL, native_target_id = excluded.native_target_id, updated_at = excluded.updated_at`,
        [identifier, targetId, new Date().toISOString()],
      );
    });
  }

  bulkTargetId(sourceId: string): Promise<string | undefined> {
    return this.#guard('reading the migration ledger', () => this.#ledger.movedUserTargetId(sourceId));
  }

  addFailures(counts: readonly { bucket: string; reason: string; n: number }[]): Promise<void> {
    if (counts.length === 0) return Promise.resolve();
    return this.#guard('counting failures', async () => {
      await this.#d.batch(
        counts.map((c) => ({
          sql: `INSERT INTO ${this.#p}gateway_failures AS f (bucket, reason, n) VALUES ($1, $2, $3)
                ON CONFLICT (bucket, reason) DO UPDATE SET n = f.n + excluded.n`,
          params: [c.bucket, c.reason, c.n],
        })),
      );
    });
  }

  dashboard(legacyTotal: number | undefined, sinceIso: string): Promise<DashboardCounts> {
    return this.#guard('reading the dashboard', async () => {
      const byRoute = Object.fromEntries(MIGRATION_ROUTES.map((r) => [r, 0])) as Record<MigrationRoute, number>;
      for (const r of await this.#d.query<{ route: string; n: number | string }>(
        `SELECT route, COUNT(*) AS n FROM ${this.#p}gateway_users WHERE state = 'migrated' GROUP BY route`,
      )) {
        if (r.route in byRoute) byRoute[r.route as MigrationRoute] = Number(r.n);
      }
      const series = async (route: MigrationRoute): Promise<SeriesPoint[]> =>
        (
          await this.#d.query<{ bucket: string; n: number | string }>(
            `SELECT substr(migrated_at, 1, 13) AS bucket, COUNT(*) AS n FROM ${this.#p}gateway_users
             WHERE state = 'migrated' AND route = $1 GROUP BY substr(migrated_at, 1, 13) ORDER BY bucket`,
            [route],
          )
        ).map((r) => ({ bucket: r.bucket, count: Number(r.n) }));

      // Users on the target by any route: the ledger's moved users together with the gateway's.
      const moved = await this.#ledger.movedUsers(`SELECT source_id FROM ${this.#p}gateway_users WHERE state = 'migrated'`);
      // Each user on the target counts in exactly one card: the gateway's routes (a bulk-imported user
      // completed at login counts there), and the bulk import for the rest.
      const migrated = moved ? moved.withAlso : MIGRATION_ROUTES.reduce((n, r) => n + byRoute[r], 0);
      const bulk = moved ? migrated - byRoute.jit - byRoute.completed - byRoute.lazy : byRoute.bulk;
      const bulkSeries: SeriesPoint[] = moved?.series ?? [];
      const planned = moved?.planned || undefined;
      const legacyByReason = await this.#ledger.legacyReasons(`SELECT source_id FROM ${this.#p}gateway_users WHERE state = 'migrated' AND route <> 'bulk'`);
      const failures = (
        await this.#d.query<{ reason: string; n: number | string }>(
          `SELECT reason, SUM(n) AS n FROM ${this.#p}gateway_failures WHERE bucket >= $1 GROUP BY reason ORDER BY reason`,
          [sinceIso.slice(0, 16)],
        )
      ).map((r) => ({ reason: r.reason, count: Number(r.n) }));
      const failureSeries = (
        await this.#d.query<{ bucket: string; reason: string; n: number | string }>(
          `SELECT substr(bucket, 1, 13) AS bucket, reason, SUM(n) AS n FROM ${this.#p}gateway_failures WHERE bucket >= $1
           GROUP BY substr(bucket, 1, 13), reason ORDER BY bucket, reason`,
          [sinceIso.slice(0, 16)],
        )
      ).map((r) => ({ bucket: r.bucket, reason: r.reason, count: Number(r.n) }));
      const total = legacyTotal ?? planned;
      return {
        ...(total !== undefined ? { legacyTotal: total } : {}),
        bulk,
        byRoute,
        migrated,
        ...(legacyByReason ? { legacyByReason } : {}),
        series: { bulk: bulkSeries, jit: await series('jit'), completed: await series('completed'), lazy: await series('lazy') },
        failures,
        failureSeries,
      };
    });
  }

  ping(): Promise<void> {
    return this.#guard('checking readiness', async () => {
      await this.#d.query('SELECT 1 AS one');
    });
  }

  close(): Promise<void> {
    return this.#d.close();
  }
}
