import type { CanonicalUser, LinkedIdentity, LossyNote, Organization } from '../model/user.js';
import type { TargetCapabilities } from './capabilities.js';
import type { FlaglessError } from './errors.js';

/**
 * The contract every target connector implements (WorkOS, Keycloak, Better Auth, ...).
 * The engine owns ledger, retries, rate limiting and exactly-once; a target only translates
 * one call into the vendor's API and classifies failures:
 * it throws FlaglessError with
 *   - errorClass 'retriable' for 429 (with retryAfterSeconds), 5xx, timeouts, reset connections;
 *   - errorClass 'skippable' for a record the target rejects (validation, conflict it cannot link);
 *   - errorClass 'fatal' for bad credentials or a misconfigured target (the run stops).
 */

/** One user of a bulk create (Target.createUsers). */
export interface NewUser {
  user: CanonicalUser;
  options: CreateUserOptions;
  /**
   * Only to a target declaring `capabilities.membershipsWithUsers`: memberships of this user to write
   * in the same all-or-nothing write, in organizations already in the target. The user is new, so
   * none of them exists yet.
   */
  memberships?: readonly { org: TargetOrgRef; roles: string[] }[];
}

export interface TargetUserRef {
  /** The target's own id for the user. */
  id: string;
  externalId?: string;
  email?: string;
}

export interface TargetOrgRef {
  id: string;
  externalId?: string;
  name: string;
}

/** A user as the target holds it, read back through the target's API (for `verify`). */
export interface TargetUserView {
  id: string;
  externalId?: string;
  email?: string;
  emailVerified?: boolean;
  firstName?: string;
  lastName?: string;
  /** The one display name of a target that has no first/last split (Better Auth `name`). */
  displayName?: string;
  username?: string;
  disabled?: boolean;
  metadata?: Record<string, unknown>;
  /** Organizations by the target's org id, with the org's external id when the target has one. */
  memberships: { organizationId: string; organizationExternalId?: string; roles: string[] }[];
  identities: { provider: string; providerUserId: string }[];
  hasPassword?: boolean;
  /** Phone numbers the target holds for the user (targets declaring `phoneNumbers`). */
  phones?: string[];
}

export interface MembershipHint {
  /** No request for this membership was sent before (a first attempt on a `planned` ledger record). */
  nothingSent?: boolean;
}

/** A second factor `verify --logins` can answer with. */
export interface SecondFactor {
  /** The current TOTP code (computed when asked, so it is fresh). */
  totpCode(): string;
}

export type LoginResult = { ok: true; userId: string } | { ok: false; reason: string };

/** One user's answer in a bulk create that answers per item (`Target.createUsersEach`). */
export type BulkCreateResult = { ok: true; ref: TargetUserRef } | { ok: false; error: FlaglessError };

export interface CreateUserOptions {
  /** Send the parsed hash (the engine has checked the target accepts the algorithm). */
  includePasswordHash: boolean;
  /** Users without a usable hash: leave for JIT, or ask the target to force a reset. */
  missingPassword: 'jit' | 'reset';
}

/** What `flagless finish` asks of a target for a user who has no usable password there. */
export interface PasswordResetRequest {
  /** The address the target holds for the user (read back through its API). */
  email: string;
  /**
   * Also give back the link (or code) the message carries: only when the operator asked for links
   * to be written to a file (`finish --links-out`). Otherwise no secret leaves the connector.
   */
  wantLink?: boolean;
}

export interface PasswordResetSent {
  /** How the user is reached, for the report: e.g. `workos:password-reset-email`. Never a secret. */
  via: string;
  /** True when the target itself delivered the message; false when it only made a link the operator must deliver (`link` is then set). */
  delivered: boolean;
  /** The reset link, only with `wantLink` (or when the target does not deliver it). */
  link?: string;
  /** A recovery code to type into the link's page (Kratos's admin recovery), under the same rule. */
  code?: string;
  expiresAt?: string;
}

export interface Target {
  readonly capabilities: TargetCapabilities;
  /** Requests that changed the target, counted by the connector at the HTTP/DB call. */
  readonly stats: { writes: number; reads: number };
  /**
   * Optional: side effects the target counted beyond writes, by name (Keycloak: `resetEmailsSent`,
   * `resetEmailsFailed`). The migrate summary reports how each moved during the run.
   */
  readonly events?: Readonly<Record<string, number>>;
  /** Looks a user up by external id (= the source id), then by email. */
  findUser(key: { externalId: string; email?: string }): Promise<TargetUserRef | undefined>;
  createUser(user: CanonicalUser, options: CreateUserOptions): Promise<TargetUserRef>;
  /**
   * Optional bulk create (Keycloak's realm partial import), all or nothing: either every user is
   * created and their refs come back in order, or it throws and, unless the failure is ambiguous
   * (retriable: a lost reply), none was. The engine sends only first-time creates this way, at most
   * `capabilities.batchSize` per call, and moves the users of a failed batch one by one, each looked
   * up first, so a batch applied before its reply was lost is recovered, never doubled.
   */
  createUsers?(batch: readonly NewUser[]): Promise<TargetUserRef[]>;
  /**
   * Optional bulk create that commits item by item and answers for each (Kratos's batch
   * `PATCH /admin/identities`): one result per user, in order, `{ok: true, ref}` for a user created
   * by this call, `{ok: false, error}` for one the target refused (not created: a conflict, a record
   * it rejects; classified like any failure). Throwing means the whole request failed: a refusal
   * created nobody, a retriable failure (a lost reply, a 5xx) is ambiguous. A target has at most one
   * of `createUsers` and `createUsersEach`; the engine uses it under the same rules (first-time
   * creates, at most `capabilities.batchSize` per call), marks each created user done, settles each
   * refused one as its own create would have been (a conflict per --on-conflict, otherwise
   * quarantined with its reason) and looks up the users of an ambiguous failure.
   */
  createUsersEach?(batch: readonly NewUser[]): Promise<BulkCreateResult[]>;
  /** Brings an existing user in line with the source record (linking a signup, repairing a partial run). */
  updateUser(ref: TargetUserRef, user: CanonicalUser, options: CreateUserOptions): Promise<TargetUserRef>;
  findOrganization(key: { externalId: string; name: string }): Promise<TargetOrgRef | undefined>;
  createOrganization(org: Organization): Promise<TargetOrgRef>;
  /**
   * Optional bulk create, all or nothing, refused (E_TARGET_CONFLICT) when any organization is
   * already in the target by id, name or slug: the engine sends only first-time creates, at most
   * `capabilities.batchSize` per call, and moves a refused or failed batch one by one (each looked
   * up first, so one made by hand is linked, and one whose reply was lost is recovered).
   */
  createOrganizations?(orgs: readonly Organization[]): Promise<TargetOrgRef[]>;
  /**
   * Optional bulk ensureMembership, idempotent and all or nothing (one transaction): the outcome of
   * each in order. The engine sends at most `capabilities.batchSize` per call, only memberships whose
   * user and organization are in the target, and ensures the memberships of a failed batch one by one.
   */
  ensureMemberships?(batch: readonly { user: TargetUserRef; org: TargetOrgRef; roles: string[] }[]): Promise<('created' | 'updated' | 'exists')[]>;
  /**
   * Idempotent: an existing membership with the same roles is 'exists', not an error. With
   * `hint.nothingSent` the ledger knows no request for this membership ever went out, so a target
   * whose reads cost rate-limit budget may create first and read only when the create conflicts.
   */
  ensureMembership(user: TargetUserRef, org: TargetOrgRef, roles: string[], hint?: MembershipHint): Promise<'created' | 'updated' | 'exists'>;
  getUser(ref: TargetUserRef): Promise<TargetUserView | undefined>;
  /** Every user in the target, streamed page by page. */
  listUsers(): AsyncIterable<TargetUserView>;
  /**
   * Signs in through the target's real login API (never by reading its storage). A target that asks
   * for a second factor answers its challenge with `second` when given (a TOTP code computed from
   * the source's secret); without it such a sign-in is `{ok: false, reason: 'mfa_required'}`.
   */
  login(identifier: string, password: string, second?: SecondFactor): Promise<LoginResult>;
  /**
   * Optional: finishes what a create does beyond the record itself, for a user whose create was
   * applied but not acknowledged (found again after a crash or a lost reply). WorkOS: the TOTP
   * factors, enrolled by separate calls. Idempotent: it reads what is there before writing.
   */
  repairUser?(ref: TargetUserRef, user: CanonicalUser, options: CreateUserOptions): Promise<void>;
  /**
   * Optional (present exactly when `capabilities.deletesUsers`): deletes the user and what hangs on
   * it (accounts, sessions, memberships), for a user deleted at the legacy provider. Idempotent: a
   * user already gone is `absent`, not an error.
   */
  deleteUser?(ref: TargetUserRef): Promise<'deleted' | 'absent'>;
  /**
   * Optional (only on a target with `capabilities.disabledUsers`): disables (or re-enables) the
   * account without touching anything else, for `--on-delete disable`. Idempotent.
   */
  setUserDisabled?(ref: TargetUserRef, disabled: boolean): Promise<void>;
  /**
   * Optional (present exactly when `capabilities.removesMemberships`): takes the user out of the
   * organization. Idempotent: no membership is `absent`.
   */
  removeMembership?(user: TargetUserRef, org: TargetOrgRef): Promise<'removed' | 'absent'>;
  /**
   * Optional (present exactly when `capabilities.updatesOrganizations`): brings an existing
   * organization in line with the source's (name, slug where the target has one, metadata as the
   * target keeps it), for an organization renamed at the legacy provider. Idempotent: an
   * organization already equal is not written. The ref that comes back carries the name the target
   * holds (which may be disambiguated, as at creation, when another organization has the name).
   */
  updateOrganization?(ref: TargetOrgRef, org: Organization): Promise<TargetOrgRef>;
  /**
   * Optional, pure: every name this target may hold the organization under after a create or an
   * update from `org` (the name as the target stores it, trimmed or shortened, and the forms it
   * falls back to when another organization has it: Keycloak appends the source id). `sync
   * reconcile` treats an organization found under any of them as named alike, so a disambiguated
   * name is not queued for a rename on every pass. Without it: `[org.name]`.
   */
  organizationNames?(org: Organization): readonly string[];
  /**
   * Optional (present exactly when `capabilities.deletesOrganizations`): deletes the organization
   * and its memberships at the target (the users stay), for an organization deleted at the legacy
   * provider. Idempotent: an organization already gone is `absent`, not an error.
   */
  deleteOrganization?(ref: TargetOrgRef): Promise<'deleted' | 'absent'>;
  /** For the gateway's just-in-time move: set a plaintext as the target's native password. */
  setPassword(ref: TargetUserRef, plaintext: string): Promise<void>;
  /**
   * Optional: the target's own password-reset / set-password message for one user (WorkOS's
   * password reset email, Keycloak's execute-actions email, Better Auth's requestPasswordReset with
   * the application's sender, Kratos's recovery). One call sends one message: the caller (`finish`)
   * records it in its ledger before and after, so it is sent once. Failures are classified like
   * writes (a 429 is retriable and sent nothing; an ambiguous failure may have sent it).
   */
  sendPasswordReset?(ref: TargetUserRef, request: PasswordResetRequest): Promise<PasswordResetSent>;
  close(): Promise<void>;
  /**
   * Optional, pure (no I/O): what this target's own mapping cannot carry for a user beyond what the
   * capability data already tells the engine (metadata over the target's key/length limits, extra
   * email addresses, ids too long for the target...). The plan adds these to the user's lossy notes.
   */
  lossyNotes?(user: CanonicalUser, options: CreateUserOptions): LossyNote[];
  /**
   * Optional, pure: the provider name this target stores a linked identity under, when it is not
   * the canonical one (an enterprise SAML/OIDC connection is stored by its connection name or an
   * alias), so verify compares links by what the target holds.
   */
  storedProviderName?(identity: LinkedIdentity): string;
  /** Optional, pure: the target's name for a source role (`org:admin` → `admin` on WorkOS), so verify compares like with like. */
  roleName?(role: string): string | undefined;
}

export interface TargetOptions {
  /** Environment for credentials and URLs (WORKOS_API_KEY, KEYCLOAK_URL, ...). */
  env: Record<string, string | undefined>;
  /** `--target-url`: overrides the vendor's base URL. */
  url?: string;
  /** `--db`: a SQLite path or postgres:// URL for database-backed targets. */
  db?: string;
  /** `--realm` for Keycloak. */
  realm?: string;
  /** `--schema-id` for Ory Kratos: the identity schema to create identities with. */
  schemaId?: string;
}

export interface TargetConnector {
  readonly name: string;
  readonly capabilities: TargetCapabilities;
  /**
   * Optional: the same notes `Target.lossyNotes` gives, without opening the target, so that
   * `migrate --dry-run` (which calls nothing) reports exactly the loss the real run reports.
   */
  loadLossyNotes?(): Promise<(user: CanonicalUser, options: CreateUserOptions) => LossyNote[]>;
  open(options: TargetOptions): Promise<Target>;
}
