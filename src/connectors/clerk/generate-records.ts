import { fakeIsoDate, fakeOrganizationName, fakePerson, fakePhone, fakeTotpSecret } from '../../lib/fake/people.js';
import { Prng } from '../../lib/fake/prng.js';
import type { ClerkCsvColumn, ClerkOrganizationJson, ClerkUserJson } from './types.js';

// What one generated Clerk user looks like, drawn from the seeded PRNG: the CSV row and, when
// the user has something the CSV cannot carry, the Backend API JSON for the dump.

export const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Clerk ids: a prefix and 27 base62 characters (`user_2YDryYFVMM1W1plDDKz7Gzf4we6`). */
export function clerkId(rng: Prng, prefix: 'org'): string {
  return `${prefix}_2${rng.id(26, BASE62)}`;
}

/**
 * A user's id from the seed and its index alone, so the generator can name a user again when it
 * writes the memberships after the last row, without keeping a million ids in memory.
 */
export function userIdFor(seed: number | string, index: number): string {
  const rng = new Prng(`${String(seed)}#user#${index}`);
  return `user_2${rng.id(26, BASE62)}`;
}

export type UserKind = 'bcrypt' | 'argon2id' | 'social' | 'passwordless' | 'phone-only';

/** The mix: ~70% bcrypt, ~10% argon2id, ~15% social-only, ~3% email-code only, ~2% phone-only. */
export function drawKind(rng: Prng): UserKind {
  const r = rng.next();
  if (r < 0.7) return 'bcrypt';
  if (r < 0.8) return 'argon2id';
  if (r < 0.95) return 'social';
  if (r < 0.98) return 'passwordless';
  return 'phone-only';
}

export interface GeneratedUser {
  id: string;
  row: Record<ClerkCsvColumn, string>;
  /** Primary email as written (traps may add case or spaces), or undefined for phone-only users. */
  email?: string;
  username?: string;
  /** The dump entry, when the user has something only the API shows. */
  api?: ClerkUserJson;
}

export interface UserDraw {
  index: number;
  id: string;
  kind: UserKind;
  /** Overrides the primary email (duplicate-email trap). */
  email?: string;
  digest?: string;
  hasher?: string;
}

function nameWithQuirks(rng: Prng, name: string): string {
  // About 1 in 100 has quotes in a name: the CSV must quote and double them.
  return rng.chance(0.01) ? `${name} "${rng.pick(['Ace', 'Doc', 'Kit'])}"` : name;
}

export function makeUser(rng: Prng, draw: UserDraw): GeneratedUser {
  const i = draw.index;
  const id = draw.id;
  const person = fakePerson(rng, i);
  const firstName = nameWithQuirks(rng, person.firstName);
  const lastName = person.lastName;
  const username = rng.chance(0.3) ? person.username : undefined;
  const phoneOnly = draw.kind === 'phone-only';
  const email = phoneOnly ? undefined : (draw.email ?? person.email);
  const verifiedEmails: string[] = [];
  const unverifiedEmails: string[] = [];
  if (email) {
    verifiedEmails.push(email);
    if (rng.chance(0.05)) verifiedEmails.push(`alt.${i}@example.net`);
    if (rng.chance(0.03)) unverifiedEmails.push(`old.${i}@example.org`);
  }
  const verifiedPhones: string[] = [];
  const unverifiedPhones: string[] = [];
  let primaryPhone = '';
  if (phoneOnly || rng.chance(0.1)) {
    primaryPhone = fakePhone(rng);
    verifiedPhones.push(primaryPhone);
    if (rng.chance(0.2)) unverifiedPhones.push(fakePhone(rng));
  }
  const hasPassword = draw.digest !== undefined;
  const totp = hasPassword && rng.chance(0.06) ? fakeTotpSecret(rng) : '';
  const row: Record<ClerkCsvColumn, string> = {
    id,
    first_name: phoneOnly && rng.chance(0.5) ? '' : firstName,
    last_name: phoneOnly && rng.chance(0.5) ? '' : lastName,
    username: username ?? '',
    primary_email_address: email ?? '',
    primary_phone_number: primaryPhone,
    verified_email_addresses: verifiedEmails.join('|'),
    unverified_email_addresses: unverifiedEmails.join('|'),
    verified_phone_numbers: verifiedPhones.join('|'),
    unverified_phone_numbers: unverifiedPhones.join('|'),
    totp_secret: totp,
    password_digest: draw.digest ?? '',
    password_hasher: draw.hasher ?? '',
  };

  // Only what the CSV lacks, in Clerk's field names (the API returns much more per user).
  const api: ClerkUserJson = { id };
  let interesting = false;
  if (draw.kind === 'social') {
    const google = rng.chance(0.6);
    api.external_accounts = [
      {
        provider: google ? 'oauth_google' : 'oauth_github',
        provider_user_id: google ? `1${rng.id(20, '0123456789')}` : String(rng.int(1_000_000, 99_999_999)),
        email_address: email ?? '',
      },
    ];
    interesting = true;
  }
  if (rng.chance(0.08)) {
    api.public_metadata = { plan: rng.pick(['free', 'pro', 'team']), onboarded: rng.chance(0.8) };
    api.private_metadata = { stripeCustomerId: `cus_${rng.id(14, BASE62)}` };
    if (rng.chance(0.25)) api.unsafe_metadata = { theme: rng.pick(['dark', 'light']) };
    interesting = true;
  }
  if (rng.chance(0.01)) {
    api.banned = true;
    interesting = true;
  }
  if (rng.chance(0.02)) {
    api.external_id = `legacy-${i}`;
    interesting = true;
  }
  const createdAt = Date.parse(fakeIsoDate(rng));
  if (interesting) {
    if (hasPassword) api.password_enabled = true;
    if (totp !== '') api.totp_enabled = true;
    api.created_at = createdAt;
  }
  return { id, row, ...(email ? { email } : {}), ...(username ? { username } : {}), ...(interesting ? { api } : {}) };
}

export function makeOrganization(rng: Prng, index: number): ClerkOrganizationJson {
  const name = fakeOrganizationName(rng, index);
  return {
    id: clerkId(rng, 'org'),
    object: 'organization',
    name,
    slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    public_metadata: { tier: rng.pick(['startup', 'growth', 'enterprise']) },
    private_metadata: {},
    created_at: Date.parse(fakeIsoDate(rng, 2019, 2022)),
  };
}

/** A digest the model cannot verify, shaped like the hasher's real output (never a real hash). */
export function unsupportedDigest(rng: Prng, hasher: 'phpass' | 'md5_salted'): string {
  const itoa64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return hasher === 'phpass' ? `$P$B${rng.id(8, itoa64)}${rng.id(22, itoa64)}` : `${rng.id(8, BASE62)}$${rng.hex(16)}`;
}
