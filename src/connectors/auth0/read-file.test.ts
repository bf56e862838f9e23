import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { hashPassword, verifyPassword } from '../../model/password/index.js';
import type { CanonicalUser, Organization } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { Problem } from '../../protocol/problem.js';
import type { SourceOptions } from '../../protocol/source.js';
import { source } from './index.js';

interface Read {
  users: (CanonicalUser & { line?: number })[];
  organizations: Organization[];
  problems: Problem[];
}

async function readAll(options: SourceOptions): Promise<Read> {
  const out: Read = { users: [], organizations: [], problems: [] };
  for await (const item of source.open(options).read()) {
    if (item.type === 'user') out.users.push({ ...item.user, ...(item.line ? { line: item.line } : {}) });
    else if (item.type === 'organization') out.organizations.push(item.organization);
    else out.problems.push(item.problem);
  }
  return out;
}

async function rejectsWith(options: SourceOptions, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(readAll(options), (e: unknown) => {
    assert.ok(e instanceof FlaglessError, `expected FlaglessError ${code}, got ${String(e)}`);
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

const ndjson = (rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
const OID_A = '5dea9f9c82dd7c0e76e4ec93';
const OID_B = '60425da93519d90068f82966';
const OID_ORPHAN = '60425da93519d90068f82999';

describe('auth0 file reader', () => {
  let dir: string;
  let hashA: string;
  let hashAlt: string;
  const users = (...extra: unknown[]) => [
    { user_id: `auth0|${OID_A}`, email: 'a@example.com', email_verified: true, identities: [{ connection: 'Username-Password-Authentication', provider: 'auth0', user_id: OID_A, isSocial: false }] },
    { user_id: `auth0|${OID_B}`, email: 'b@example.com', identities: [{ connection: 'Username-Password-Authentication', provider: 'auth0', user_id: OID_B, isSocial: false }] },
    { user_id: 'auth0|euclid', email: 'euclid@example.com', identities: [{ provider: 'auth0', user_id: 'euclid', connection: 'legacy-db', isSocial: false }] },
    { user_id: 'google-oauth2|1098', email: 'g@example.com', identities: [{ provider: 'google-oauth2', user_id: '1098', connection: 'google-oauth2', isSocial: true }] },
    ...extra,
  ];
  const passwordRecord = (oid: string, hash: string, extra: Record<string, unknown> = {}) => ({
    _id: { $oid: oid },
    email_verified: true,
    email: 'x@example.com',
    passwordHash: hash,
    password_set_date: { $date: '2019-12-06T18:36:12.412Z' },
    tenant: 'flagless-test',
    connection: 'Username-Password-Authentication',
    _tmp_is_unique: true,
    ...extra,
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flagless-auth0-'));
    hashA = (await hashPassword('bcrypt', 'password-a', { cost: 4 })).phc.reveal();
    hashAlt = (await hashPassword('bcrypt', 'password-euclid', { cost: 4 })).phc.reveal();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, text: string | Buffer): string {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  }

  it('joins password records on auth0|<_id.$oid> and on alt_id, and reports both kinds of orphan with their lines', async () => {
    const file = write('join-users.ndjson', ndjson(users()));
    const passwords = write(
      'join-passwords.ndjson',
      ndjson([passwordRecord(OID_A, hashA), passwordRecord(OID_ORPHAN, hashA), passwordRecord('6042aaaaaaaaaaaaaaaaaaaa', hashAlt, { alt_id: 'euclid' })]),
    );
    const r = await readAll({ file, passwords });
    const byId = new Map(r.users.map((u) => [u.sourceId, u]));
    assert.equal(r.users.length, 4);
    assert.equal(byId.get(`auth0|${OID_A}`)?.passwordPlan, 'import');
    assert.equal(await verifyPassword(byId.get(`auth0|${OID_A}`)!.password!, 'password-a'), true);
    assert.equal(await verifyPassword(byId.get('auth0|euclid')!.password!, 'password-euclid'), true, 'alt_id joins auth0|<alt_id>');
    assert.equal(byId.get(`auth0|${OID_B}`)?.passwordPlan, 'jit');
    assert.equal(byId.get('google-oauth2|1098')?.passwordPlan, 'none');
    const missing = r.problems.filter((p) => p.code === 'E_PASSWORD_MISSING');
    assert.deepEqual(missing.map((p) => [p.sourceId, p.file, p.line, p.severity]), [[`auth0|${OID_B}`, file, 2, 'warning']]);
    const orphans = r.problems.filter((p) => p.code === 'E_PASSWORD_ORPHAN');
    assert.deepEqual(orphans.map((p) => [p.sourceId, p.file, p.line]), [[`auth0|${OID_ORPHAN}`, passwords, 2]]);
    const text = JSON.stringify(r);
    assert.ok(!text.includes(hashA) && !text.includes(hashAlt), 'no hash in serialised users or problems');
  });

  it('reads past a broken line mid-file, counting blank lines, and reports it with file and line', async () => {
    const rows = users();
    const file = write('broken.ndjson', [JSON.stringify(rows[0]), '', '{"user_id":"auth0|broken", "email": ', '   ', JSON.stringify(rows[1]), '[1,2]', JSON.stringify(rows[3])].join('\r\n') + '\r\n');
    const r = await readAll({ file });
    assert.deepEqual(r.users.map((u) => [u.sourceId, u.line]), [
      [`auth0|${OID_A}`, 1],
      [`auth0|${OID_B}`, 5],
      ['google-oauth2|1098', 7],
    ]);
    assert.deepEqual(r.problems.map((p) => [p.code, p.file, p.line]), [
      ['E_SOURCE_PARSE', file, 3],
      ['E_SOURCE_PARSE', file, 6],
    ]);
    assert.ok(!r.problems[0]!.message.includes('auth0|broken'), 'the broken text is not echoed');
  });

  it('reports a second record with the same user_id and keeps the first', async () => {
    const rows = users();
    const file = write('dup.ndjson', ndjson([rows[0], rows[3], { ...(rows[0] as object), email: 'other@example.com' }, rows[1], rows[1]]));
    const passwords = write('dup-passwords.ndjson', ndjson([passwordRecord(OID_A, hashA)]));
    // Without a password file the id set finds them; with one, the password index does for
    // database users that have a record (OID_A), and the id set for the others (OID_B).
    for (const options of [{ file }, { file, passwords }]) {
      const r = await readAll(options);
      assert.equal(r.users.length, 3);
      assert.equal(r.users[0]!.emails[0]!.address, 'a@example.com');
      const dups = r.problems.filter((p) => p.code === 'E_DUPLICATE_ID');
      assert.deepEqual(dups.map((p) => [p.sourceId, p.line]), [
        [`auth0|${OID_A}`, 3],
        [`auth0|${OID_B}`, 5],
      ]);
      assert.match(dups[0]!.message, /first on line 1/);
      assert.match(dups[1]!.message, /first on line 4/);
    }
  });

  it('reads a gzipped export as the export job delivers it', async () => {
    const file = write('tenant.json.gz', gzipSync(ndjson(users())));
    const r = await readAll({ file });
    assert.equal(r.users.length, 4);
  });

  it('an unusable hash is reported at its password-file line; the user still moves (JIT)', async () => {
    const file = write('badhash-users.ndjson', ndjson(users()));
    const passwords = write('badhash-passwords.ndjson', ndjson([passwordRecord(OID_B, hashA), passwordRecord(OID_A, '$6$rounds=5000$salt$abcdefghijklmnop')]));
    const r = await readAll({ file, passwords });
    const a = r.users.find((u) => u.sourceId === `auth0|${OID_A}`);
    assert.equal(a?.passwordPlan, 'jit');
    const bad = r.problems.find((p) => p.code === 'E_HASH_UNSUPPORTED');
    assert.deepEqual([bad?.file, bad?.line, bad?.sourceId], [passwords, 2, `auth0|${OID_A}`]);
    assert.ok(!bad!.message.includes('abcdefghijklmnop'));
  });

  it('reports broken and keyless lines of the password file and keeps reading it', async () => {
    const file = write('pwbroken-users.ndjson', ndjson(users()));
    const passwords = write('pwbroken-passwords.ndjson', ndjson(['{"_id":', { email: 'nokey@example.com', passwordHash: hashA }, passwordRecord(OID_A, hashA), passwordRecord(OID_A, hashAlt)]));
    const r = await readAll({ file, passwords });
    assert.deepEqual(
      r.problems.filter((p) => p.file === passwords).map((p) => [p.code, p.line]),
      [
        ['E_SOURCE_PARSE', 1],
        ['E_SOURCE_FIELD', 2],
        ['E_DUPLICATE_ID', 4],
      ],
    );
    assert.equal(await verifyPassword(r.users.find((u) => u.sourceId === `auth0|${OID_A}`)!.password!, 'password-a'), true, 'the first record wins');
  });

  it('joins organizations, memberships with roles and API fields from an API dump', async () => {
    const file = write('dump-users.ndjson', ndjson(users()));
    const apiDump = write(
      'dump.json',
      JSON.stringify({
        users: [{ user_id: 'google-oauth2|1098', email: 'api@example.com', user_metadata: { locale: 'fr' }, app_metadata: { plan: 'team' } }],
        organizations: [{ id: 'org_1', name: 'acme', display_name: 'Acme', metadata: { tier: 'pro' } }, { id: 'org_2', name: 'globex', display_name: 'Globex' }],
        memberships: [
          { organization_id: 'org_1', user_id: `auth0|${OID_A}`, roles: [{ id: 'rol_1', name: 'admin' }, { id: 'rol_2', name: 'member' }] },
          { organization_id: 'org_2', user_id: `auth0|${OID_A}`, roles: [] },
          { organization_id: 'org_1', user_id: 'google-oauth2|1098', roles: [{ id: 'rol_2', name: 'member' }] },
          { organization_id: 'org_9', user_id: `auth0|${OID_B}`, roles: [] },
        ],
      }),
    );
    const r = await readAll({ file, apiDump });
    assert.deepEqual(r.organizations.map((o) => [o.sourceId, o.name, o.slug]), [
      ['org_1', 'Acme', 'acme'],
      ['org_2', 'Globex', 'globex'],
    ]);
    const byId = new Map(r.users.map((u) => [u.sourceId, u]));
    assert.deepEqual(byId.get(`auth0|${OID_A}`)?.memberships, [
      { organizationId: 'org_1', roles: ['admin', 'member'] },
      { organizationId: 'org_2', roles: [] },
    ]);
    const g = byId.get('google-oauth2|1098');
    assert.deepEqual(g?.memberships, [{ organizationId: 'org_1', roles: ['member'] }]);
    assert.equal(g?.emails[0]?.address, 'g@example.com', 'the export wins over the dump');
    assert.deepEqual(g?.metadata, { public: { locale: 'fr' }, private: { plan: 'team' } }, 'the dump fills what the export lacks');
    assert.deepEqual(byId.get(`auth0|${OID_B}`)?.memberships, []);
    const orphan = r.problems.find((p) => p.code === 'E_MEMBERSHIP_ORPHAN');
    assert.equal(orphan?.sourceId, `auth0|${OID_B}`);
  });

  it('reads the users of an API dump when no export file is given', async () => {
    const apiDump = write('dump-only.json', JSON.stringify({ users: users(), organizations: [], memberships: [] }));
    const r = await readAll({ apiDump });
    assert.equal(r.users.length, 4);
  });

  it('fails on an empty or blank file, an unreadable path and a broken dump', async () => {
    await rejectsWith({ file: write('empty.ndjson', '') }, 'E_INPUT_EMPTY');
    await rejectsWith({ file: write('blank.ndjson', '\n  \n\n') }, 'E_INPUT_EMPTY');
    await rejectsWith({ file: join(dir, 'missing.ndjson') }, 'E_INPUT_UNREADABLE', /no such file/);
    mkdirSync(join(dir, 'a-directory'));
    await rejectsWith({ file: join(dir, 'a-directory') }, 'E_INPUT_UNREADABLE', /not a file/);
    const file = write('ok.ndjson', ndjson(users()));
    await rejectsWith({ file, passwords: join(dir, 'missing-passwords.ndjson') }, 'E_INPUT_UNREADABLE', /password file/);
    await rejectsWith({ file, apiDump: write('broken-dump.json', '{\n"users": [{"email":"private@example.com"\n}') }, 'E_SOURCE_PARSE', /^(?!.*private@example\.com).*not valid JSON/s);
    await rejectsWith({}, 'E_USAGE');
  });

  it("names the vendor of another vendor's file, and the password file given as the export", async () => {
    // The reader knows only its own format; which vendor a file is, the CLI says from every connector's sniff.
    const notAuth0 = /is not an Auth0 users-export NDJSON .*--from/;
    const firebase = write('firebase.json', JSON.stringify({ users: [{ localId: 'abc', email: 'a@b.c' }] }, null, 2));
    const cognito = write('cognito.json', JSON.stringify({ Users: [{ Username: 'abc', UserStatus: 'CONFIRMED' }] }));
    await rejectsWith({ file: firebase }, 'E_WRONG_VENDOR', notAuth0);
    await rejectsWith({ file: cognito }, 'E_WRONG_VENDOR', notAuth0);
    await rejectsWith({ file: write('clerk.csv', 'id,first_name,last_name,username,primary_email_address\nuser_1,A,B,,a@b.c\n') }, 'E_WRONG_VENDOR', notAuth0);
    await rejectsWith({ file: write('passwords-as-file.ndjson', ndjson([passwordRecord(OID_A, hashA)])) }, 'E_USAGE', /--passwords/);
    const file = write('users-ok.ndjson', ndjson(users()));
    await rejectsWith({ file, passwords: file }, 'E_USAGE', /--file/);
  });
});
