import type { HashAlgorithm } from '../model/password/types.js';

/**
 * What a target can hold, as data. The engine and `assess` decide by these fields, never by
 * the target's name.
 */
export interface TargetCapabilities {
  readonly name: string;
  readonly displayName: string;
  /** Hashes the target verifies out of the box. */
  readonly nativeHashes: readonly HashAlgorithm[];
  /** Hashes it verifies once flagless's small extension or verifier is installed in it. */
  readonly extensionHashes: readonly HashAlgorithm[];
  /**
   * `getUser` says whether the user holds a password (`TargetUserView.hasPassword`): a user found
   * half-written (created, password not yet set) is then finished by `migrate`.
   */
  readonly reportsPassword?: boolean;
  /** Can the gateway move a user without a usable hash at their next login (set plaintext)? */
  readonly jitPasswords: boolean;
  /** Stores imported TOTP secrets as a factor (otherwise users re-enrol). */
  readonly totpSecrets: boolean;
  /** Requests each imported factor costs beyond the user's create (WorkOS: 1, an enrolment call per factor; absent: none, it travels with the user). */
  readonly factorWrites?: number;
  readonly smsFactors: boolean;
  readonly socialLinks: boolean;
  readonly organizations: boolean;
  readonly roles: boolean;
  readonly usernames: boolean;
  /** Every user needs an email address (phone-only and username-only users cannot move). */
  readonly requiresEmail: boolean;
  readonly phoneNumbers: boolean;
  readonly disabledUsers: boolean;
  /** `Target.deleteUser` exists: a user deleted at the legacy provider is deleted here by sync. */
  readonly deletesUsers?: boolean;
  /** `Target.removeMembership` exists: a membership removed at the legacy provider is removed here by sync. */
  readonly removesMemberships?: boolean;
  /** `Target.updateOrganization` exists: an organization renamed (or its metadata changed) at the legacy provider is updated here by sync. */
  readonly updatesOrganizations?: boolean;
  /**
   * With `updatesOrganizations`: an update cannot take a metadata key away (the vendor documents no
   * way to remove one, and keys the application set cannot be told from flagless's), so a key
   * removed at the source stays at the target. Sync's note for such an update says so.
   */
  readonly keepsRemovedOrganizationMetadata?: boolean;
  /** `Target.deleteOrganization` exists: an organization deleted at the legacy provider is deleted here by sync, its memberships with it. */
  readonly deletesOrganizations?: boolean;
  /** Where metadata goes: both kinds kept apart, merged into one bag, or nowhere. */
  readonly metadata: 'public-private' | 'single' | 'none';
  /**
   * What a target without a field for it keeps in the user's metadata instead (WorkOS: the username
   * and the phone numbers). The value travels; what the field did beyond holding it (signing in by
   * username) does not.
   */
  readonly metadataCarries?: readonly ('username' | 'phones')[];
  /** Maximum serialized metadata size in bytes per user, if the target documents one. */
  readonly metadataMaxBytes?: number;
  /** Documented write rate limit, requests per second; the engine's token bucket starts here. */
  readonly rateLimitPerSecond?: number;
  /**
   * Documented read rate limit, requests per second, when the target limits reads apart from
   * writes (WorkOS: 1,000 per 10 s). The engine then paces lookups with their own bucket, so
   * the lookups of a crash recovery or a fault storm do not eat into the write rate. Absent: reads
   * share the write bucket.
   */
  readonly readRateLimitPerSecond?: number;
  /** Records per write request when the target accepts batches (1 = one per request). */
  readonly batchSize: number;
  /**
   * `Target.createUsers` also writes memberships it is given for the users it creates, in the same
   * all-or-nothing write (Better Auth: one database transaction). The engine then sends the
   * memberships of first-time created users with them, instead of a later round of ensures.
   */
  readonly membershipsWithUsers?: boolean;
}
