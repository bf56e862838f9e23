/**
 * `flagless generate firebase`: a `firebase auth:export --format=json` file laid out byte for byte
 * as firebase-tools writes it (`{"users": [` + EOL, each user `JSON.stringify(user, null, 2)`
 * joined by `,` + EOL, then `]}`), its hash config next to it, and the known plaintexts.
 *
 * Mix: ~82% password users (modified scrypt, rounds 8 and mem_cost 14 like real projects; some
 * with a phone number or a linked Google login), ~15% google.com/github.com only, ~3% phone-only;
 * 2% disabled, some with customAttributes, some with mfaInfo (SMS or TOTP). Hashes come from a
 * small pool of real hashes so a million users take seconds, and every one verifies.
 * Traps (unless clean): a Google-only user whose email differs from another user's only in case,
 * and one user whose customAttributes is not valid JSON.
 */
import { buildHashPool } from '../../lib/fake/hash-pool.js';
import { fakeIsoDate, fakePerson, fakePhone } from '../../lib/fake/people.js';
import { Prng } from '../../lib/fake/prng.js';
import { csvField } from '../../lib/io/csv-field.js';
import { sidePath } from '../../lib/io/side-path.js';
import { TextFileWriter } from '../../lib/io/text-writer.js';
import { hashParts } from '../../model/password/index.js';
import type { GenerateOptions, GenerateResult } from '../../protocol/generate.js';
import { formatHashConfig, type FirebaseHashConfig } from './hash-config.js';

const POOL_SIZE = 16;
const UID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

interface PoolEntry {
  plaintext: string;
  passwordHash: string;
  salt: string;
}

/** Real Firebase scrypt hashes (buildHashPool draws each salt from the seed), as the export writes them. */
async function firebasePool(rng: Prng, config: FirebaseHashConfig): Promise<PoolEntry[]> {
  const pool = await buildHashPool('firebase-scrypt', POOL_SIZE, rng, { ...config });
  return pool.map(({ plaintext, hash }) => {
    const parts = hashParts(hash);
    return { plaintext, passwordHash: parts.hash.toString('base64'), salt: parts.salt.toString('base64') };
  });
}

function msEpoch(iso: string): string {
  return String(Date.parse(iso));
}

type FirebaseExportUser = Record<string, unknown>;

export async function generateFirebase(options: GenerateOptions): Promise<GenerateResult> {
  const rng = new Prng(options.seed);
  const config: FirebaseHashConfig = {
    signerKey: Buffer.from(rng.hex(64), 'hex').toString('base64'),
    saltSeparator: 'Bw==',
    rounds: 8,
    memCost: 14,
  };
  const pool = await firebasePool(rng, config);
  const n = options.users;
  const traps: Record<string, number> = {};
  const duplicateAt = !options.clean && n >= 4 ? Math.floor(n / 2) + 1 : -1;
  const badClaimsAt = !options.clean && n >= 3 ? Math.floor(n / 3) : -1;
  let firstPasswordEmail: string | undefined;

  const out = new TextFileWriter(options.out);
  const plain = options.plaintexts ? new TextFileWriter(options.plaintexts) : undefined;
  await plain?.write('identifier,password\n');
  await out.write('{"users": [\n');

  for (let i = 0; i < n; i++) {
    const person = fakePerson(rng, i);
    const created = fakeIsoDate(rng, 2019, 2024);
    const lastSignIn = new Date(Math.min(Date.parse(created) + rng.int(0, 400) * 86_400_000, Date.parse('2025-06-30T00:00:00Z'))).toISOString();
    const u: FirebaseExportUser = { localId: rng.id(28, UID_ALPHABET) };
    const roll = rng.next();
    const kind = i === duplicateAt ? 'social' : i === 0 || roll < 0.82 ? 'password' : roll < 0.97 ? 'social' : 'phone';
    let plaintext: string | undefined;
    const providers: Record<string, unknown>[] = [];

    if (kind === 'password') {
      const entry = pool[i % pool.length]!;
      u.email = person.email;
      u.emailVerified = rng.chance(0.8);
      u.passwordHash = entry.passwordHash;
      u.salt = entry.salt;
      plaintext = entry.plaintext;
      firstPasswordEmail ??= person.email;
      if (rng.chance(0.1)) providers.push({ providerId: 'google.com', rawId: String(rng.int(1e8, 1e9)) + String(rng.int(1e8, 1e9)), email: person.email, displayName: `${person.firstName} ${person.lastName}` });
    } else if (kind === 'social') {
      let email = person.email;
      if (i === duplicateAt && firstPasswordEmail) {
        // Same mailbox, different case: two accounts that one target would see as one.
        const [local, domain] = firstPasswordEmail.split('@') as [string, string];
        email = `${local.charAt(0).toUpperCase()}${local.slice(1)}@${domain.toUpperCase()}`;
        traps.duplicateEmailGroups = 1;
      }
      u.email = email;
      u.emailVerified = true;
      const google = i === duplicateAt || rng.chance(0.6);
      providers.push(
        google
          ? { providerId: 'google.com', rawId: String(rng.int(1e8, 1e9)) + String(rng.int(1e8, 1e9)), email, displayName: `${person.firstName} ${person.lastName}`, photoUrl: `https://lh3.googleusercontent.com/a/${rng.id(20)}` }
          : { providerId: 'github.com', rawId: String(rng.int(1e5, 1e8)), email, displayName: person.username, photoUrl: `https://avatars.githubusercontent.com/u/${rng.int(1e5, 1e8)}?v=4` },
      );
      traps.socialOnly = (traps.socialOnly ?? 0) + 1;
    } else {
      traps.phoneOnly = (traps.phoneOnly ?? 0) + 1;
    }

    if (kind !== 'phone' && rng.chance(0.6)) u.displayName = `${person.firstName} ${person.lastName}`;
    const photo = providers[0]?.photoUrl;
    if (typeof photo === 'string') u.photoUrl = photo;
    u.lastSignedInAt = msEpoch(lastSignIn);
    u.createdAt = msEpoch(created);
    if (kind === 'phone' || (kind === 'password' && rng.chance(0.1))) u.phoneNumber = fakePhone(rng);
    if (rng.chance(0.02)) {
      u.disabled = true;
      traps.disabled = (traps.disabled ?? 0) + 1;
    }
    if (i === badClaimsAt) {
      u.customAttributes = '{"role": "admin", "tenant": ';
      traps.malformedCustomAttributes = 1;
    } else if (rng.chance(0.1)) {
      u.customAttributes = JSON.stringify(rng.chance(0.5) ? { role: rng.pick(['admin', 'editor', 'viewer']) } : { plan: rng.pick(['free', 'pro', 'team']), orgId: `org_${rng.id(8)}` });
    }
    if (providers.length > 0) u.providerUserInfo = providers;
    if (kind === 'password' && rng.chance(0.05)) {
      const enrolledAt = new Date(Date.parse(created) + 86_400_000).toISOString();
      const mfaEnrollmentId = rng.id(20);
      if (rng.chance(0.6)) {
        u.mfaInfo = [{ mfaEnrollmentId, displayName: 'phone', enrolledAt, phoneInfo: fakePhone(rng) }];
        traps.mfaSms = (traps.mfaSms ?? 0) + 1;
      } else {
        u.mfaInfo = [{ mfaEnrollmentId, displayName: 'Authenticator', enrolledAt, totpInfo: {} }];
        traps.mfaTotpWithoutSecret = (traps.mfaTotpWithoutSecret ?? 0) + 1;
      }
    }

    await out.write(i === 0 ? JSON.stringify(u, null, 2) : `,\n${JSON.stringify(u, null, 2)}`);
    if (plaintext !== undefined && plain) await plain.write(`${csvField(person.email)},${csvField(plaintext)}\n`);
    if (options.onProgress && (i + 1) % 10_000 === 0) options.onProgress(i + 1);
  }
  await out.write(']}');
  await out.close();
  await plain?.close();
  options.onProgress?.(n);

  const hashConfigPath = sidePath(options.out, 'hash-config.json');
  const hc = new TextFileWriter(hashConfigPath);
  await hc.write(formatHashConfig(config));
  await hc.close();

  const files: GenerateResult['files'] = [
    { role: 'export', path: options.out },
    { role: 'hash-config', path: hashConfigPath },
  ];
  if (options.plaintexts) files.push({ role: 'plaintexts', path: options.plaintexts });
  return { files, users: n, organizations: 0, traps };
}
