import type { SqlDriver } from '../driver.js';
import type { LegacyReasons, MovedUsers } from './types.js';

/**
 * The ledger's answers to "which users did `flagless migrate` move?", the part the gateway reads
 * (a user moved in bulk is routed to the target; the dashboard counts them). Portable SQL on the
 * driver both stores share; a state where no migrate ever ran (no ledger tables) reads as
 * nothing moved, so the gateway never has to create the ledger.
 */

/** Ledger rows that mean the user is in the target (a plan-time skip is not). */
const MOVED = `kind = 'user' AND state = 'done' AND target_id IS NOT NULL AND (outcome IS NULL OR outcome <> 'skipped')`;

async function tolerant<T>(d: SqlDriver, empty: T, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (d.isMissingTable(e)) return empty; // no `flagless migrate` ever ran against this state
    throw e;
  }
}

export function movedUserTargetId(d: SqlDriver, sourceId: string): Promise<string | undefined> {
  return tolerant(d, undefined, async () => {
    const rows = await d.query<{ target_id: string }>(
      `SELECT target_id FROM ${d.prefix}records WHERE ${MOVED} AND source_id = $1 ORDER BY updated_at DESC LIMIT 1`,
      [sourceId],
    );
    return rows[0]?.target_id;
  });
}

export function movedUsers(d: SqlDriver, alsoMoved?: string): Promise<MovedUsers | undefined> {
  const p = d.prefix;
  return tolerant<MovedUsers | undefined>(d, undefined, async () => {
    const count = Number((await d.query<{ n: number | string }>(`SELECT COUNT(DISTINCT source_id) AS n FROM ${p}records WHERE ${MOVED}`))[0]?.n ?? 0);
    const series = (
      await d.query<{ bucket: string; n: number | string }>(
        `SELECT substr(updated_at, 1, 13) AS bucket, COUNT(DISTINCT source_id) AS n FROM ${p}records WHERE ${MOVED}
         GROUP BY substr(updated_at, 1, 13) ORDER BY bucket`,
      )
    ).map((r) => ({ bucket: r.bucket, count: Number(r.n) }));
    const withAlso =
      alsoMoved === undefined
        ? count
        : Number(
            (await d.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM (SELECT source_id FROM ${p}records WHERE ${MOVED} UNION ${alsoMoved}) AS moved`))[0]?.n ?? 0,
          );
    const planned = Number((await d.query<{ n: number | string }>(`SELECT COUNT(DISTINCT source_id) AS n FROM ${p}records WHERE kind = 'user'`))[0]?.n ?? 0);
    return { count, series, withAlso, planned };
  });
}

/**
 * Why users the ledger knows are not on the target yet (the dashboard's breakdown), leaving out
 * users in `alsoMoved` (moved by the gateway since). The plan's skip reasons and the quarantine's
 * codes say it (engine/plan.ts words the skips; E_DUPLICATE_EMAIL marks an undecided duplicate);
 * a user moved in bulk whose lossy notes name the password has no usable hash on the target yet.
 */
export function legacyReasons(d: SqlDriver, alsoMoved?: string): Promise<LegacyReasons | undefined> {
  const p = d.prefix;
  const notMovedSince = alsoMoved === undefined ? 'TRUE' : `source_id NOT IN (${alsoMoved})`;
  const count = async (where: string) =>
    Number((await d.query<{ n: number | string }>(`SELECT COUNT(DISTINCT source_id) AS n FROM ${p}records WHERE kind = 'user' AND ${where} AND ${notMovedSince}`))[0]?.n ?? 0);
  const skipped = `state = 'done' AND outcome = 'skipped'`;
  return tolerant<LegacyReasons | undefined>(d, undefined, async () => ({
    disabled: await count(`${skipped} AND error_message LIKE '%the user is disabled%'`),
    noEmail: await count(`${skipped} AND error_message LIKE '%has no email address%'`),
    quarantined: await count(`state = 'failed' AND error_code <> 'E_DUPLICATE_EMAIL'`),
    undecidedDuplicate: await count(`state = 'failed' AND error_code = 'E_DUPLICATE_EMAIL'`),
    noUsableHash: await count(`${MOVED} AND lossy LIKE '%"field":"password"%'`),
  }));
}
