import { FlaglessError } from '../protocol/errors.js';
import type { SqlDriver } from '../state/driver.js';
import { stateStatusCounts } from '../state/finish/status-counts.js';
import type { StateStatusCounts } from '../state/finish/types.js';
import { DEFAULT_STATE_PATH, stateMayExist } from '../state/location.js';
import { openFinishStore } from './finish.js';
import { ssoCheck, syncCheck, webhooksCheck } from './status-sync-sso.js';

/**
 * `flagless status`: may the legacy provider be switched off? A set of checks, each with what it
 * counted and, when it is not ok, the reasons (what is left and the command that moves it). The
 * verdict is "safe to switch off" only when every check is ok; a check whose data source is
 * missing or unreadable is `unknown`, which is never safe. Writes no data (it creates the empty
 * tables of a part the state never held, as every command on a state does).
 */
export type CheckState = 'ok' | 'attention' | 'unknown';

export interface StatusCheck {
  /** users, resets, gateway, mfa, sync, webhooks, sso. */
  name: string;
  state: CheckState;
  ok: boolean;
  /** One line for humans. */
  summary: string;
  /** What is left, each with what to do (empty when ok). Notes that do not block go in `notes`. */
  reasons: string[];
  notes: string[];
  counts: Record<string, number | string | null>;
}

export interface StatusReport {
  safeToSwitchOff: boolean;
  /** "safe to switch off" or "not safe to switch off". */
  verdict: string;
  state: string;
  generatedAt: string;
  checks: StatusCheck[];
}

export interface StatusOptions {
  /** `--state` (default .flagless/state.db). */
  state?: string;
  /** Webhooks are expected at least this often (seconds); a longer silence is a reason. */
  expectWebhooksEverySeconds?: number;
  /** The SSO proxy's connections (`--sso-config`), so those never flipped count as not cut over. */
  ssoConnections?: readonly string[];
  /** Where an unflipped connection goes (the proxy config's default side). */
  ssoDefaultSide?: 'legacy' | 'target';
  now?: () => Date;
}

function check(name: string, reasons: string[], counts: StatusCheck['counts'], okSummary: string, notes: string[] = []): StatusCheck {
  const ok = reasons.length === 0;
  return { name, state: ok ? 'ok' : 'attention', ok, summary: ok ? okSummary : `${reasons.length} thing${reasons.length > 1 ? 's' : ''} left`, reasons, notes, counts };
}

export function unknownCheck(name: string, why: string): StatusCheck {
  return { name, state: 'unknown', ok: false, summary: `unknown: ${why}`, reasons: [`unknown: ${why}`], notes: [], counts: {} };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Users still only on legacy, by why, from the ledger and the gateway's flags. */
export function usersCheck(c: StateStatusCounts): StatusCheck {
  const l = c.ledger;
  if (!l) return unknownCheck('users', 'no migrate ledger in this state: which users are still only on legacy is not known (run `flagless migrate` against this --state, or point --state at its ledger)');
  const r: string[] = [];
  const m = l.notMoved;
  if (l.noUsableHashUnsent) r.push(`${plural(l.noUsableHashUnsent, 'user')} never signed in through the gateway and have no usable hash at the target: \`flagless finish --to <target>\` sends them the target's password reset`);
  if (l.staleUnsent) r.push(`${plural(l.staleUnsent, 'user')} flagged back to legacy (password changed there, or a failed move): \`flagless finish --to <target>\` sends them the target's password reset`);
  if (m.quarantined) r.push(`${plural(m.quarantined, 'user')} quarantined by migrate: fix what \`flagless migrate --json\` names, then \`flagless migrate ... --retry-failed\``);
  if (m.undecidedDuplicate) r.push(`${plural(m.undecidedDuplicate, 'user')} in undecided duplicate-email groups: \`flagless assess --decisions-out decisions.csv\`, edit, then \`flagless migrate --decisions decisions.csv\``);
  if (m.pending) r.push(`${plural(m.pending, 'user')} planned but not yet written: run \`flagless migrate\` again to finish the run`);
  if (m.noEmail) r.push(`${plural(m.noEmail, 'user')} without an email address the target requires: add one at the source, export again and migrate`);
  const notes: string[] = [];
  if (m.disabled) notes.push(`${plural(m.disabled, 'user')} disabled at the source ${m.disabled === 1 ? 'stays' : 'stay'} behind by design (the target cannot hold a disabled account)`);
  if (m.decidedOrAbsent) notes.push(`${plural(m.decidedOrAbsent, 'user')} left out by a duplicate-account decision or absent from the latest export`);
  return check(
    'users',
    r,
    { planned: l.users, onTarget: l.onTarget, noUsableHash: l.noUsableHashUnsent, flaggedBackToLegacy: l.staleUnsent, ...m },
    `every one of ${plural(l.users, 'user')} the ledger knows is on the target or decided`,
    notes,
  );
}

/** finish's password resets: none unconfirmed, failed or waiting. */
export function resetsCheck(c: StateStatusCounts): StatusCheck {
  const t = c.resets;
  if (!t) return check('resets', [], { sent: 0, unconfirmed: 0, failed: 0, planned: 0, skipped: 0 }, 'no password reset was needed or sent yet');
  const r: string[] = [];
  if (t.unconfirmed) r.push(`${plural(t.unconfirmed, 'reset')} unconfirmed (the run stopped while the target was asked): check the target's email log, then \`flagless finish --resend-unconfirmed\` if they never went out`);
  if (t.failed) r.push(`${plural(t.failed, 'reset')} refused by the target: see \`flagless finish --json\` for why, fix it and run finish again`);
  if (t.planned) r.push(`${plural(t.planned, 'reset')} planned and not sent: run \`flagless finish\` again`);
  return check('resets', r, { ...t }, `${plural(t.sent, 'reset')} sent`);
}

export function gatewayCheck(c: StateStatusCounts, now: Date): StatusCheck {
  const g = c.gateway;
  const r: string[] = [];
  if (g.claimed) r.push(`${plural(g.claimed, 'user')} being moved by the gateway right now (or left claimed by a stopped gateway: their next sign-in completes them)`);
  const notes: string[] = [];
  if (g.lastLegacyLogin) {
    const days = Math.floor((now.getTime() - Date.parse(g.lastLegacyLogin)) / 86_400_000);
    notes.push(`last sign-in checked at the legacy provider: ${g.lastLegacyLogin} (${days < 1 ? 'today' : `${plural(days, 'day')} ago`})`);
  } else notes.push('no sign-in was ever checked at the legacy provider through the gateway');
  return check('gateway', r, { claimed: g.claimed, movedByGateway: g.moved, lastLegacyLogin: g.lastLegacyLogin ?? null }, 'no move in flight', notes);
}

/** SMS second factors the target does not carry: a notice to send before the cutover (not a blocker by itself). */
export function mfaCheck(c: StateStatusCounts): StatusCheck {
  const n = c.ledger?.smsUsers;
  if (n === undefined) return check('mfa', [], { smsUsers: null }, 'no ledger: SMS factors not known');
  const notes = n ? [`${plural(n, 'user')} with SMS second factors the target does not carry: \`flagless finish --sms-csv sms.csv --notice-out notice\` writes who and the notice to send before the cutover`] : [];
  return check('mfa', [], { smsUsers: n }, n ? 'SMS users listed: send the notice before the cutover' : 'no SMS factors lost', notes);
}

export function verdictOf(checks: readonly StatusCheck[]): Pick<StatusReport, 'safeToSwitchOff' | 'verdict'> {
  const safe = checks.every((c) => c.ok);
  return { safeToSwitchOff: safe, verdict: safe ? 'safe to switch off' : 'not safe to switch off' };
}

export async function status(options: StatusOptions = {}): Promise<StatusReport> {
  if (!stateMayExist(options.state)) throw new FlaglessError('E_INPUT_UNREADABLE', `no state at ${options.state ?? DEFAULT_STATE_PATH}: run \`flagless migrate\` or \`flagless serve\` first, or pass --state`);
  const store = await openFinishStore(options.state);
  try {
    return await statusOnDriver(store.driver, options);
  } finally {
    await store.close();
  }
}

/** The same checks on a state already open (the gateway's dashboard card). Reads only. */
export async function statusOnDriver(driver: SqlDriver, options: StatusOptions = {}): Promise<StatusReport> {
  const now = (options.now ?? (() => new Date()))();
  try {
    const counts = await stateStatusCounts(driver);
    const checks = [usersCheck(counts), resetsCheck(counts), gatewayCheck(counts, now), mfaCheck(counts)];
    checks.push(...(await statusExtraChecks(driver, options, now)));
    return { ...verdictOf(checks), state: driver.location, generatedAt: now.toISOString(), checks };
  } catch (e) {
    if (e instanceof FlaglessError) throw e;
    throw new FlaglessError('E_STATE', `the state at ${driver.location} cannot be read: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Sync (webhooks and reconcile) and SSO cutover checks, from their stores on the same driver (each
 * creates its empty tables when the state never held them: no sync event, no SSO flag). A store
 * that cannot be read makes its checks unknown, never ok.
 */
async function statusExtraChecks(driver: SqlDriver, options: StatusOptions, now: Date): Promise<StatusCheck[]> {
  const out: StatusCheck[] = [];
  try {
    const { SyncStore } = await import('../state/sync/store.js');
    const numbers = await (await SyncStore.attach(driver)).stats();
    out.push(syncCheck(numbers), webhooksCheck(numbers, options.expectWebhooksEverySeconds, now));
  } catch (e) {
    const why = `the sync state cannot be read (${(e as Error).message})`;
    out.push(unknownCheck('sync', why), unknownCheck('webhooks', why));
  }
  try {
    const [{ attachSsoStore }, { readSsoStatus }] = await Promise.all([import('../state/sso/open.js'), import('../state/sso/status.js')]);
    const store = await attachSsoStore(driver);
    const connections = await readSsoStatus(store, options.ssoConnections ?? [], options.ssoDefaultSide ?? 'legacy');
    out.push(ssoCheck(connections.map((c) => ({ name: c.name, side: c.side, ...(c.percent !== undefined ? { percent: c.percent } : {}), ...(c.domains ? { domains: c.domains } : {}) }))));
  } catch (e) {
    out.push(unknownCheck('sso', `the SSO cutover state cannot be read (${(e as Error).message})`));
  }
  return out;
}
