import type { OnDelete, ApplyDeps } from '../engine/sync/apply-change.js';
import { decodeReconcile, reconcileSource, type ReconcileSummary } from '../engine/sync/reconcile.js';
import { SyncWorker } from '../engine/sync/worker.js';
import { pacedTarget } from '../engine/sync/paced-target.js';
import { FlaglessError, isFlaglessError } from '../protocol/errors.js';
import type { InboundEvent, SourceChange, SourceRecords, WebhookReceiver } from '../protocol/sync.js';
import type { Target } from '../protocol/target.js';
import type { SourceOptions } from '../protocol/source.js';
import type { TokenBucket } from '../engine/rate-limit.js';
import type { SqlDriver } from '../state/driver.js';
import { SyncStore, type SyncStats } from '../state/sync/store.js';
import { loadSourceModule, openSource, type KnownSourceVendor } from './open-source.js';

/**
 * Sync assembled for one legacy vendor: its webhook receiver (when it sends change webhooks), its
 * single-record API reads (when its credentials are set), the inbox on the state's driver, and how
 * its events are applied to the target. `serve` hands it to the gateway; `sync reconcile` drives
 * the same worker itself.
 */
export interface OpenSyncOptions {
  vendor: KnownSourceVendor;
  env: Record<string, string | undefined>;
  apiUrl?: string;
  target: Target;
  driver: SqlDriver;
  onDelete: OnDelete;
  /** Require the webhook receiver (serve); reconcile needs only the API. */
  webhooks?: boolean;
  reconcileEveryMs?: number;
  onEvent?: (message: string) => void;
}

export interface OpenedSync {
  receivers: Map<string, WebhookReceiver>;
  appliers: Map<string, ApplyDeps>;
  store: SyncStore;
  records?: SourceRecords;
  /** Starts `--reconcile-every` (no-op without it). */
  startSchedule(): void;
  /**
   * One reconcile pass: the source listed (its API, or a fresh export given as `listing`),
   * differences put in the inbox; organizations the listing no longer has are deleted only with
   * `deleteMissingOrganizations` (otherwise reported).
   */
  reconcile(listing?: Omit<SourceOptions, 'env'>, opts?: { deleteMissingOrganizations?: boolean }): Promise<ReconcileSummary>;
  close(): Promise<void>;
  /** The write and read buckets, when the target documents a rate limit (the bench reads their stats). */
  pacing?: { writes: TokenBucket; reads: TokenBucket };
}

function checkOnDelete(target: Target, onDelete: OnDelete): void {
  const caps = target.capabilities;
  if (onDelete === 'disable' && !(caps.disabledUsers && target.setUserDisabled)) {
    throw new FlaglessError('E_USAGE', `${caps.displayName} cannot disable users through flagless: use --on-delete delete.`);
  }
  if (onDelete === 'delete' && !(caps.deletesUsers && target.deleteUser)) {
    throw new FlaglessError('E_USAGE', `${caps.displayName} cannot delete users through flagless${caps.disabledUsers && target.setUserDisabled ? ': use --on-delete disable' : ''}.`);
  }
}

export async function openSync(o: OpenSyncOptions): Promise<OpenedSync> {
  const { source } = await loadSourceModule(o.vendor);
  const factory = { env: o.env, ...(o.apiUrl ? { apiUrl: o.apiUrl } : {}) };
  checkOnDelete(o.target, o.onDelete);
  const receivers = new Map<string, WebhookReceiver>();
  let receiver: WebhookReceiver | undefined;
  if (o.webhooks !== false) {
    if (!source.sync?.webhooks) {
      if (!o.reconcileEveryMs) throw new FlaglessError('E_USAGE', `${source.displayName} sends no change webhooks: sync it with --reconcile-every (or \`flagless sync reconcile\`).`);
    } else {
      receiver = await source.sync.webhooks(factory);
      receivers.set(o.vendor, receiver);
    }
  }
  let records: SourceRecords | undefined;
  if (source.sync?.records) {
    try {
      records = await source.sync.records(factory);
    } catch (e) {
      if (!isFlaglessError(e) || e.code !== 'E_USAGE') throw e;
      o.onEvent?.(`sync: ${e.message} Without it, events that carry part of a change are not applied and out-of-order ones are not re-read.`);
    }
  }
  const store = await SyncStore.attach(o.driver);
  // A target with a documented rate limit is called at that rate (429s waited out, not failed).
  const paced = pacedTarget(o.target);
  const target = paced?.target ?? o.target;
  const decode = (event: InboundEvent): SourceChange => decodeReconcile(event) ?? receiver?.decode(event) ?? { kind: 'ignored', reason: 'no receiver decodes this event' };
  const appliers = new Map<string, ApplyDeps>([[o.vendor, { vendor: o.vendor, target, store, decode, ...(records ? { records } : {}), onDelete: o.onDelete }]]);

  const reconcile = async (listing?: Omit<SourceOptions, 'env'>, opts: { deleteMissingOrganizations?: boolean } = {}) => {
    // The listing: the same reader `migrate --api` (or `migrate --file` with a fresh export) uses.
    const src = await openSource({ from: o.vendor, ...(listing ?? { api: true, ...(o.apiUrl ? { apiUrl: o.apiUrl } : {}) }), env: o.env });
    return reconcileSource({
      vendor: o.vendor,
      items: src.read(),
      store,
      target,
      movedUsers: store.ledgerMovedUsers(),
      movedOrganizations: store.ledgerMovedOrganizations(),
      ...(opts.deleteMissingOrganizations ? { deleteMissingOrganizations: true } : {}),
    });
  };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  return {
    receivers,
    appliers,
    store,
    ...(records ? { records } : {}),
    ...(paced ? { pacing: { writes: paced.writes, reads: paced.reads } } : {}),
    reconcile,
    startSchedule() {
      if (!o.reconcileEveryMs || timer) return;
      timer = setInterval(() => {
        if (running) return; // the previous pass is still listing
        running = reconcile()
          .then((s) =>
            o.onEvent?.(
              `sync reconcile: ${s.listed} listed, ${s.changed} changed, ${s.deleted} gone${s.organizationsMissing ? `; ${s.organizationsMissing} organizations gone from the source are kept at the target (\`sync reconcile --delete-missing-orgs\` deletes them)` : ''}`,
            ),
          )
          .catch((e) => o.onEvent?.(`sync reconcile failed: ${isFlaglessError(e) ? `${e.code}: ${e.message}` : (e as Error).message}`))
          .finally(() => (running = undefined));
      }, o.reconcileEveryMs);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

export interface ReconcileOptions {
  from: KnownSourceVendor;
  /** The listing: the vendor's API (default), or a fresh export (`file`, ...) for a source without an API reader (Firebase). */
  listing?: Omit<SourceOptions, 'env'>;
  env: Record<string, string | undefined>;
  apiUrl?: string;
  target: Target;
  driver: SqlDriver;
  onDelete: OnDelete;
  /** Delete at the target the organizations the complete listing no longer has (default: report them). */
  deleteMissingOrganizations?: boolean;
  /** How long to wait for events whose attempts are backing off before giving up (default 60 s). */
  settleMs?: number;
  onEvent?: (message: string) => void;
}

export interface ReconcileResult {
  summary: ReconcileSummary;
  stats: SyncStats;
}

/**
 * `flagless sync reconcile`: one pass, then the inbox drained (this pass's events and any left by
 * webhooks), so the target matches the source's listing when it returns.
 */
export async function syncReconcile(o: ReconcileOptions): Promise<ReconcileResult> {
  if (o.deleteMissingOrganizations && !(o.target.capabilities.deletesOrganizations && o.target.deleteOrganization)) {
    throw new FlaglessError('E_USAGE', `${o.target.capabilities.displayName} cannot delete organizations through flagless: leave out --delete-missing-orgs (missing organizations are then reported only).`);
  }
  const sync = await openSync({ vendor: o.from, env: o.env, ...(o.apiUrl ? { apiUrl: o.apiUrl } : {}), target: o.target, driver: o.driver, onDelete: o.onDelete, webhooks: false, ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
  try {
    const summary = await sync.reconcile(o.listing, { deleteMissingOrganizations: o.deleteMissingOrganizations ?? false });
    o.onEvent?.(`${summary.listed} users listed: ${summary.changed} to apply, ${summary.deleted} gone from the source, ${summary.unchanged} unchanged`);
    if (summary.organizations > 0) {
      o.onEvent?.(
        `${summary.organizations} organizations listed: ${summary.organizationsChanged} to create or rename, ${summary.organizationsMissing} gone from the source${
          summary.organizationsMissing === 0 ? '' : o.deleteMissingOrganizations ? ' (deleted at the target)' : ' (kept at the target: --delete-missing-orgs deletes them)'
        }`,
      );
    }
    const worker = new SyncWorker({ store: sync.store, appliers: sync.appliers });
    const deadline = Date.now() + (o.settleMs ?? 60_000);
    for (;;) {
      await worker.drainOnce();
      const stats = await sync.store.stats();
      if (stats.pending === 0 || Date.now() > deadline) return { summary, stats };
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await sync.close();
  }
}
