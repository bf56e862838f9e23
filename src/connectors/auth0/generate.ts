/**
 * `flagless generate auth0`: a users-export NDJSON, the support password file next to it
 * (`<base>.passwords.ndjson`) and a Management API dump (`<base>.api.json`) with organizations,
 * memberships and roles. Everything streams with backpressure; hashes are real bcrypt from a
 * small pool reused round-robin, so a million users take seconds and every hash verifies.
 */
import { buildHashPool } from '../../lib/fake/hash-pool.js';
import { Prng } from '../../lib/fake/prng.js';
import { csvField } from '../../lib/io/csv-field.js';
import { sidePath } from '../../lib/io/side-path.js';
import { TextFileWriter } from '../../lib/io/text-writer.js';
import type { GenerateOptions, GenerateResult } from '../../protocol/generate.js';
import { caseVariant, isDatabaseKind, makeMemberships, makeOrganization, makePasswordRecord, makeUser, objectId, ROLES, TENANT, DATABASE_CONNECTION } from './generate-records.js';
import type { Auth0Organization } from './types.js';

const HASH_POOL_SIZE = 16;
/** `users.ndjson` → `users.<side>`: the side files are named after the export. */
const EXPORT_EXTENSION = /\.(nd)?json(\.gz)?$/i;

interface TrapPlan {
  /** Later index → earlier index whose email it repeats with different case. */
  duplicateOf: Map<number, number>;
  /** From this index on, the first database user gets no password record. */
  missingPasswordFrom: number;
  orphanPasswords: number;
}

function planTraps(users: number, clean: boolean): TrapPlan {
  if (clean || users < 20) return { duplicateOf: new Map(), missingPasswordFrom: Number.POSITIVE_INFINITY, orphanPasswords: 0 };
  const at = (f: number) => Math.floor(users * f);
  return {
    duplicateOf: new Map([
      [at(0.6), at(0.1)],
      [at(0.7), at(0.2)],
    ]),
    missingPasswordFrom: at(0.5),
    orphanPasswords: 1,
  };
}

export async function generateAuth0Export(options: GenerateOptions): Promise<GenerateResult> {
  const rng = new Prng(options.seed);
  const passwordsPath = sidePath(options.out, 'passwords.ndjson', EXPORT_EXTENSION);
  const apiPath = sidePath(options.out, 'api.json', EXPORT_EXTENSION);
  const traps = planTraps(options.users, options.clean === true);
  const pool = await buildHashPool('bcrypt', HASH_POOL_SIZE, rng, { cost: 10 });

  const organizations: Auth0Organization[] = [];
  const orgCount = Math.max(3, Math.round(options.users / 20));
  for (let i = 0; i < orgCount; i++) organizations.push(makeOrganization(rng, i));

  const users = new TextFileWriter(options.out);
  const passwords = new TextFileWriter(passwordsPath);
  const api = new TextFileWriter(apiPath);
  const plaintexts = options.plaintexts ? new TextFileWriter(options.plaintexts) : undefined;
  const writers = [users, passwords, api, ...(plaintexts ? [plaintexts] : [])];
  const trapCounts = { duplicateEmailGroups: 0, passwordsWithoutUser: 0, usersWithoutPasswordRecord: 0 };
  try {
    // The dump: organizations up front, memberships streamed as users are made. Its `users` stays
    // empty: the export file carries them, the dump adds what the export job cannot give.
    api.add(`{"organizations":[\n${organizations.map((o) => JSON.stringify(o)).join(',\n')}\n],\n"roles":${JSON.stringify(ROLES)},\n"memberships":[`);
    let firstMembership = true;
    plaintexts?.add('identifier,password\n');
    const emailsForTraps = new Map<number, string>();
    const wantedEmails = new Set(traps.duplicateOf.values());
    let missingPlanted = false;
    let poolAt = 0;

    for (let i = 0; i < options.users; i++) {
      const earlier = traps.duplicateOf.get(i);
      const duplicateEmail = earlier !== undefined ? emailsForTraps.get(earlier) : undefined;
      const user = makeUser(rng, i, duplicateEmail ? caseVariant(duplicateEmail) : undefined);
      if (duplicateEmail) trapCounts.duplicateEmailGroups++;
      if (wantedEmails.has(i)) emailsForTraps.set(i, user.record.email!);
      users.add(`${JSON.stringify(user.record)}\n`);

      if (isDatabaseKind(user.kind)) {
        if (!missingPlanted && i >= traps.missingPasswordFrom) {
          missingPlanted = true; // a database user whose password record is missing
          trapCounts.usersWithoutPasswordRecord++;
        } else {
          const pooled = pool[poolAt++ % pool.length]!;
          passwords.add(`${JSON.stringify(makePasswordRecord(rng, user, i, pooled.hash.phc.reveal()))}\n`);
          // The case-variant copies stay out of the logins file: their identifier is ambiguous.
          if (!duplicateEmail) plaintexts?.add(`${csvField(user.record.email!)},${csvField(pooled.plaintext)}\n`);
        }
      }
      for (const m of makeMemberships(rng, user.record.user_id!, organizations)) {
        api.add(`${firstMembership ? '\n' : ',\n'}${JSON.stringify(m)}`);
        firstMembership = false;
      }
      for (const w of writers) if (w.full) await w.flush();
      if (options.onProgress && (i + 1) % 10_000 === 0) options.onProgress(i + 1);
    }
    for (let k = 0; k < traps.orphanPasswords; k++) {
      // A password record whose user was deleted after the support export: no user has this id.
      const orphanId = objectId(rng, options.users + 1 + k);
      const pooled = pool[poolAt++ % pool.length]!;
      const record = { _id: { $oid: orphanId }, email_verified: true, email: `deleted.user.${k}@example.com`, passwordHash: pooled.hash.phc.reveal(), password_set_date: { $date: '2021-03-05T12:00:00.000Z' }, tenant: TENANT, connection: DATABASE_CONNECTION, _tmp_is_unique: true };
      passwords.add(`${JSON.stringify(record)}\n`);
      trapCounts.passwordsWithoutUser++;
    }
    api.add('\n],\n"users":[]}\n');
    for (const w of writers) await w.close();
  } catch (e) {
    for (const w of writers) w.destroy();
    throw e;
  }
  options.onProgress?.(options.users);
  return {
    files: [
      { role: 'export', path: options.out },
      { role: 'passwords', path: passwordsPath },
      { role: 'api-dump', path: apiPath },
      ...(options.plaintexts ? [{ role: 'plaintexts' as const, path: options.plaintexts }] : []),
    ],
    users: options.users,
    organizations: organizations.length,
    traps: trapCounts,
  };
}
