import type { SqlDriver } from '../driver.js';
import { MOVED, NO_HASH, syncGoneQuery } from './store.js';
import type { StateStatusCounts } from './types.js';

/**
 * The counts `flagless status` decides on, read in a few aggregate queries (no per-user loop, so a
 * million-user ledger answers in seconds). Every user counts once however many runs planned it:
 * a user is on the target when any run moved it or the gateway did; the reasons a user is not
 * are read from its records, as the dashboard's breakdown (moved-users.ts) reads them.
 */
export async function stateStatusCounts(d: SqlDriver): Promise<StateStatusCounts> {
  const p = d.prefix;
  const n = async (sql: string, params: readonly unknown[] = []) => Number((await d.query<{ n: number | string | null }>(sql, params))[0]?.n ?? 0);
  const gatewayMoved = `SELECT source_id FROM ${p}gateway_users WHERE state = 'migrated'`;
  const resetRows = (states: string) => `SELECT source_id FROM ${p}finish_actions WHERE action = 'reset' AND state IN (${states})`;

  const gateway: StateStatusCounts['gateway'] = {
    claimed: await n(`SELECT COUNT(*) AS n FROM ${p}gateway_users WHERE state = 'claimed'`),
    moved: await n(`SELECT COUNT(*) AS n FROM ${p}gateway_users WHERE state = 'migrated' AND route <> 'bulk'`),
  };
  const last = (
    await d.query<{ at: string | null }>(
      `SELECT MAX(at) AS at FROM (
         SELECT MAX(migrated_at) AS at FROM ${p}gateway_users WHERE route IN ('jit', 'completed', 'lazy')
         UNION ALL SELECT MAX(updated_at) AS at FROM ${p}gateway_users WHERE state = 'legacy' AND attempts > 0
       ) AS t`,
    )
  )[0]?.at;
  if (last) gateway.lastLegacyLogin = last;

  let resets: StateStatusCounts['resets'];
  try {
    const t = { sent: 0, unconfirmed: 0, failed: 0, planned: 0, skipped: 0 };
    for (const r of await d.query<{ state: string; n: number | string }>(`SELECT state, COUNT(*) AS n FROM ${p}finish_actions WHERE action = 'reset' GROUP BY state`)) {
      const k = r.state === 'sending' ? 'unconfirmed' : (r.state as keyof typeof t);
      if (k in t) t[k] += Number(r.n);
    }
    resets = t;
  } catch (e) {
    if (!d.isMissingTable(e)) throw e;
  }
  // Without finish's table, no user has been handled by it. Users sync saw deleted or disabled at
  // the legacy provider are nobody's concern any more.
  const goneQuery = await syncGoneQuery(d);
  const notGone = goneQuery ? `source_id NOT IN (${goneQuery})` : 'TRUE';
  const handled = `${notGone} AND ${resets ? `source_id NOT IN (${resetRows(`'sent', 'sending', 'failed', 'skipped'`)})` : 'TRUE'}`;

  let ledger: StateStatusCounts['ledger'];
  try {
    const users = await n(`SELECT COUNT(DISTINCT source_id) AS n FROM ${p}records WHERE kind = 'user'`);
    const moved = `SELECT source_id FROM ${p}records WHERE ${MOVED}`;
    const onTarget = await n(`SELECT COUNT(*) AS n FROM (${moved} UNION ${gatewayMoved}) AS t`);
    const notMoved = `kind = 'user' AND source_id NOT IN (${moved}) AND source_id NOT IN (${gatewayMoved}) AND ${notGone}`;
    const count = (where: string) => n(`SELECT COUNT(DISTINCT source_id) AS n FROM ${p}records WHERE ${notMoved} AND ${where}`);
    const skipped = `state = 'done' AND outcome = 'skipped'`;
    const quarantined = await count(`state = 'failed' AND error_code <> 'E_DUPLICATE_EMAIL'`);
    const undecidedDuplicate = await count(`state = 'failed' AND error_code = 'E_DUPLICATE_EMAIL'`);
    const pending = await count(`state IN ('planned', 'writing')`);
    const noEmail = await count(`${skipped} AND error_message LIKE '%has no email address%'`);
    const disabled = await count(`${skipped} AND error_message LIKE '%the user is disabled%'`);
    const decidedOrAbsent = await count(
      `${skipped} AND error_message NOT LIKE '%has no email address%' AND error_message NOT LIKE '%the user is disabled%'
       AND source_id NOT IN (SELECT source_id FROM ${p}records WHERE kind = 'user' AND state IN ('failed', 'planned', 'writing'))`,
    );
    const noUsableHashUnsent = await n(
      `SELECT COUNT(DISTINCT source_id) AS n FROM ${p}records WHERE ${MOVED} AND ${NO_HASH} AND source_id NOT IN (${gatewayMoved}) AND ${handled}`,
    );
    const staleUnsent = await n(
      `SELECT COUNT(*) AS n FROM ${p}gateway_users WHERE state = 'legacy' AND ${handled}
       AND (target_id IS NOT NULL OR source_id IN (SELECT source_id FROM ${p}records WHERE ${MOVED} AND NOT (${NO_HASH})))
       AND source_id NOT IN (SELECT source_id FROM ${p}records WHERE ${MOVED} AND ${NO_HASH})`,
    );
    const smsUsers = await n(`SELECT COUNT(DISTINCT source_id) AS n FROM ${p}records WHERE kind = 'user' AND lossy LIKE '%"field":"mfa.sms"%'`);
    ledger = { users, onTarget, notMoved: { quarantined, undecidedDuplicate, pending, noEmail, disabled, decidedOrAbsent }, noUsableHashUnsent, staleUnsent, smsUsers };
  } catch (e) {
    if (!d.isMissingTable(e)) throw e;
  }
  return { gateway, ...(ledger ? { ledger } : {}), ...(resets ? { resets } : {}) };
}
