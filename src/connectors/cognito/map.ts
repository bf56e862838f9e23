/**
 * One Cognito user (the `UserType` that ListUsers returns) → CanonicalUser. Pure: no I/O.
 *
 * UserType (AWS API reference, @aws-sdk/client-cognito-identity-provider models): Username,
 * Attributes [{Name, Value}] (values are all strings: `email_verified` is "true"/"false"),
 * UserCreateDate, UserLastModifiedDate (epoch seconds on the wire; ISO 8601 strings once an SDK or
 * the AWS CLI v2 prints them), Enabled, UserStatus (UNCONFIRMED | CONFIRMED | EXTERNAL_PROVIDER |
 * RESET_REQUIRED | FORCE_CHANGE_PASSWORD, and the retired ARCHIVED | COMPROMISED | UNKNOWN), and
 * MFAOptions [{DeliveryMedium: 'SMS', AttributeName: 'phone_number'}] (the legacy SMS setting;
 * ListUsers does not show TOTP enrolment, AdminGetUser's UserMFASettingList does, and we read it
 * when a saved record carries it). Federated users carry an `identities` attribute, a JSON string
 * `[{"userId","providerName","providerType","issuer","primary","dateCreated"}]`.
 *
 * Ids: `sourceId` is the Username (unique in the pool, immutable, what every Admin API, group
 * membership and the user-migration trigger name); `externalId` is `sub`, the id applications
 * store (the JWT `sub`), so the target keeps the id the application knows.
 * Cognito exports no password hashes: every user with a password is planned for a just-in-time
 * move (the gateway signs the user in at Cognito once, then sets the password at the target).
 */
import { assignDefined, emailAddress, nonBlank as str } from '../../model/build.js';
import { looksLikeEmail } from '../../model/email.js';
import type { CanonicalUser, LinkedIdentity, LossyNote, MfaFactor } from '../../model/user.js';
import { emptyUser } from '../../model/user.js';
import type { Problem } from '../../protocol/problem.js';

export type RecordProblem = Omit<Problem, 'file' | 'line'>;

export const USER_STATUSES = ['UNCONFIRMED', 'CONFIRMED', 'ARCHIVED', 'COMPROMISED', 'UNKNOWN', 'RESET_REQUIRED', 'FORCE_CHANGE_PASSWORD', 'EXTERNAL_PROVIDER'] as const;

export interface CognitoMapContext {
  /** Names of the groups the user belongs to (from ListUsersInGroup or the API dump). */
  groups?: readonly string[];
}

export interface CognitoMapResult {
  user?: CanonicalUser;
  problems: RecordProblem[];
}

/** Standard attributes that have a canonical field (or are consumed elsewhere). */
const CONSUMED = new Set(['sub', 'email', 'email_verified', 'phone_number', 'phone_number_verified', 'given_name', 'family_name', 'name', 'picture', 'preferred_username', 'identities']);

/** Standard OIDC profile attributes without a canonical field: kept as public metadata. */
const PROFILE = new Set(['address', 'birthdate', 'gender', 'locale', 'middle_name', 'nickname', 'profile', 'website', 'zoneinfo', 'updated_at']);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function truthy(v: string | undefined): boolean {
  return v !== undefined && v.trim().toLowerCase() === 'true';
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})?$/;

/**
 * A Cognito timestamp → ISO 8601. Accepts a Date (the SDK), ISO strings (SDK JSON, AWS CLI v2
 * `2021-06-05T23:28:29.457000+00:00`), epoch seconds as a number or numeric string (the wire
 * format, AWS CLI v1), and epoch milliseconds (some hand-made dumps).
 */
export function cognitoDate(v: unknown): string | undefined {
  let ms: number;
  if (v instanceof Date) ms = v.getTime(); // what the SDK hands back
  else if (typeof v === 'number') ms = v;
  else if (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v)) ms = Number(v);
  else if (typeof v === 'string') {
    const m = ISO.exec(v);
    if (m) {
      // Parsed by hand: Date.parse is slow on the CLI's microsecond form, and this runs per user.
      const [, y, mo, d, h, mi, s, frac, zone] = m;
      const ms3 = frac ? frac.slice(0, 3).padEnd(3, '0') : '000';
      if ((zone === undefined || zone === 'Z' || zone === 'z' || zone === '+00:00') && Number(mo) >= 1 && Number(mo) <= 12 && Number(d) >= 1 && Number(d) <= 28 && Number(h) < 24 && Number(mi) < 60 && Number(s) < 60) {
        return `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms3}Z`; // already UTC and valid: no Date needed
      }
      if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
      let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms3));
      if (zone && zone !== 'Z' && zone !== 'z') t -= (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
      return Number.isNaN(t) ? undefined : new Date(t).toISOString();
    }
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : new Date(t).toISOString();
  } else return undefined;
  if (!Number.isFinite(ms)) return undefined;
  if (Math.abs(ms) < 1e11) ms *= 1000; // seconds (until the year 5138)
  const d = new Date(Math.round(ms));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

const PROVIDER_TYPES: Record<string, { provider: string; kind: 'social' | 'enterprise' }> = {
  google: { provider: 'google', kind: 'social' },
  facebook: { provider: 'facebook', kind: 'social' },
  loginwithamazon: { provider: 'amazon', kind: 'social' },
  signinwithapple: { provider: 'apple', kind: 'social' },
  saml: { provider: 'saml', kind: 'enterprise' },
  oidc: { provider: 'oidc', kind: 'enterprise' },
};

/** The `identities` attribute (a JSON string; an array, or one object in some token claims). */
export function parseIdentities(value: string): LinkedIdentity[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  const list = Array.isArray(parsed) ? parsed : parsed && typeof parsed === 'object' ? [parsed] : undefined;
  if (!list) return undefined;
  const out: LinkedIdentity[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') return undefined;
    const i = item as Record<string, unknown>;
    const userId = typeof i.userId === 'number' ? String(i.userId) : str(i.userId);
    const providerName = str(i.providerName);
    const providerType = str(i.providerType) ?? providerName;
    if (!userId || !providerType) return undefined;
    const known = PROVIDER_TYPES[providerType.toLowerCase()];
    out.push({
      provider: known?.provider ?? providerType.toLowerCase(),
      kind: known?.kind ?? 'social',
      providerUserId: userId,
      ...(providerName ? { connection: providerName } : {}),
    });
  }
  return out;
}

const PASSWORD_NOTES: Record<string, string> = {
  FORCE_CHANGE_PASSWORD: 'Cognito exports no password hashes, and this user has only a temporary password: the user sets a password at the first sign-in (at the target, or through the gateway)',
  RESET_REQUIRED: 'Cognito exports no password hashes, and this user must reset the password before signing in: plan a reset at the target',
  UNCONFIRMED: 'Cognito exports no password hashes, and this user never confirmed the sign-up: the password moves at the first successful sign-in, or by reset',
};
const PASSWORD_NOTE = 'Cognito exports no password hashes: the password moves at the next successful sign-in through the gateway (just-in-time), or by reset';

function mapMfa(r: Record<string, unknown>, phone: string | undefined, lossy: LossyNote[]): MfaFactor[] {
  const factors: MfaFactor[] = [];
  const kinds = new Set<string>();
  if (Array.isArray(r.MFAOptions)) {
    for (const o of r.MFAOptions) {
      if (o && typeof o === 'object' && (o as Record<string, unknown>).DeliveryMedium === 'SMS') kinds.add('SMS_MFA');
      else if (o && typeof o === 'object' && (o as Record<string, unknown>).DeliveryMedium === 'EMAIL') kinds.add('EMAIL_OTP');
    }
  }
  if (Array.isArray(r.UserMFASettingList)) for (const s of r.UserMFASettingList) if (typeof s === 'string') kinds.add(s);
  if (kinds.has('SMS_MFA')) factors.push({ kind: 'sms', ...(phone ? { phoneNumber: phone } : {}) });
  if (kinds.has('SOFTWARE_TOKEN_MFA')) {
    factors.push({ kind: 'totp' });
    lossy.push({ field: 'mfa.totp', reason: 'Cognito does not export TOTP secrets: the user must enrol the authenticator app again at the target' });
  }
  if (kinds.has('EMAIL_OTP')) factors.push({ kind: 'email' });
  return factors;
}

export function mapCognitoUser(record: unknown, ctx: CognitoMapContext = {}): CognitoMapResult {
  const problems: RecordProblem[] = [];
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return { problems: [{ code: 'E_SOURCE_FIELD', severity: 'error', message: 'the record is not a JSON object (a Cognito UserType): it is skipped' }] };
  }
  const r = record as Record<string, unknown>;
  const username = str(r.Username);
  if (!username) return { problems: [{ code: 'E_SOURCE_FIELD', severity: 'error', message: 'the user has no Username: it is skipped' }] };

  const attrs = new Map<string, string>();
  const list = Array.isArray(r.Attributes) ? r.Attributes : Array.isArray(r.UserAttributes) ? r.UserAttributes : [];
  for (const a of list) {
    if (a && typeof a === 'object' && typeof (a as Record<string, unknown>).Name === 'string') {
      const value = (a as Record<string, unknown>).Value;
      attrs.set((a as Record<string, unknown>).Name as string, typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value));
    }
  }

  const user = emptyUser(username);
  const lossy = user.lossy;
  const status = str(r.UserStatus);
  if (status) {
    user.sourceStatus = status;
    if (!(USER_STATUSES as readonly string[]).includes(status)) {
      problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', sourceId: username, message: `unknown UserStatus ${JSON.stringify(status.slice(0, 40))}` });
    }
  }
  user.disabled = r.Enabled === false || r.Enabled === 'false';
  const sub = str(attrs.get('sub'));
  if (sub) user.externalId = sub;

  const email = str(attrs.get('email'));
  if (email) {
    const address = email.trim();
    if (!looksLikeEmail(address)) problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', sourceId: username, message: 'the email attribute does not look like an email address' });
    user.emails.push(emailAddress(address, truthy(attrs.get('email_verified')), true));
  }
  const phone = str(attrs.get('phone_number'))?.trim();
  if (phone) user.phones.push({ number: phone, verified: truthy(attrs.get('phone_number_verified')), primary: true });

  assignDefined(user, {
    firstName: str(attrs.get('given_name')),
    lastName: str(attrs.get('family_name')),
    displayName: str(attrs.get('name')),
    imageUrl: str(attrs.get('picture')),
  });

  // A Username is a sign-in name only when the pool uses usernames: with email or phone as the
  // username Cognito makes it a UUID (= sub), and federated users get `<Provider>_<id>`.
  const preferred = str(attrs.get('preferred_username'));
  const federated = status === 'EXTERNAL_PROVIDER';
  if (preferred) user.username = preferred;
  else if (!federated && username !== sub && !UUID.test(username) && !username.includes('@') && !/^\+\d+$/.test(username)) user.username = username;

  for (const [key, value] of attrs) {
    if (CONSUMED.has(key)) continue;
    if (key.startsWith('custom:')) user.metadata.private[key.slice('custom:'.length)] = value;
    else if (key.startsWith('dev:custom:')) user.metadata.private[key.slice('dev:custom:'.length)] = value;
    else if (PROFILE.has(key)) user.metadata.public[key] = value;
    else user.metadata.private[key] = value;
  }

  const identities = attrs.get('identities');
  if (identities !== undefined && identities.trim() !== '') {
    const parsed = parseIdentities(identities);
    if (parsed) user.identities = parsed;
    else {
      problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', sourceId: username, message: 'the identities attribute is not the JSON list Cognito writes: linked logins are not carried' });
      lossy.push({ field: 'identities', reason: 'the identities attribute cannot be parsed' });
    }
  }
  if (federated && user.identities.length === 0) {
    lossy.push({ field: 'identities', reason: 'an EXTERNAL_PROVIDER user without an identities attribute: the provider link is unknown' });
  }

  user.mfa = mapMfa(r, phone, lossy);
  assignDefined(user, { createdAt: cognitoDate(r.UserCreateDate), updatedAt: cognitoDate(r.UserLastModifiedDate) });

  if (federated) {
    user.passwordPlan = 'none';
  } else {
    user.passwordPlan = 'jit';
    lossy.push({ field: 'password', reason: PASSWORD_NOTES[status ?? ''] ?? PASSWORD_NOTE });
  }

  user.memberships = (ctx.groups ?? []).map((g) => ({ organizationId: g, roles: [] }));
  if (user.emails.length === 0) {
    const how = user.phones.length > 0 ? 'signs in with a phone number' : federated ? 'a federated user whose provider sent no email' : 'no email attribute';
    problems.push({ code: 'E_NO_EMAIL', severity: 'warning', sourceId: username, message: `the user has no email address (${how})` });
  }
  return { user, problems };
}
