import type { CanonicalUser } from '../../model/user.js';
import type { TargetCapabilities } from '../../protocol/capabilities.js';

/** For one target: how the users of an export would arrive there. Counts of users unless named. */
export interface TargetFit {
  target: string;
  displayName: string;
  passwords: {
    /** Hash imported as it is and verified by the target out of the box. */
    native: number;
    /** Hash imported as it is, verified once flagless's extension/verifier is installed in the target. */
    withExtension: number;
    /** No usable hash for this target: moved by the gateway at the next login, or reset. */
    jitOrReset: number;
    /** Users without any password (social-only, passwordless): nothing to move. */
    none: number;
  };
  /** What does not survive the move, per kind: number of users affected. */
  lost: {
    totpFactors: number;
    smsFactors: number;
    socialLinks: number;
    memberships: number;
    metadata: number;
    usernames: number;
    phoneNumbers: number;
    disabledFlags: number;
    /** Users that cannot move at all: no email address where the target requires one. */
    withoutEmail: number;
  };
  /** Users whose public and private metadata end up in one place at the target. */
  metadataMerged: number;
}

export function emptyFit(caps: TargetCapabilities): TargetFit {
  return {
    target: caps.name,
    displayName: caps.displayName,
    passwords: { native: 0, withExtension: 0, jitOrReset: 0, none: 0 },
    lost: { totpFactors: 0, smsFactors: 0, socialLinks: 0, memberships: 0, metadata: 0, usernames: 0, phoneNumbers: 0, disabledFlags: 0, withoutEmail: 0 },
    metadataMerged: 0,
  };
}

function hasKeys(o: Record<string, unknown>): boolean {
  for (const _ in o) return true;
  return false;
}

/**
 * An upper bound of the UTF-8 bytes of `o` as JSON when every value is a string, number, boolean
 * or null (6 bytes per UTF-16 unit covers `\uXXXX` escapes); `Infinity` for anything nested, or as
 * soon as the bound passes `stopAt`.
 */
function flatJsonBound(o: Record<string, unknown>, stopAt: number): number {
  let n = 2;
  for (const key in o) {
    const v = o[key];
    n += key.length * 6 + 4;
    if (typeof v === 'string') n += v.length * 6 + 2;
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) n += 24;
    else if (v !== undefined) return Infinity;
    if (n > stopAt) return Infinity;
  }
  return n;
}

/** What every target's fit asks of one user, worked out once per user rather than once per target. */
export class UserFacts {
  readonly user: CanonicalUser;
  readonly hasPublic: boolean;
  readonly hasPrivate: boolean;
  readonly totpSecretMissing: boolean;
  readonly hasTotp: boolean;
  readonly hasSms: boolean;
  #metadataBytes: number | undefined;

  constructor(user: CanonicalUser) {
    this.user = user;
    this.hasPublic = hasKeys(user.metadata.public);
    this.hasPrivate = hasKeys(user.metadata.private);
    let totp = false;
    let missing = false;
    let sms = false;
    for (const f of user.mfa) {
      if (f.kind === 'totp') {
        totp = true;
        if (!f.secret) missing = true;
      } else if (f.kind === 'sms') sms = true;
    }
    this.hasTotp = totp;
    this.totpSecretMissing = missing;
    this.hasSms = sms;
  }

  /** Size of the metadata as JSON, computed on the first target that has a limit. */
  get metadataBytes(): number {
    this.#metadataBytes ??= Buffer.byteLength(JSON.stringify(this.user.metadata));
    return this.#metadataBytes;
  }

  /**
   * Whether the metadata as JSON is over `max` bytes. Most users' metadata is a few short flat
   * values whose worst-case size is far under any limit: that is checked without serializing.
   */
  metadataOver(max: number): boolean {
    if (this.#metadataBytes === undefined) {
      const bound = flatJsonBound(this.user.metadata.public, max) + flatJsonBound(this.user.metadata.private, max) + 32;
      if (bound <= max) return false;
    }
    return this.metadataBytes > max;
  }
}

/** Adds one user to a target's fit. Decided from capability data only. */
export function addUserToFit(fit: TargetFit, caps: TargetCapabilities, facts: UserFacts): void {
  const user = facts.user;
  const hash = user.password;
  if (user.passwordPlan === 'import' && hash) {
    if (caps.nativeHashes.includes(hash.algorithm)) fit.passwords.native++;
    else if (caps.extensionHashes.includes(hash.algorithm)) fit.passwords.withExtension++;
    else fit.passwords.jitOrReset++;
  } else if (user.passwordPlan === 'jit') fit.passwords.jitOrReset++;
  else fit.passwords.none++;

  // A TOTP factor without its secret is lost whatever the target: the source did not export it.
  if (facts.hasTotp && (facts.totpSecretMissing || !caps.totpSecrets)) fit.lost.totpFactors++;
  if (!caps.smsFactors && facts.hasSms) fit.lost.smsFactors++;
  if (!caps.socialLinks && user.identities.length > 0) fit.lost.socialLinks++;
  if (!caps.organizations && user.memberships.length > 0) fit.lost.memberships++;
  if (!caps.usernames && user.username) fit.lost.usernames++;
  if (!caps.phoneNumbers && !caps.metadataCarries?.includes('phones') && user.phones.length > 0) fit.lost.phoneNumbers++;
  if (!caps.disabledUsers && user.disabled) fit.lost.disabledFlags++;
  if (caps.requiresEmail && user.emails.length === 0) fit.lost.withoutEmail++;

  if (facts.hasPublic || facts.hasPrivate) {
    if (caps.metadata === 'none') fit.lost.metadata++;
    else {
      if (caps.metadata === 'single' && facts.hasPublic && facts.hasPrivate) fit.metadataMerged++;
      if (caps.metadataMaxBytes !== undefined && facts.metadataOver(caps.metadataMaxBytes)) fit.lost.metadata++;
    }
  }
}
