import fs from 'node:fs';
import { TokenBucket } from '../engine/rate-limit.js';
import { csvField } from '../lib/io/csv-field.js';
import { FlaglessError, isFlaglessError } from '../protocol/errors.js';
import type { Target } from '../protocol/target.js';
import { FinishStore } from '../state/finish/store.js';
import { openGatewayStore } from '../state/gateway/open.js';
import { DEFAULT_STATE_PATH, stateMayExist } from '../state/location.js';
import type { FinishRow, ResetCandidate, ResetReason } from '../state/finish/types.js';
import { smsReenrolNotice, type SmsNotice } from './finish-notice.js';
import { loadTargetConnector, openTarget, targetLabel, type OpenTargetOptions } from './open-target.js';

/**
 * `flagless finish --to <target>`: the end of the transition for the users who never moved their
 * password. Each user the ledger moved without a usable hash (and who has not signed in through
 * the gateway since), or whose flag went back to legacy, gets the target's own password-reset /
 * set-password message exactly once: a finish_actions row is committed as `sending` before the
 * target is asked and `sent` after it answered, so a re-run (or a run after kill -9) never mails a
 * user twice; a row a crash left `sending` is reported as unconfirmed and re-sent only with
 * `resendUnconfirmed`. Users whose SMS factor the target cannot hold are listed (a CSV) with the
 * notice to send them before the cutover.
 */
export interface FinishOptions {
  target: OpenTargetOptions;
  /** `--state` (default .flagless/state.db). */
  state?: string;
  /** List who would get what; send nothing, record nothing, open no target. */
  dryRun?: boolean;
  /** Messages per second (default: the target's documented write rate, at most 10). */
  rate?: number;
  /** Also re-send to users a crash left unconfirmed (the message may have gone out already). */
  resendUnconfirmed?: boolean;
  /** Write each reset link the target returns to this file (0600): the links are credentials. */
  linksOut?: string;
  /** Write the SMS re-enrolment CSV here. */
  smsCsv?: string;
  /** Write the SMS notice as `<prefix>.txt` and `<prefix>.html`. */
  noticeOut?: string;
  /** The cutover date the notice names. */
  cutover?: string;
  /** The product's name in the notice. */
  product?: string;
  onProgress?: (done: number) => void;
  signal?: AbortSignal;
}

export type FinishEntryResult = 'sent' | 'already-sent' | 'unconfirmed' | 'failed' | 'skipped' | 'would-send';

export interface FinishEntry {
  sourceId: string;
  targetId?: string;
  email?: string;
  reason: ResetReason;
  result: FinishEntryResult;
  via?: string;
  at?: string;
  detail?: string;
}

export interface FinishResult {
  target: string;
  runs: string[];
  dryRun: boolean;
  resets: { candidates: number; sent: number; alreadySent: number; unconfirmed: number; failed: number; skipped: number; wouldSend: number };
  entries: FinishEntry[];
  sms: { targetCarriesSms: boolean; users: number; csv?: string; notice?: SmsNotice & { files?: string[] } };
  linksFile?: string;
  /** Requests the target counted. */
  targetCalls?: { writes: number; reads: number };
}

const PAGE = 500;
const MAX_429_RETRIES = 8;

async function* allCandidates(store: FinishStore, runs: readonly string[]): AsyncIterable<ResetCandidate[]> {
  let after = '';
  for (;;) {
    const { page, last } = await store.resetCandidates(runs, after, PAGE);
    if (last === undefined) break;
    if (page.length) yield page;
    after = last;
  }
  const stale = await store.gatewayStaleCandidates();
  for (let i = 0; i < stale.length; i += PAGE) yield stale.slice(i, i + PAGE);
}

function entryOf(c: ResetCandidate, row: FinishRow | undefined, result: FinishEntryResult): FinishEntry {
  return {
    sourceId: c.sourceId,
    targetId: c.targetId,
    reason: c.reason,
    result,
    ...(row?.email ? { email: row.email } : {}),
    ...(row?.via ? { via: row.via } : {}),
    ...(row?.sentAt ? { at: row.sentAt } : {}),
    ...(row?.detail ? { detail: row.detail } : {}),
  };
}

/** What an existing row means before anything is sent now. */
function settled(row: FinishRow | undefined, resendUnconfirmed: boolean): FinishEntryResult | undefined {
  if (!row) return undefined;
  if (row.state === 'sent') return 'already-sent';
  if (row.state === 'skipped') return 'skipped';
  if (row.state === 'sending' && !resendUnconfirmed) return 'unconfirmed';
  return undefined;
}

function tallyOf(entries: readonly FinishEntry[]): FinishResult['resets'] {
  const t = { candidates: entries.length, sent: 0, alreadySent: 0, unconfirmed: 0, failed: 0, skipped: 0, wouldSend: 0 };
  for (const e of entries) {
    if (e.result === 'sent') t.sent++;
    else if (e.result === 'already-sent') t.alreadySent++;
    else if (e.result === 'unconfirmed') t.unconfirmed++;
    else if (e.result === 'failed') t.failed++;
    else if (e.result === 'skipped') t.skipped++;
    else t.wouldSend++;
  }
  return t;
}

/** The state `--state` names, with the gateway's tables and finish's (created when missing). */
export async function openFinishStore(spec: string | undefined): Promise<FinishStore> {
  const gateway = await openGatewayStore(spec);
  return FinishStore.attach(gateway.driver, gateway);
}

export async function finish(options: FinishOptions): Promise<FinishResult> {
  const connector = await loadTargetConnector(options.target.to);
  const label = targetLabel(connector.name, options.target);
  const rate = options.rate ?? Math.min(connector.capabilities.rateLimitPerSecond ?? 10, 10);
  if (!(rate > 0)) throw new FlaglessError('E_USAGE', `the rate must be a positive number of messages per second; got ${rate}`);
  if (!stateMayExist(options.state)) throw new FlaglessError('E_INPUT_UNREADABLE', `no state at ${options.state ?? DEFAULT_STATE_PATH}: finish works from the ledger \`flagless migrate\` writes (and the gateway's flags); pass --state`);
  const store = await openFinishStore(options.state);
  try {
    const runs = await store.runsFor(label);
    if (runs.length === 0) {
      const others = await store.runTargets();
      if (others.length) {
        throw new FlaglessError('E_USAGE', `the ledger at ${store.location} has no migrate run into ${label} (it has ${others.join(', ')}): give finish the same target flags as migrate`);
      }
    }
    const entries: FinishEntry[] = [];
    const result: FinishResult = { target: label, runs, dryRun: Boolean(options.dryRun), resets: tallyOf([]), entries, sms: { targetCarriesSms: connector.capabilities.smsFactors, users: 0 } };

    if (options.dryRun) {
      for await (const page of allCandidates(store, runs)) {
        const rows = await store.getMany(page.map((c) => c.sourceId), 'reset');
        for (const c of page) entries.push(entryOf(c, rows.get(c.sourceId), settled(rows.get(c.sourceId), Boolean(options.resendUnconfirmed)) ?? 'would-send'));
      }
      result.resets = tallyOf(entries);
      await smsPart(store, runs, connector.capabilities, undefined, options, result);
      return result;
    }

    const opened = await openTarget(options.target);
    const target = opened.target;
    const bucket = new TokenBucket({ rate, burst: Math.max(1, Math.ceil(rate)) });
    let links: number | undefined;
    try {
      if (!target.sendPasswordReset) throw new FlaglessError('E_USAGE', `flagless cannot send ${connector.capabilities.displayName}'s password-reset message yet`);
      if (options.linksOut) {
        links = fs.openSync(options.linksOut, 'a', 0o600);
        result.linksFile = options.linksOut;
        if (fs.fstatSync(links).size === 0) fs.writeSync(links, 'source_id,email,link,code,expires_at\n');
      }
      for await (const page of allCandidates(store, runs)) {
        await store.plan('reset', label, page);
        const rows = await store.getMany(page.map((c) => c.sourceId), 'reset');
        for (const c of page) {
          if (options.signal?.aborted) throw new FlaglessError('E_INTERRUPTED', 'finish was interrupted; run it again to continue (nothing is sent twice)');
          const done = settled(rows.get(c.sourceId), Boolean(options.resendUnconfirmed));
          if (done) {
            entries.push(entryOf(c, rows.get(c.sourceId), done));
            continue;
          }
          entries.push(await resetOne(store, target, c, { bucket, label, links, ...options }));
          options.onProgress?.(entries.length);
        }
      }
      result.resets = tallyOf(entries);
      await smsPart(store, runs, connector.capabilities, target, options, result);
      result.targetCalls = { ...target.stats };
      return result;
    } finally {
      bucket.close();
      if (links !== undefined) fs.closeSync(links);
      await target.close().catch(() => undefined);
    }
  } finally {
    await store.close();
  }
}

async function resetOne(store: FinishStore, target: Target, c: ResetCandidate, o: FinishOptions & { bucket: TokenBucket; label: string; links: number | undefined }): Promise<FinishEntry> {
  const reread = async (result: FinishEntryResult) => entryOf(c, await store.get(c.sourceId, 'reset'), result);
  const view = await target.getUser({ id: c.targetId });
  if (!view) {
    await store.markFailed(c.sourceId, 'reset', { code: 'E_TARGET_VALIDATION', message: `user ${c.targetId} is no longer in the target` });
    return reread('failed');
  }
  if (view.disabled) {
    await store.markSkipped(c.sourceId, 'reset', 'disabled at the target: not mailed', view.email);
    return reread('skipped');
  }
  if (c.reason === 'no-usable-hash' && target.capabilities.reportsPassword && view.hasPassword === true) {
    await store.markSkipped(c.sourceId, 'reset', 'has a password at the target now (set since the move)', view.email);
    return reread('skipped');
  }
  if (!view.email) {
    await store.markFailed(c.sourceId, 'reset', { code: 'E_NO_EMAIL', message: `user ${c.targetId} has no email address at the target: nothing to send a reset to` });
    return reread('failed');
  }
  for (let attempt = 0; ; attempt++) {
    await o.bucket.acquire(o.signal);
    // Write-ahead: from here until markSent the message may be out; a crash leaves it unconfirmed.
    if (!(await store.begin(c.sourceId, 'reset', view.email, { resendUnconfirmed: Boolean(o.resendUnconfirmed) }))) return reread(settled(await store.get(c.sourceId, 'reset'), false) ?? 'unconfirmed');
    try {
      const sent = await target.sendPasswordReset!({ id: c.targetId, email: view.email }, { email: view.email, wantLink: o.links !== undefined });
      await store.markSent(c.sourceId, 'reset', sent.via);
      if (o.links !== undefined && sent.link) fs.writeSync(o.links, [c.sourceId, view.email, sent.link, sent.code ?? '', sent.expiresAt ?? ''].map(csvField).join(',') + '\n');
      return reread('sent');
    } catch (e) {
      if (!isFlaglessError(e)) {
        await store.markUnconfirmed(c.sourceId, 'reset', { code: 'E_INTERNAL', message: (e as Error)?.message ?? String(e) });
        throw e;
      }
      if (e.code === 'E_RATE_LIMITED' && attempt < MAX_429_RETRIES) {
        // A 429 sent nothing: back to planned, wait as told, try again.
        await store.release(c.sourceId, 'reset');
        o.bucket.rateLimited(e.retryAfterSeconds);
        continue;
      }
      if (e.errorClass === 'skippable' || e.code === 'E_RATE_LIMITED') {
        await store.markFailed(c.sourceId, 'reset', { code: e.code, message: e.message });
        return reread('failed');
      }
      if (e.errorClass === 'fatal') {
        // Refused before anything was sent (credentials, configuration): the user stays planned.
        await store.release(c.sourceId, 'reset');
        throw e;
      }
      // Retriable: a timeout or a 5xx may have sent it. Never guessed: reported unconfirmed.
      await store.markUnconfirmed(c.sourceId, 'reset', { code: e.code, message: e.message });
      return reread('unconfirmed');
    }
  }
}

async function smsPart(store: FinishStore, runs: readonly string[], caps: Target['capabilities'], target: Target | undefined, o: FinishOptions, result: FinishResult): Promise<void> {
  if (caps.smsFactors) return;
  const users = await store.smsUsers(runs);
  result.sms.users = users.length;
  if (users.length === 0) return;
  const notice = smsReenrolNotice(caps, { ...(o.cutover ? { cutover: o.cutover } : {}), ...(o.product ? { product: o.product } : {}) });
  result.sms.notice = { ...notice };
  if (o.dryRun) return;
  if (o.smsCsv) {
    const lines = ['source_id,target_id,email,moved,factor,action'];
    for (const u of users) {
      const email = target && u.targetId ? (await target.getUser({ id: u.targetId }))?.email : undefined;
      lines.push([u.sourceId, u.targetId ?? '', email ?? '', u.moved ? 'yes' : 'no', 'sms', `re-enrol a second factor at ${caps.displayName} (it does not carry SMS)`].map(csvField).join(','));
    }
    fs.writeFileSync(o.smsCsv, lines.join('\n') + '\n');
    result.sms.csv = o.smsCsv;
  }
  if (o.noticeOut) {
    fs.writeFileSync(`${o.noticeOut}.txt`, notice.text);
    fs.writeFileSync(`${o.noticeOut}.html`, notice.html);
    result.sms.notice.files = [`${o.noticeOut}.txt`, `${o.noticeOut}.html`];
  }
}

/** The report: who was sent what (never a link). */
export function finishReportCsv(entries: readonly FinishEntry[]): string {
  const head = 'source_id,target_id,email,reason,result,via,at,detail';
  return [head, ...entries.map((e) => [e.sourceId, e.targetId ?? '', e.email ?? '', e.reason, e.result, e.via ?? '', e.at ?? '', e.detail ?? ''].map(csvField).join(','))].join('\n') + '\n';
}
