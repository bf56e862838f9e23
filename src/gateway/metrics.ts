import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one gateway instance, on its own registry (two gateways in one process,
 * as in the tests, do not share counters). Label values are closed sets; never an identifier.
 */
export type LoginRoute = 'target' | 'legacy' | 'lazy_keycloak' | 'lazy_kratos' | 'lazy_auth0' | 'none';
export type LoginOutcome = 'ok' | 'invalid_credentials' | 'disabled' | 'rate_limited' | 'legacy_unavailable' | 'target_unavailable' | 'state_unavailable' | 'conflict' | 'needs_decision' | 'busy' | 'bad_request' | 'error';

/** What a lazy-migration call was answered (the caller reports every failure as "invalid credentials"; this says which it was). */
export type LazyOutcome = 'found' | 'not_found' | 'ok' | 'rejected' | 'rate_limited' | 'unauthorized' | 'unavailable' | 'needs_decision' | 'error';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly logins: Counter<'route' | 'outcome'>;
  readonly jitMigrations: Counter<'kind'>;
  readonly legacySeconds: Histogram<'verifier' | 'outcome'>;
  readonly targetSeconds: Histogram<'operation' | 'outcome'>;
  readonly verificationsRefused: Counter<'cause'>;
  readonly lazyCalls: Counter<'endpoint' | 'operation' | 'outcome'>;
  readonly partialPasswords: Counter<'action'>;
  /** Users not on the target yet (legacy users − moved by any route); absent while the legacy total is unknown. */
  readonly usersOnLegacy: Gauge;
  readonly syncEvents: Counter<'vendor' | 'outcome'>;
  readonly syncLagSeconds: Histogram<'vendor'>;
  readonly syncPending: Gauge;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'flagless_gateway_' });
    this.logins = new Counter({
      name: 'flagless_gateway_logins_total',
      help: 'Logins answered, by the side that decided them and the outcome.',
      labelNames: ['route', 'outcome'],
      registers: [this.registry],
    });
    this.usersOnLegacy = new Gauge({
      name: 'flagless_gateway_users_on_legacy',
      help: 'Users still on the legacy provider: users in the export (or the migration plan) minus users on the target by any route (bulk import, JIT, completed at login, pulled by the target). Read from the shared state at each scrape.',
      registers: [this.registry],
    });
    this.jitMigrations = new Counter({
      name: 'flagless_gateway_jit_migrations_total',
      help: 'Users moved to the target at a login: created, completed (already there without a password) or pulled lazily by the target.',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    this.verificationsRefused = new Counter({
      name: 'flagless_gateway_verifications_refused_total',
      help: 'Legacy hashes not checked: over_budget (the verification ran past its time budget), busy (no verification process free within it), too_costly (cost above the ceiling).',
      labelNames: ['cause'],
      registers: [this.registry],
    });
    this.lazyCalls = new Counter({
      name: 'flagless_gateway_lazy_calls_total',
      help: 'Calls to the lazy-migration endpoints by endpoint, operation (lookup, verify) and what was answered; the callers show every failure as invalid credentials.',
      labelNames: ['endpoint', 'operation', 'outcome'],
      registers: [this.registry],
    });
    this.partialPasswords = new Counter({
      name: 'flagless_gateway_partly_verified_passwords_total',
      help: 'JIT moves where the legacy check read only part of the typed password (bcrypt: 72 bytes), so it was not set: the verified hash was kept (hash_kept) or the user stayed on legacy (not_moved).',
      labelNames: ['action'],
      registers: [this.registry],
    });
    this.syncEvents = new Counter({
      name: 'flagless_sync_events_total',
      help: 'Sync events by vendor and outcome: received, duplicate, applied, stale (out of order), ignored, failed, quarantined, unauthenticated, unreadable.',
      labelNames: ['vendor', 'outcome'],
      registers: [this.registry],
    });
    this.syncLagSeconds = new Histogram({
      name: 'flagless_sync_lag_seconds',
      help: 'Time from receiving a sync event to applying it.',
      labelNames: ['vendor'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [this.registry],
    });
    this.syncPending = new Gauge({
      name: 'flagless_sync_pending_events',
      help: 'Sync events waiting in the inbox (new or waiting for a retry).',
      registers: [this.registry],
    });
    const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    this.legacySeconds = new Histogram({
      name: 'flagless_gateway_legacy_seconds',
      help: 'Time spent in the legacy verifier per login.',
      labelNames: ['verifier', 'outcome'],
      buckets,
      registers: [this.registry],
    });
    this.targetSeconds = new Histogram({
      name: 'flagless_gateway_target_seconds',
      help: 'Time spent in the target per operation (login, provision).',
      labelNames: ['operation', 'outcome'],
      buckets,
      registers: [this.registry],
    });
  }

  /** Runs `fn`, observing its duration in `h` with the labels `outcomeOf` gives (or `error`). */
  async time<T, L extends string>(h: Histogram<L>, labels: Omit<Record<L, string>, 'outcome'>, outcomeOf: (v: T) => string, fn: () => Promise<T>): Promise<T> {
    const end = h.startTimer(labels as Partial<Record<L, string>>);
    try {
      const v = await fn();
      end({ outcome: outcomeOf(v) } as unknown as Partial<Record<L, string>>);
      return v;
    } catch (e) {
      end({ outcome: 'error' } as unknown as Partial<Record<L, string>>);
      throw e;
    }
  }
}
