import { setMaxListeners } from 'node:events';
import type { CanonicalUser } from '../model/user.js';
import { isFlaglessError } from '../protocol/errors.js';
import type { Source } from '../protocol/source.js';
import type { Target } from '../protocol/target.js';
import { applyMembership } from './apply-membership.js';
import { spawnMembershipBatches } from './apply-membership-batch.js';
import { applyOrganization } from './apply-organization.js';
import { spawnOrganizationBatches } from './apply-organization-batch.js';
import { applyUser } from './apply-user.js';
import { spawnUserBatches } from './apply-user-batch.js';
import { AbortedError, yieldToEventLoop } from './concurrency.js';
import { digest } from './fingerprint.js';
import { ExportMembers, type MissingFromExport } from './absent.js';
import { SettledOrganizations } from './new-memberships.js';
import { planPass, type PlannedBatch } from './plan-pass.js';
import type { UserPlan } from './plan.js';
import type { PlanReport } from './plan-report.js';
import { ProgressMeter, type Progress } from './progress.js';
import { Requester } from './request.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { shareRate, type RateShare } from './rate-share.js';
import { RunContext, type InvocationCounts, type OnConflict } from './run-context.js';
import type { PlanOptions } from './plan.js';
import type { HashCostCeiling } from '../model/password/cost.js';
import type { DuplicateDecisions } from './decisions/types.js';
import { summarize, type MigrateSummary } from './summary.js';
import { ENTITY_KINDS, type EntityKind, type LedgerRecord, type RecordState, type StateStore } from '../state/ledger/types.js';
import { TaskPool } from './task-pool.js';
import { SyncStore } from '../state/sync/store.js';
import { overlaySynced } from './sync/snapshot.js';

/** The export's user with sync's newer profile over it (snapshot.ts), when sync applied one. */
function overlayStored(user: CanonicalUser, stored: { snapshot?: string; watermarkMs?: number } | undefined): CanonicalUser {
  if (!stored?.snapshot) return user;
  return overlaySynced(user, { snapshot: JSON.parse(stored.snapshot) as CanonicalUser, ...(stored.watermarkMs !== undefined ? { watermarkMs: stored.watermarkMs } : {}) });
}

/**
 * `migrate`: plan, then apply: organizations, then users, then memberships.
 *
 * 1. Plan pass: stream the source once, write every record's plan to the ledger (idempotent upsert;
 *    a done record whose source changed is re-planned as an update).
 * 2. Organizations: claimed from the ledger (their fields are in the plan payload).
 * 3. Users: stream the source again, batch by batch; claim each batch's records that need work and
 *    apply them. The ledger is the memory: user data (hashes included) is never stored in it.
 * 4. Memberships: claimed from the ledger once their user and organization are settled.
 *
 * One pass (a fresh run into a target with a bulk create): 2 and 3 happen inside 1, batch by batch,
 * right after each batch's plan is written; the source is read once.
 *
 * A finished run re-run sends nothing: every record is done with an unchanged digest.
 */
export interface MigrateOptions {
  source: Source;
  /** What makes two invocations the same migration: same key, same ledger run (re-runs, parallel workers). */
  runKey: string;
  /** Where the source came from, for the runs table. */
  sourceFingerprint: string;
  target: Target;
  /** Target name and instance, for the runs table and the id map. */
  targetLabel: string;
  store: StateStore;
  concurrency?: number;
  /** Requests per second; defaults to the target's documented limit. */
  rate?: number;
  onConflict?: OnConflict;
  /** Also run the records quarantined by earlier runs (with whatever else this export brings). */
  retryFailed?: boolean;
  /** The operator's duplicate-account decisions, checked against this export (decisions/resolve.ts). */
  decisions?: DuplicateDecisions;
  missingPassword?: 'jit' | 'reset';
  /** Hashes above it are not imported: those users reset (default DEFAULT_HASH_COST_CEILING). */
  hashCostCeiling?: HashCostCeiling;
  batchSize?: number;
  retry?: RetryPolicy;
  /** Aborting stops taking new work, waits for requests in flight, and leaves the ledger consistent. */
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  progressIntervalMs?: number;
  /** Saved with the run (must hold no secret). */
  runOptions?: Record<string, unknown>;
}

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_BATCH_SIZE = 500;
/** Targets that document no limit (a local Keycloak, a database) still get a bucket, a generous one. */
export const UNDOCUMENTED_RATE = 1000;

export function runIdFor(runKey: string): string {
  return digest(runKey).slice(0, 16);
}

export async function migrate(opts: MigrateOptions): Promise<MigrateSummary> {
  const started = performance.now();
  const { store, target, source } = opts;
  const caps = target.capabilities;
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  // A target that takes bigger bulk creates (Kratos: 1,000 identities per request) gets pages that fill them.
  const batchSize = opts.batchSize ?? Math.max(DEFAULT_BATCH_SIZE, target.capabilities.batchSize);
  const rate = opts.rate ?? caps.rateLimitPerSecond ?? UNDOCUMENTED_RATE;
  // A target with a bulk create (all or nothing, or answering per item) gets first-time creates in batches.
  const bulkUsers = (target.createUsers !== undefined || target.createUsersEach !== undefined) && caps.batchSize > 1;
  const policy = opts.retry ?? DEFAULT_RETRY;
  // --retry-failed takes the quarantined records and everything else left to do, so that a newer
  // export (new users, changed ones, repaired rows) is moved in the same invocation.
  const states: RecordState[] = opts.retryFailed ? ['planned', 'failed'] : ['planned'];

  await store.acquireWorker();
  const run = await store.beginRun({
    id: runIdFor(opts.runKey),
    sourceFingerprint: opts.sourceFingerprint,
    target: opts.targetLabel,
    options: opts.runOptions ?? {},
    startedAt: new Date().toISOString(),
  });

  const controller = new AbortController();
  // Every waiting request listens to this signal: thousands of listeners are expected.
  setMaxListeners(0, controller.signal);
  const onExternalAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) controller.abort(opts.signal.reason);
  opts.signal?.addEventListener('abort', onExternalAbort, { once: true });

  const writes0 = target.stats.writes;
  const reads0 = target.stats.reads;
  const events0 = { ...(target.events ?? {}) };
  const planOptions: PlanOptions = {
    missingPassword: opts.missingPassword ?? 'jit',
    ...(opts.hashCostCeiling ? { hashCostCeiling: opts.hashCostCeiling } : {}),
    ...(target.lossyNotes ? { targetNotes: target.lossyNotes.bind(target) } : {}),
    ...(opts.decisions ? { decisions: opts.decisions } : {}),
  };
  // Records of decided duplicate groups that an earlier run quarantined: a decided group is done, not quarantined.
  const decided: Record<'user' | 'membership', string[]> = { user: [], membership: [] };
  const members = new ExportMembers();
  let missingFromExport: MissingFromExport | undefined;
  let freshRun = false;
  const counts: InvocationCounts = { processed: { user: 0, organization: 0, membership: 0 }, failed: { user: 0, organization: 0, membership: 0 } };
  const meter = new ProgressMeter(() => ({ ...counts, writes: target.stats.writes - writes0 }), opts.onProgress, opts.progressIntervalMs);
  let requester: Requester | undefined;
  let share: RateShare | undefined;
  const pool = new TaskPool(concurrency * 2, controller);
  let plan: PlanReport | undefined;
  let fatal: { code: string; message: string } | undefined;

  meter.start();
  try {
    // A run the ledger holds no record of yet: every record it will hold after the pass came from this export.
    freshRun = (await Promise.all(ENTITY_KINDS.map((k) => store.page(run.id, k, undefined, 1)))).every((p) => p.length === 0);
    // One pass: a fresh run into a target with a bulk create applies each batch the plan pass
    // writes while the pass reads on, so the source is read once and the target works (a server,
    // a rate limit's waits) while the next batch is planned. Its batches are claimed like the
    // users phase's; a batch whose rows were all inserted by its own write is known without a
    // claim where nothing but this invocation writes the run's records: an exclusive ledger that
    // `serve --sync` has received no events in (sync settles records of users deleted at the source).
    const onePass = freshRun && !opts.retryFailed && bulkUsers;
    const syncStore = await SyncStore.attach(store.driver);
    const syncSeen = onePass && store.exclusive === true ? (await syncStore.stats()).received > 0 : true;
    let knownRows = onePass && store.exclusive === true && !syncSeen;

    // The bucket starts when the writes start: tokens saved up during planning would be a burst.
    let writing: { ctx: RunContext; settledOrgs: SettledOrganizations | undefined } | undefined;
    const startWriting = async () => {
      if (writing) return writing;
      requester = new Requester({
        concurrency,
        rate,
        ...(caps.readRateLimitPerSecond !== undefined ? { readRate: caps.readRateLimitPerSecond } : {}),
        retry: policy,
        signal: controller.signal,
      });
      share = await shareRate({ store, runId: run.id, requester, rate, ...(caps.readRateLimitPerSecond !== undefined ? { readRate: caps.readRateLimitPerSecond } : {}) });
      // A target that writes memberships with new users gets those of settled organizations (new-memberships.ts).
      writing = {
        ctx: new RunContext(run.id, store, target, caps, requester, planOptions, opts.onConflict ?? 'link', policy, counts),
        settledOrgs: caps.membershipsWithUsers ? new SettledOrganizations(store, run.id) : undefined,
      };
      return writing;
    };

    const applyOrganizations = async () => {
      const { ctx } = await startWriting();
      for (;;) {
        const claimed = await store.claim(run.id, 'organization', { states, limit: batchSize });
        if (claimed.length === 0) break;
        // Deleted at the source since this export, as sync learned: not brought back (nor its memberships).
        const deleted = await syncStore.deletedOrganizations(claimed.map((r) => r.sourceId));
        const recs = [];
        for (const r of claimed) {
          if (deleted.has(r.sourceId)) await ctx.done('organization', r.sourceId, { outcome: 'skipped' });
          else recs.push(r);
        }
        if (recs.length === 0) continue;
        // A target with a bulk create gets first-time creates in batches (apply-organization-batch.ts).
        if (target.createOrganizations && caps.batchSize > 1) await spawnOrganizationBatches(ctx, pool, recs);
        else for (const r of recs) await pool.spawn(() => applyOrganization(ctx, r));
      }
      await pool.drain();
    };

    /**
     * A batch of users from the source: claimed (or, in one pass, known: `known` holds the plans of
     * a batch whose rows its own plan write inserted), then applied.
     */
    let knownInFlight = false;
    const applyUsers = async (users: CanonicalUser[], known?: readonly UserPlan[], plans?: ReadonlyMap<CanonicalUser, UserPlan>) => {
      if (users.length === 0) return;
      const { ctx, settledOrgs } = await startWriting();
      await yieldToEventLoop();
      // A user sync has applied a newer state of than this export holds: the export's secrets, sync's profile.
      const synced = await syncStore.snapshots(users.map((u) => u.sourceId));
      const byId = new Map<string, CanonicalUser>();
      for (const u of users) if (!byId.has(u.sourceId)) byId.set(u.sourceId, synced.size ? overlayStored(u, synced.get(u.sourceId)) : u);
      let claimed: LedgerRecord[];
      const take = known !== undefined && synced.size === 0;
      if (take) {
        // The rows the plan write just inserted: `planned`, no attempt, held by nobody.
        claimed = known.filter((p) => p.action === 'create').map((p) => ({ runId: run.id, kind: 'user', sourceId: p.user.sourceId, state: 'planned', attempts: 0, lossy: p.lossy, updatedAt: '' }));
        knownInFlight = true;
      } else {
        // Rows taken without a claim are held by nobody: they are all settled before any claim after
        // them (one of them may be this batch's again: a record the export holds twice).
        if (knownInFlight) {
          knownInFlight = false;
          await pool.drain();
        }
        claimed = await store.claim(run.id, 'user', { states, sourceIds: [...byId.keys()] });
      }
      // Deleted (or disabled) at the source since this export, as sync learned: not brought back.
      const recs = [];
      for (const r of claimed) {
        const status = synced.get(r.sourceId)?.status;
        if (status === 'deleted' || status === 'disabled') await ctx.done('user', r.sourceId, { outcome: 'skipped' });
        else recs.push(r);
      }
      if (bulkUsers) {
        // A target with a bulk create (all or nothing, or answering per item) gets first-time creates in batches (apply-user-batch.ts).
        await spawnUserBatches(
          ctx,
          pool,
          recs.map((r) => {
            const user = byId.get(r.sourceId) as CanonicalUser;
            // The plan pass's plan, for the very object it planned (not one sync's newer state replaced).
            const plan = plans?.get(user);
            return { rec: r, user, ...(plan ? { plan } : {}) };
          }),
          settledOrgs,
          take,
        );
        return;
      }
      for (const r of recs) {
        const user = byId.get(r.sourceId) as CanonicalUser;
        await pool.spawn(() => applyUser(ctx, r, user));
      }
    };

    plan = await planPass({
      source,
      capabilities: caps,
      plan: planOptions,
      batchSize,
      signal: controller.signal,
      // A fresh run's ledger holds only what this pass wrote (planned, or skipped by the plan): a
      // lookup would count nothing differently, so none is made.
      ...(freshRun ? {} : { lookup: (kind: EntityKind, ids: string[]) => store.getMany(run.id, kind, ids) }),
      // In one pass a record the export holds again keeps what its first occurrence planned (it may be in flight).
      write: (records) => store.plan(run.id, records, onePass ? { keepExisting: true } : undefined),
      observe: (record, user) => {
        if (record.kind === 'user' && !freshRun) members.add(record.sourceId);
        if (user?.decision?.decision === 'keep' && !record.skipReason && record.kind !== 'organization') decided[record.kind].push(record.sourceId);
      },
      ...(onePass
        ? {
            usersPerBatch: batchSize,
            applyBatch: async (b: PlannedBatch) => {
              meter.total = (meter.total ?? 0) + b.inserted;
              if (b.organizations.some((r) => r.skipReason === undefined)) {
                meter.phase = 'organizations';
                await applyOrganizations();
              }
              meter.phase = 'users';
              // A batch that found rows of its records there already (the export holds a record twice) is claimed, and so is every later one.
              if (!b.allNew) knownRows = false;
              await applyUsers(b.users.map((u) => u.user), knownRows ? b.users.map((u) => u.plan) : undefined, new Map(b.users.map((u) => [u.user, u.plan])));
            },
          }
        : {}),
    });
    // Only after a whole pass: an interrupted plan pass has not seen the whole export. A fresh run
    // has nothing to compare (paging every user of the run back cost an eighth of the plan pass).
    if (!freshRun) missingFromExport = await members.reconcile(store, run.id);
    // (A fresh run has no earlier quarantine; in one pass, what failed did so in this run.)
    if (!opts.retryFailed && !freshRun) {
      for (const kind of ['user', 'membership'] as const) {
        for (let i = 0; i < decided[kind].length; i += batchSize) await store.requeueFailed(run.id, kind, decided[kind].slice(i, i + batchSize));
      }
    }
    if (!onePass) {
      const before = await store.tally(run.id);
      meter.total = (['organization', 'user', 'membership'] as const).reduce((n, k) => n + states.reduce((m, s) => m + before[k][s], 0) + before[k].writing, 0);
    }

    if (!onePass) meter.phase = 'organizations';
    await applyOrganizations();

    // In one pass every user was applied with its batch; otherwise the source is read again, batch by batch.
    if (!onePass) {
      meter.phase = 'users';
      let batch: CanonicalUser[] = [];
      for await (const item of source.read()) {
        if (controller.signal.aborted) throw new AbortedError();
        if (item.type !== 'user') continue;
        batch.push(item.user);
        if (batch.length >= batchSize) {
          const users = batch;
          batch = [];
          await applyUsers(users);
        }
      }
      await applyUsers(batch);
    }
    await pool.drain();
    const { ctx } = await startWriting();

    meter.phase = 'memberships';
    for (;;) {
      if (controller.signal.aborted) throw new AbortedError();
      await yieldToEventLoop();
      const recs = await store.claimMemberships(run.id, { states, limit: batchSize });
      if (recs.length === 0) break;
      // Both reads at once: on PostgreSQL two round trips in parallel rather than in turn.
      const [users, orgs] = await Promise.all([
        store.getMany(run.id, 'user', [...new Set(recs.map((r) => r.userSourceId ?? ''))]),
        store.getMany(run.id, 'organization', [...new Set(recs.map((r) => r.orgSourceId ?? ''))]),
      ]);
      if (target.ensureMemberships && caps.batchSize > 1) {
        // A target with a bulk ensure gets the memberships that need it in batches (apply-membership-batch.ts).
        await spawnMembershipBatches(ctx, pool, recs.map((r) => ({ rec: r, user: users.get(r.userSourceId ?? ''), org: orgs.get(r.orgSourceId ?? '') })));
        continue;
      }
      for (const r of recs) await pool.spawn(() => applyMembership(ctx, r, users.get(r.userSourceId ?? ''), orgs.get(r.orgSourceId ?? '')));
    }
    await pool.drain();
    meter.phase = 'done';
  } catch (e) {
    if (!(e instanceof AbortedError)) fatal = errorOf(e);
  } finally {
    // Requests in flight finish and are recorded; nothing new starts.
    try {
      await pool.drain();
    } catch (e) {
      if (!(e instanceof AbortedError)) fatal ??= errorOf(e);
    }
    meter.stop();
    share?.stop();
    requester?.close();
    opts.signal?.removeEventListener('abort', onExternalAbort);
    await store.release(run.id);
  }
  const interrupted = opts.signal?.aborted ? String(opts.signal.reason ?? 'aborted') : undefined;
  if (!interrupted && !fatal) await store.finishRun(run.id);
  meter.emit();
  return summarize({
    store,
    runId: run.id,
    targetLabel: opts.targetLabel,
    plan,
    counts,
    writes: target.stats.writes - writes0,
    reads: target.stats.reads - reads0,
    rateLimited: requester?.rateLimited ?? 0,
    elapsedMs: performance.now() - started,
    ...(target.events ? { targetEvents: Object.fromEntries(Object.entries(target.events).map(([k, v]) => [k, v - (events0[k] ?? 0)])) } : {}),
    ...(interrupted ? { interrupted } : {}),
    ...(fatal ? { fatal } : {}),
    ...(missingFromExport && missingFromExport.users > 0 ? { missingFromExport } : {}),
  });
}

function errorOf(e: unknown): { code: string; message: string } {
  if (isFlaglessError(e)) return { code: e.code, message: e.message };
  return { code: 'E_INTERNAL', message: e instanceof Error ? e.message : String(e) };
}
