/**
 * The gateway's per-user migration flag, next to the engine's ledger (same SQLite file or same
 * PostgreSQL schema as `--state`, its own tables, the same DDL on both).
 *
 *   (no row) / legacy ──claim──▶ claimed (owner, lease) ──target acknowledged──▶ migrated
 *                                   └──failure──▶ legacy (last_error)   └──lease expired──▶ claimable again
 *
 * A user is `migrated` only after every target write was acknowledged, so a crash or an outage
 * leaves `legacy` or an expired `claimed` row, never a half-truth: the next successful login
 * finds the user in the target (create-once lookup) and completes it. Only one request in the
 * whole fleet holds a user's claim at a time (an atomic INSERT ... ON CONFLICT ... WHERE); the
 * others wait for it to settle.
 *
 * Nothing secret is stored: no password, no hash. Identifiers (emails, usernames) are stored so a
 * migrated user is routed to the target without asking the legacy provider.
 */
export type UserState = 'legacy' | 'claimed' | 'migrated';

/**
 * How a user reached the target:
 *  - `jit`: created by the gateway at a successful legacy login;
 *  - `completed`: already in the target without a password (a bulk import without a usable hash,
 *    a crash between create and set-password) and finished at a login;
 *  - `bulk`: moved with its password by `flagless migrate`, seen by the gateway;
 *  - `lazy`: pulled by the target through a lazy-migration endpoint (Keycloak, Kratos, Auth0).
 */
export type MigrationRoute = 'jit' | 'completed' | 'bulk' | 'lazy';
export const MIGRATION_ROUTES: readonly MigrationRoute[] = ['jit', 'completed', 'bulk', 'lazy'];

export interface GatewayUserRow {
  sourceId: string;
  state: UserState;
  route?: MigrationRoute;
  targetId?: string;
  owner?: string;
  claimExpiresMs?: number;
  migratedAt?: string;
  attempts: number;
  lastError?: string;
  updatedAt: string;
}

/** What one identifier resolves to. */
export type Resolved =
  | { kind: 'source'; sourceId: string; row?: GatewayUserRow }
  /** An account created in the target directly (a signup during the transition): the target alone answers. */
  | { kind: 'native'; targetId: string };

/** `attempts` counts claims of this user so far, this one included: above 1, an earlier attempt may have written to the target. */
export type ClaimResult = { claimed: true; attempts: number } | { claimed: false; row: GatewayUserRow };

export interface SeriesPoint {
  /** Hour bucket, `YYYY-MM-DDTHH`. */
  bucket: string;
  count: number;
}

export interface DashboardCounts {
  /** Users in the legacy export or the ledger's plan; undefined when neither is known. */
  legacyTotal?: number;
  /**
   * Users the engine's ledger holds as moved (done, not skipped), any run, and not moved again by
   * the gateway: each user counts in one card, so bulk + JIT + completed + pulled = on the target.
   */
  bulk: number;
  /**
   * Users still on legacy, by why (from the ledger, where a run left them): skipped as disabled or
   * without an email address, quarantined, undecided duplicates, moved without a usable hash
   * (they complete at their next sign-in, or need a reset); undefined without a ledger.
   */
  legacyByReason?: { disabled: number; noEmail: number; quarantined: number; undecidedDuplicate: number; noUsableHash: number };
  byRoute: Record<MigrationRoute, number>;
  /** Distinct users on the target by any route. */
  migrated: number;
  series: { bulk: SeriesPoint[]; jit: SeriesPoint[]; completed: SeriesPoint[]; lazy: SeriesPoint[] };
  failures: { reason: string; count: number }[];
  failureSeries: { bucket: string; reason: string; count: number }[];
}

export interface GatewayStore {
  readonly kind: 'sqlite' | 'postgres';
  /** File path or URL without password, for messages. */
  readonly location: string;
  resolve(identifier: string): Promise<Resolved | undefined>;
  get(sourceId: string): Promise<GatewayUserRow | undefined>;
  /** Takes the user's claim for `leaseMs` unless it is migrated or held by a live claim. */
  claim(sourceId: string, owner: string, leaseMs: number): Promise<ClaimResult>;
  /** Settles a claim this owner holds; false when the claim was lost (expired and taken). */
  markMigrated(sourceId: string, owner: string, result: { route: MigrationRoute; targetId: string; identifiers: readonly string[] }): Promise<boolean>;
  /** Gives a claim back after a failure; the user stays on legacy. */
  release(sourceId: string, owner: string, error: string): Promise<void>;
  /** Records a user found already on the target (bulk) or pulled by it (lazy), without a claim. */
  recordMigrated(sourceId: string, route: MigrationRoute, targetId: string | undefined, identifiers: readonly string[]): Promise<void>;
  /** Maps an identifier to a source user once the legacy provider confirmed it. */
  remember(identifier: string, sourceId: string): Promise<void>;
  rememberNative(identifier: string, targetId: string): Promise<void>;
  /** The engine ledger's target id for a user moved by `flagless migrate` (any run), if any. */
  bulkTargetId(sourceId: string): Promise<string | undefined>;
  /** Adds counted login failures (aggregated per minute bucket and reason). */
  addFailures(counts: readonly { bucket: string; reason: string; n: number }[]): Promise<void>;
  dashboard(legacyTotal: number | undefined, sinceIso: string): Promise<DashboardCounts>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
