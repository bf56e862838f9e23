/**
 * `flagless generate clerk`: the dashboard CSV export and, next to it, `<base>.api.json`, a
 * Backend API dump with what the CSV lacks. The dump holds every organization and membership
 * but only the users that have something the CSV cannot carry (social links, metadata, a ban,
 * an external id), so it stays small beside a million-row CSV and the reader can load it whole.
 * Hashes are real, from a pool of known plaintexts reused round-robin, with salts drawn from the
 * seed so the same seed writes the same bytes.
 */
import { stringify } from 'csv-stringify/sync';
import { buildHashPool, type PooledHash } from '../../lib/fake/hash-pool.js';
import { Prng } from '../../lib/fake/prng.js';
import { csvField } from '../../lib/io/csv-field.js';
import { sidePath } from '../../lib/io/side-path.js';
import { TextFileWriter } from '../../lib/io/text-writer.js';
import { fromBcrypt } from '../../model/password/index.js';
import type { GenerateOptions, GenerateResult } from '../../protocol/generate.js';
import { clerkId, drawKind, makeOrganization, makeUser, unsupportedDigest, userIdFor, type UserDraw } from './generate-records.js';
import { CLERK_CSV_COLUMNS, type ClerkOrganizationJson } from './types.js';

const POOL_SIZE = 16;
const CSV_BATCH = 2000;

/**
 * The bcrypt and argon2id pools, each from its own seeded Prng (drawn here, in order) so that
 * both hash at once and still come out the same for a seed. Half the bcrypt pool is written
 * `$2a$`, as older Clerk exports have it: identical to `$2b$` for passwords under 72 bytes.
 */
async function hashPools(rng: Prng): Promise<{ bcrypt: PooledHash[]; argon2: PooledHash[] }> {
  const bcryptRng = new Prng(rng.hex(8));
  const argon2Rng = new Prng(rng.hex(8));
  const [bcrypt, argon2] = await Promise.all([buildHashPool('bcrypt', POOL_SIZE, bcryptRng, { cost: 10 }), buildHashPool('argon2id', POOL_SIZE, argon2Rng)]);
  return {
    bcrypt: bcrypt.map(({ plaintext, hash }, i) => (i % 2 === 1 ? { plaintext, hash: fromBcrypt(hash.phc.reveal().replace(/^\$2b\$/, '$2a$')) } : { plaintext, hash })),
    argon2,
  };
}

interface TrapPlan {
  /** index -> index of the earlier user whose email it reuses, and how it is disguised. */
  duplicateOf: Map<number, { source: number; disguise: (e: string) => string }>;
  unsupported: Map<number, 'phpass' | 'md5_salted'>;
  orphanMembershipAt: number;
}

function planTraps(users: number, clean: boolean): TrapPlan {
  if (clean || users < 10) return { duplicateOf: new Map(), unsupported: new Map(), orphanMembershipAt: -1 };
  const at = (f: number) => Math.floor(users * f);
  return {
    duplicateOf: new Map([
      [at(0.3), { source: at(0.1), disguise: (e: string) => e.toUpperCase() }],
      [at(0.6), { source: at(0.2), disguise: (e: string) => ` ${e.charAt(0).toUpperCase()}${e.slice(1)} ` }],
    ]),
    unsupported: new Map([
      [at(0.4), 'phpass'],
      [at(0.8), 'md5_salted'],
    ]),
    orphanMembershipAt: at(0.5),
  };
}

export async function generateClerk(options: GenerateOptions): Promise<GenerateResult> {
  const rng = new Prng(options.seed);
  const dumpPath = sidePath(options.out, 'api.json', /\.csv$/i);
  const traps = planTraps(options.users, options.clean === true);
  const { bcrypt, argon2 } = await hashPools(rng);

  const orgCount = Math.max(3, Math.round(options.users / 20));
  const organizations: ClerkOrganizationJson[] = [];
  for (let i = 0; i < orgCount; i++) organizations.push(makeOrganization(rng, i));
  // Memberships as compact columns (user index, org index or -1 for the orphan, admin flag),
  // written after the users without holding a million objects or ids.
  const members = new MembershipColumns(Math.ceil(options.users * 0.65) + 16);

  // Rows are stringified by csv-stringify in batches and written through a writer that waits for
  // 'drain': one write per batch instead of one per row keeps a million rows fast.
  const csv = new TextFileWriter(options.out);
  let rows: Record<string, string>[] = [];
  const flushRows = async (header: boolean) => {
    await csv.write(stringify(rows, { header, columns: [...CLERK_CSV_COLUMNS] }));
    rows = [];
  };
  let headerWritten = false;
  const dump = new TextFileWriter(dumpPath);
  const plaintexts = options.plaintexts ? new TextFileWriter(options.plaintexts) : undefined;
  const trapCounts = { duplicateEmails: 0, unsupportedHashers: 0, orphanMemberships: 0 };
  const remembered = new Map<number, string>();
  const wanted = new Set([...traps.duplicateOf.values()].map((d) => d.source));
  let firstDumpUser = true;
  let bcryptAt = 0;
  let argonAt = 0;

  try {
    // totp_secret: the user's TOTP secret when it has one, so `verify --logins` answers a target's MFA step.
    await plaintexts?.write('identifier,password,totp_secret\n');
    await dump.write('{"users":[');
    for (let i = 0; i < options.users; i++) {
      const dup = traps.duplicateOf.get(i);
      const trapHasher = traps.unsupported.get(i);
      let kind = drawKind(rng);
      // Trap users and the users they copy need an email and a password of their own.
      if (dup || trapHasher || wanted.has(i)) kind = 'bcrypt';
      const draw: UserDraw = { index: i, id: userIdFor(options.seed, i), kind };
      let pooled: PooledHash | undefined;
      if (trapHasher) {
        draw.digest = unsupportedDigest(rng, trapHasher);
        draw.hasher = trapHasher;
        trapCounts.unsupportedHashers++;
      } else if (kind === 'bcrypt') {
        pooled = bcrypt[bcryptAt++ % bcrypt.length]!;
        draw.digest = pooled.hash.phc.reveal();
        draw.hasher = 'bcrypt';
      } else if (kind === 'argon2id') {
        pooled = argon2[argonAt++ % argon2.length]!;
        draw.digest = pooled.hash.phc.reveal();
        draw.hasher = 'argon2id';
      }
      const source = dup ? remembered.get(dup.source) : undefined;
      if (dup && source) {
        draw.email = dup.disguise(source);
        trapCounts.duplicateEmails++;
      }
      const user = makeUser(rng, draw);
      if (wanted.has(i) && user.email) remembered.set(i, user.email);

      rows.push(user.row);
      if (rows.length === CSV_BATCH) {
        await flushRows(!headerWritten);
        headerWritten = true;
      }
      if (user.api) {
        await dump.write(`${firstDumpUser ? '\n' : ',\n'}${JSON.stringify(user.api)}`);
        firstDumpUser = false;
      }
      // Plaintexts for every password that imports; a trap duplicate's identifier would be ambiguous.
      if (pooled && plaintexts && !dup) {
        await plaintexts.write(`${csvField((user.email ?? user.username ?? user.id).trim())},${csvField(pooled.plaintext)},${csvField(user.row.totp_secret)}\n`);
      }

      if (rng.chance(0.6) || i === traps.orphanMembershipAt) {
        members.add(i, i === traps.orphanMembershipAt ? -1 : rng.int(0, orgCount), rng.chance(0.15));
        if (i === traps.orphanMembershipAt) trapCounts.orphanMemberships++;
      }
      if (options.onProgress && (i + 1) % 10_000 === 0) options.onProgress(i + 1);
    }
    if (rows.length > 0 || !headerWritten) await flushRows(!headerWritten);
    await csv.close();

    await dump.write('\n],\n"organizations":[');
    for (let o = 0; o < organizations.length; o++) await dump.write(`${o === 0 ? '\n' : ',\n'}${JSON.stringify(organizations[o])}`);
    await dump.write('\n],\n"memberships":[');
    const missingOrg = clerkId(rng, 'org');
    for (let m = 0; m < members.count; m++) {
      const orgIndex = members.org[m]!;
      const membership = {
        role: members.admin[m] ? 'org:admin' : 'org:member',
        organization: { id: orgIndex < 0 ? missingOrg : organizations[orgIndex]!.id },
        public_user_data: { user_id: userIdFor(options.seed, members.user[m]!) },
      };
      await dump.write(`${m === 0 ? '\n' : ',\n'}${JSON.stringify(membership)}`);
    }
    await dump.write('\n]}\n');
    await dump.close();
    await plaintexts?.close();
  } catch (e) {
    csv.destroy();
    dump.destroy();
    plaintexts?.destroy();
    throw e;
  }
  options.onProgress?.(options.users);
  return {
    files: [
      { role: 'export', path: options.out },
      { role: 'api-dump', path: dumpPath },
      ...(options.plaintexts ? [{ role: 'plaintexts' as const, path: options.plaintexts }] : []),
    ],
    users: options.users,
    organizations: orgCount,
    traps: trapCounts,
  };
}

class MembershipColumns {
  user: Int32Array;
  org: Int32Array;
  admin: Uint8Array;
  count = 0;
  constructor(capacity: number) {
    this.user = new Int32Array(capacity);
    this.org = new Int32Array(capacity);
    this.admin = new Uint8Array(capacity);
  }
  add(userIndex: number, orgIndex: number, admin: boolean): void {
    if (this.count === this.user.length) {
      const grow = <T extends Int32Array | Uint8Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.user = grow(this.user);
      this.org = grow(this.org);
      this.admin = grow(this.admin);
    }
    this.user[this.count] = userIndex;
    this.org[this.count] = orgIndex;
    this.admin[this.count] = admin ? 1 : 0;
    this.count++;
  }
}
