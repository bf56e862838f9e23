import { DEFAULT_HASH_COST_CEILING, hashCostExcess, type HashCostCeiling } from '../model/password/cost.js';
import type { CanonicalUser, LossyNote, Membership, MfaFactor, Organization } from '../model/user.js';
import type { TargetCapabilities } from '../protocol/capabilities.js';
import type { CreateUserOptions } from '../protocol/target.js';

/**
 * The pure plan: for each record, what the move will do and what it will lose, decided from the
 * target's capability data alone (never from its name). Apply (run.ts) writes what the plan says;
 * `--dry-run` prints the plan's tallies and touches nothing.
 */
export interface PlanOptions {
  /** Users without an importable hash: moved at their next login through the gateway, or reset. */
  missingPassword: 'jit' | 'reset';
  /**
   * The target's own, pure account of what its mapping cannot carry beyond the capability data
   * (Target.lossyNotes): key and length limits, extra addresses. Absent in a dry run, which opens no target.
   */
  targetNotes?: (user: CanonicalUser, options: CreateUserOptions) => LossyNote[];
  /** Hashes above it are not imported: the user resets (default DEFAULT_HASH_COST_CEILING). */
  hashCostCeiling?: HashCostCeiling;
}

export type PasswordDecision = 'import' | 'jit' | 'reset' | 'none';

export interface UserPlan {
  action: 'create' | 'skip';
  skipReason?: string;
  password: PasswordDecision;
  createOptions: CreateUserOptions;
  /** The source's own notes plus what this target cannot hold. */
  lossy: LossyNote[];
  /** The user as it will be written: what the target cannot store is removed (TOTP secrets never travel where they cannot be a factor). */
  user: CanonicalUser;
  socialLinks: { import: number; lossy: number };
  mfaFactors: { import: number; lossy: number };
}

function fallback(caps: TargetCapabilities, opts: PlanOptions): 'jit' | 'reset' {
  return opts.missingPassword === 'jit' && caps.jitPasswords ? 'jit' : 'reset';
}

function fallbackText(d: 'jit' | 'reset'): string {
  return d === 'jit' ? 'the password moves at the next sign-in through the gateway (JIT)' : 'the user must reset the password';
}

function planPassword(user: CanonicalUser, caps: TargetCapabilities, opts: PlanOptions, lossy: LossyNote[]): PasswordDecision {
  const hash = user.password;
  if (hash && user.passwordPlan === 'import') {
    const tooCostly = hashCostExcess(hash, opts.hashCostCeiling ?? DEFAULT_HASH_COST_CEILING);
    if (tooCostly) {
      // Not JIT either: the gateway would have to verify this very hash. Nobody can afford it.
      lossy.push({ field: 'password', reason: `E_HASH_COST: ${tooCostly}; the user must reset the password` });
      return 'reset';
    }
    if (caps.nativeHashes.includes(hash.algorithm) || caps.extensionHashes.includes(hash.algorithm)) return 'import';
    const d = fallback(caps, opts);
    lossy.push({ field: 'password', reason: `${hash.algorithm} hashes are not accepted by ${caps.displayName}; ${fallbackText(d)}` });
    return d;
  }
  if (user.passwordPlan === 'jit' || (user.passwordPlan === 'import' && !hash)) {
    const d = fallback(caps, opts);
    if (!user.lossy.some((n) => n.field === 'password')) lossy.push({ field: 'password', reason: `no usable password hash in the export; ${fallbackText(d)}` });
    return d;
  }
  return 'none';
}

function factorImportable(f: MfaFactor, caps: TargetCapabilities): boolean {
  if (f.kind === 'totp') return caps.totpSecrets && f.secret !== undefined;
  if (f.kind === 'sms') return caps.smsFactors && f.phoneNumber !== undefined;
  return false;
}

function factorLoss(f: MfaFactor, caps: TargetCapabilities): string {
  if (f.kind === 'totp') {
    return f.secret === undefined ? 'the export has no TOTP secret; the user enrols again' : `${caps.displayName} does not import TOTP secrets; the user enrols again`;
  }
  if (f.kind === 'sms') return `${caps.displayName} does not import SMS factors; the user enrols again`;
  return `${f.kind} factors cannot be moved; the user enrols again`;
}

function metadataSize(m: unknown): number {
  return Buffer.byteLength(JSON.stringify(m), 'utf8');
}

/** Keeps metadata keys in order while they fit the target's budget; names what was dropped. */
function fitMetadata(user: CanonicalUser, caps: TargetCapabilities, lossy: LossyNote[]): CanonicalUser['metadata'] {
  const { public: pub, private: priv } = user.metadata;
  const count = Object.keys(pub).length + Object.keys(priv).length;
  if (count === 0) return { public: {}, private: {} };
  if (caps.metadata === 'none') {
    lossy.push({ field: 'metadata', reason: `${caps.displayName} stores no user metadata (${count} keys not moved)` });
    return { public: {}, private: {} };
  }
  if (caps.metadata === 'single') {
    const clash = Object.keys(priv).filter((k) => k in pub && JSON.stringify(pub[k]) !== JSON.stringify(priv[k]));
    if (clash.length) lossy.push({ field: 'metadata', reason: `public and private metadata share keys (${clash.join(', ')}) and ${caps.displayName} keeps one bag: the private value wins` });
  }
  const max = caps.metadataMaxBytes;
  if (max === undefined) return { public: { ...pub }, private: { ...priv } };
  const kept: CanonicalUser['metadata'] = { public: {}, private: {} };
  const dropped: string[] = [];
  const shape = () => (caps.metadata === 'single' ? { ...kept.public, ...kept.private } : kept);
  for (const [bag, entries] of [['public', pub], ['private', priv]] as const) {
    for (const [k, v] of Object.entries(entries)) {
      kept[bag][k] = v;
      if (metadataSize(shape()) > max) {
        delete kept[bag][k];
        dropped.push(`${bag}.${k}`);
      }
    }
  }
  if (dropped.length) lossy.push({ field: 'metadata', reason: `${caps.displayName} keeps at most ${max} bytes of metadata; dropped ${dropped.join(', ')}` });
  return kept;
}

export function planUser(user: CanonicalUser, caps: TargetCapabilities, opts: PlanOptions): UserPlan {
  const lossy: LossyNote[] = [...user.lossy];
  const written: CanonicalUser = { ...user };
  const plan: UserPlan = {
    action: 'create',
    password: 'none',
    createOptions: { includePasswordHash: false, missingPassword: fallback(caps, opts) },
    lossy,
    user: written,
    socialLinks: { import: 0, lossy: 0 },
    mfaFactors: { import: 0, lossy: 0 },
  };
  if (caps.requiresEmail && user.emails.length === 0) {
    plan.action = 'skip';
    plan.skipReason = `the user has no email address and ${caps.displayName} requires one (phone-only or username-only account)`;
  } else if (user.disabled && !caps.disabledUsers) {
    // Moving a blocked account into a target that cannot block it would let it sign in again.
    plan.action = 'skip';
    plan.skipReason = `the user is disabled and ${caps.displayName} cannot disable users; moving it would re-enable the account`;
  }

  plan.password = planPassword(user, caps, opts, lossy);
  plan.createOptions.includePasswordHash = plan.password === 'import';
  if (plan.password !== 'import') delete written.password;

  const factors: MfaFactor[] = [];
  for (const f of user.mfa) {
    if (factorImportable(f, caps)) {
      factors.push(f);
      plan.mfaFactors.import++;
    } else {
      plan.mfaFactors.lossy++;
      lossy.push({ field: `mfa.${f.kind}`, reason: factorLoss(f, caps) });
    }
  }
  written.mfa = factors;

  if (user.identities.length) {
    if (caps.socialLinks) plan.socialLinks.import = user.identities.length;
    else {
      plan.socialLinks.lossy = user.identities.length;
      const providers = [...new Set(user.identities.map((i) => i.provider))].join(', ');
      lossy.push({ field: 'identities', reason: `${caps.displayName} does not import linked identities (${providers}); the user links them again at the next social sign-in` });
      written.identities = [];
    }
  }

  written.metadata = fitMetadata(user, caps, lossy);
  const carries = caps.metadataCarries ?? [];
  if (user.username && !caps.usernames) {
    if (carries.includes('username')) {
      lossy.push({ field: 'username', reason: `${caps.displayName} has no usernames to sign in with: the user signs in with the email address (the username is kept in metadata)` });
    } else {
      lossy.push({ field: 'username', reason: `${caps.displayName} has no usernames; the user signs in with the email address` });
      delete written.username;
    }
  }
  if (user.phones.length && !caps.phoneNumbers && !carries.includes('phones')) {
    lossy.push({ field: 'phones', reason: `${caps.displayName} does not store phone numbers` });
    written.phones = [];
  }
  if (opts.targetNotes && plan.action === 'create') {
    for (const n of opts.targetNotes(written, plan.createOptions)) {
      if (!lossy.some((x) => x.field === n.field && x.reason === n.reason)) lossy.push(n);
    }
  }
  written.lossy = lossy;
  return plan;
}

export interface OrganizationPlan {
  action: 'create' | 'skip';
  skipReason?: string;
  lossy: LossyNote[];
}

export function planOrganization(_org: Organization, caps: TargetCapabilities): OrganizationPlan {
  if (!caps.organizations) return { action: 'skip', skipReason: `${caps.displayName} has no organizations`, lossy: [] };
  return { action: 'create', lossy: [] };
}

export interface MembershipPlan {
  action: 'create' | 'skip';
  skipReason?: string;
  roles: string[];
  lossy: LossyNote[];
}

export function planMembership(m: Membership, caps: TargetCapabilities): MembershipPlan {
  if (!caps.organizations) return { action: 'skip', skipReason: `${caps.displayName} has no organizations`, roles: [], lossy: [] };
  if (m.roles.length && !caps.roles) {
    return { action: 'create', roles: [], lossy: [{ field: 'roles', reason: `${caps.displayName} has no organization roles (${m.roles.join(', ')} not moved)` }] };
  }
  return { action: 'create', roles: [...m.roles], lossy: [] };
}
