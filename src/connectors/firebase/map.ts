/**
 * One user of `firebase auth:export --format=json` → CanonicalUser. Pure: no I/O.
 *
 * The exporter (firebase-tools src/accountExporter.ts) writes, per user, the keys localId, email,
 * emailVerified, passwordHash, salt, displayName, photoUrl, lastSignedInAt (renamed from the
 * API's lastLoginAt), createdAt, phoneNumber, disabled, customAttributes, and providerUserInfo
 * [{providerId, rawId, email, displayName, photoUrl}] (only google.com, facebook.com, twitter.com
 * and github.com entries survive its filter). Types follow the Identity Toolkit UserInfo:
 * createdAt/lastLoginAt are millisecond epochs as strings, passwordHash/salt standard base64
 * (URL-safe characters converted), customAttributes a JSON string. It omits a hash that is not
 * Firebase scrypt (`version !== 0`), and it does not export mfaInfo (a TODO in that file); we
 * still read mfaInfo (Identity Toolkit MfaEnrollment: phoneInfo | totpInfo | emailInfo) for
 * exports made through the API, and any other provider a hand-made export carries.
 */
import { assignDefined, emailAddress, isoFromDateString, isoFromEpochMs, jsonKind, jsonTextNestsDeeperThan, MAX_METADATA_DEPTH, nestsDeeperThan, nonBlank as str, tooDeepMessage } from '../../model/build.js';
import { looksLikeEmail } from '../../model/email.js';
import { fromFirebaseScrypt, HashError } from '../../model/password/index.js';
import type { CanonicalUser, LinkedIdentity, LossyNote, MfaFactor } from '../../model/user.js';
import { emptyUser } from '../../model/user.js';
import type { Problem } from '../../protocol/problem.js';
import type { FirebaseHashConfig } from './hash-config.js';

/** A problem about one record; the reader adds the file and line. */
export type RecordProblem = Omit<Problem, 'file' | 'line'>;

export interface FirebaseMapContext {
  hashConfig?: FirebaseHashConfig;
}

export interface FirebaseMapResult {
  /** Absent when the record cannot become a user at all (no localId). */
  user?: CanonicalUser;
  problems: RecordProblem[];
  /** The user has a password hash but no hash config was given (the reader reports it once). */
  hashWithoutConfig: boolean;
}

/** Firebase provider ids → canonical provider names. `password` and `phone` are not links. */
const SOCIAL_PROVIDERS: Record<string, string> = {
  'google.com': 'google',
  'github.com': 'github',
  'apple.com': 'apple',
  'facebook.com': 'facebook',
  'twitter.com': 'twitter',
  'microsoft.com': 'microsoft',
  'yahoo.com': 'yahoo',
  'playgames.google.com': 'google-play-games',
  'gc.apple.com': 'game-center',
};
const NOT_LINKS = new Set(['password', 'phone', 'firebase', 'emailLink']);

export function providerToIdentity(p: Record<string, unknown>): LinkedIdentity | undefined | 'not-a-link' {
  const providerId = str(p.providerId);
  if (!providerId) return undefined;
  if (NOT_LINKS.has(providerId)) return 'not-a-link';
  const rawId = str(p.rawId) ?? str(p.federatedId);
  if (!rawId) return undefined;
  const email = str(p.email);
  const base = { providerUserId: rawId, connection: providerId, ...(email ? { email } : {}) };
  const social = SOCIAL_PROVIDERS[providerId];
  if (social) return { provider: social, kind: 'social', ...base };
  if (providerId.startsWith('saml.')) return { provider: 'saml', kind: 'enterprise', ...base };
  if (providerId.startsWith('oidc.')) return { provider: 'oidc', kind: 'enterprise', ...base };
  return { provider: providerId, kind: 'social', ...base };
}

function mapMfa(entries: unknown, problems: RecordProblem[], lossy: LossyNote[], sourceId: string): MfaFactor[] {
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) {
    problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', sourceId, message: 'mfaInfo is not an array: MFA enrolments are not carried' });
    return [];
  }
  const factors: MfaFactor[] = [];
  for (const e of entries) {
    if (e === null || typeof e !== 'object') continue;
    const m = e as Record<string, unknown>;
    const label = str(m.displayName);
    const enrolledAt = isoFromDateString(m.enrolledAt);
    const common = { ...(label ? { label } : {}), ...(enrolledAt ? { enrolledAt } : {}) };
    const phone = str(m.unobfuscatedPhoneInfo) ?? str(m.phoneInfo);
    if (phone) {
      factors.push({ kind: 'sms', phoneNumber: phone, ...common });
    } else if (m.totpInfo !== undefined) {
      // Firebase never exports the TOTP shared secret: the factor is known, its secret is not.
      factors.push({ kind: 'totp', ...common });
      lossy.push({ field: 'mfa.totp', reason: 'Firebase does not export TOTP secrets: the user must enrol the authenticator app again at the target' });
    } else if (m.emailInfo !== undefined) {
      factors.push({ kind: 'email', ...common });
    } else {
      factors.push({ kind: 'other', ...common });
      lossy.push({ field: 'mfa', reason: 'an MFA enrolment of a kind flagless does not know is listed but not carried' });
    }
  }
  return factors;
}

function mapCustomAttributes(v: unknown, problems: RecordProblem[], lossy: LossyNote[], sourceId: string): Record<string, unknown> {
  if (v === undefined || v === null || v === '') return {};
  let parsed: unknown = v;
  if (typeof v === 'string') {
    try {
      parsed = JSON.parse(v);
    } catch {
      problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', sourceId, message: 'customAttributes is not valid JSON: the custom claims are not carried' });
      lossy.push({ field: 'metadata.private', reason: 'customAttributes (custom claims) is not valid JSON' });
      return {};
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', sourceId, message: 'customAttributes is not a JSON object: the custom claims are not carried' });
    lossy.push({ field: 'metadata.private', reason: 'customAttributes (custom claims) is not a JSON object' });
    return {};
  }
  return parsed as Record<string, unknown>;
}

export function mapFirebaseUser(record: unknown, ctx: FirebaseMapContext): FirebaseMapResult {
  const problems: RecordProblem[] = [];
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return { problems: [{ code: 'E_SOURCE_FIELD', severity: 'error', message: 'the element of "users" is not a JSON object: it is skipped' }], hashWithoutConfig: false };
  }
  const r = record as Record<string, unknown>;
  const localId = str(r.localId);
  if (!localId) {
    const why = r.localId === undefined ? 'the user has no localId' : `localId is ${jsonKind(r.localId)}, not a non-empty string`;
    return { problems: [{ code: 'E_SOURCE_FIELD', severity: 'error', message: `${why}: it is skipped` }], hashWithoutConfig: false };
  }
  const custom = r.customAttributes;
  if (nestsDeeperThan(r, MAX_METADATA_DEPTH + 1) || (typeof custom === 'string' && jsonTextNestsDeeperThan(custom, MAX_METADATA_DEPTH))) {
    return { problems: [{ code: 'E_SOURCE_FIELD', severity: 'error', sourceId: localId, message: tooDeepMessage(`the record of ${localId}`) }], hashWithoutConfig: false };
  }
  // A hash field of another type is a broken export, not a user without a password: moving the
  // user without one would hide it, so the record is refused and named.
  for (const field of ['passwordHash', 'salt'] as const) {
    const v = r[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      return {
        problems: [{ code: 'E_SOURCE_FIELD', severity: 'error', sourceId: localId, message: `${field} is ${jsonKind(v)}, not a base64 string: the user is skipped` }],
        hashWithoutConfig: false,
      };
    }
  }
  const user = emptyUser(localId);
  const lossy = user.lossy;

  const email = str(r.email);
  if (email) {
    const address = email.trim();
    if (!looksLikeEmail(address)) {
      problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', sourceId: localId, message: 'the email address does not look like an email address' });
    }
    user.emails.push(emailAddress(address, r.emailVerified === true, true));
  }
  const phone = str(r.phoneNumber);
  // Firebase keeps no verified flag for phoneNumber: it is the phone sign-in identifier, which
  // phone auth verified by SMS when the user signed up with it.
  if (phone) user.phones.push({ number: phone.trim(), verified: true, primary: true });

  assignDefined(user, {
    displayName: str(r.displayName),
    imageUrl: str(r.photoUrl),
    createdAt: isoFromEpochMs(r.createdAt),
    lastSignInAt: isoFromEpochMs(r.lastSignedInAt ?? r.lastLoginAt),
  });
  user.disabled = r.disabled === true;
  if (user.disabled) user.sourceStatus = 'disabled';

  let hasPasswordProvider = false;
  if (Array.isArray(r.providerUserInfo)) {
    for (const p of r.providerUserInfo) {
      if (p === null || typeof p !== 'object') continue;
      const identity = providerToIdentity(p as Record<string, unknown>);
      if (identity === 'not-a-link') {
        if ((p as Record<string, unknown>).providerId === 'password') hasPasswordProvider = true;
        continue;
      }
      if (!identity) {
        problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', sourceId: localId, message: 'a providerUserInfo entry has no providerId or rawId: that linked login is not carried' });
        lossy.push({ field: 'identities', reason: 'a providerUserInfo entry without providerId or rawId' });
        continue;
      }
      user.identities.push(identity);
    }
  }

  user.mfa = mapMfa(r.mfaInfo, problems, lossy, localId);
  user.metadata.private = mapCustomAttributes(r.customAttributes, problems, lossy, localId);

  let hashWithoutConfig = false;
  const hash = str(r.passwordHash);
  if (hash) {
    if (!ctx.hashConfig) {
      hashWithoutConfig = true;
      user.passwordPlan = 'jit';
      lossy.push({ field: 'password', reason: 'no hash config was given (--hash-config): the Firebase scrypt hash cannot be imported, so the password moves at the next sign-in or by reset' });
    } else {
      try {
        user.password = fromFirebaseScrypt({ hash, salt: typeof r.salt === 'string' ? r.salt : '', ...ctx.hashConfig });
        user.passwordPlan = 'import';
      } catch (e) {
        if (!(e instanceof HashError)) throw e;
        problems.push({ code: e.code, severity: 'error', sourceId: localId, message: `${e.message}; the user is kept without a password (just-in-time move or reset)` });
        lossy.push({ field: 'password', reason: 'the password hash cannot be parsed' });
        user.passwordPlan = 'jit';
      }
    }
  } else if (hasPasswordProvider) {
    // A password account whose hash Firebase left out (the exporter drops non-scrypt hashes).
    user.passwordPlan = 'jit';
    lossy.push({ field: 'password', reason: 'the user signs in with a password but the export has no Firebase scrypt hash for it' });
  }

  if (user.emails.length === 0) {
    const how = user.phones.length > 0 ? 'a phone-only user' : user.identities.length > 0 ? 'signs in only through a linked provider' : 'no sign-in identifier in the export';
    problems.push({ code: 'E_NO_EMAIL', severity: 'warning', sourceId: localId, message: `the user has no email address (${how})` });
  }
  return { user, problems, hashWithoutConfig };
}
