import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CanonicalUser, Organization } from '../../model/user.js';
import { isFlaglessError } from '../../protocol/errors.js';
import type { Problem } from '../../protocol/problem.js';
import type { SourceOptions } from '../../protocol/source.js';
import { generate, source } from './index.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'flagless-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Read {
  users: { user: CanonicalUser; line: number | undefined }[];
  organizations: Organization[];
  problems: Problem[];
}

async function readAll(options: SourceOptions): Promise<Read> {
  const out: Read = { users: [], organizations: [], problems: [] };
  for await (const item of source.open(options).read()) {
    if (item.type === 'user') out.users.push({ user: item.user, line: item.line });
    else if (item.type === 'organization') out.organizations.push(item.organization);
    else out.problems.push(item.problem);
  }
  return out;
}

async function firstStepFails(options: SourceOptions, code: string, text?: RegExp): Promise<void> {
  const it = source.open(options).read()[Symbol.asyncIterator]();
  await assert.rejects(it.next(), (e: unknown) => isFlaglessError(e) && e.code === code && (!text || text.test(e.message)));
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const U1 = { Username: 'alice', Attributes: [{ Name: 'sub', Value: 's-1' }, { Name: 'email', Value: 'a@example.com' }, { Name: 'email_verified', Value: 'true' }], UserCreateDate: 1622935709.457, Enabled: true, UserStatus: 'CONFIRMED' };
const U2 = { Username: 'bob', Attributes: [{ Name: 'sub', Value: 's-2' }, { Name: 'email', Value: 'b@example.com' }], UserCreateDate: '2021-06-05T23:28:29.457000+00:00', Enabled: false, UserStatus: 'FORCE_CHANGE_PASSWORD' };
/** The line a pretty-printed element starts on: the `{` line before its Username. */
function startLine(text: string, username: string): number {
  const lines = text.split('\n');
  return lines.findIndex((l) => l.includes(`"Username": "${username}"`) || l.includes(`"Username": ${username},`));
}

const U3 = { Username: 'carol', Attributes: [{ Name: 'sub', Value: 's-3' }, { Name: 'email', Value: 'c@example.com' }], Enabled: true, UserStatus: 'UNCONFIRMED' };

describe('cognito source: the saved forms it accepts', () => {
  it('one ListUsers response as the AWS CLI prints it', async () => {
    const text = JSON.stringify({ Users: [U1, U2, U3] }, null, 4);
    const file = write('page.json', text);
    const { users, problems } = await readAll({ file });
    assert.deepEqual(problems, []);
    assert.equal(startLine(text, 'alice'), 3);
    assert.deepEqual(users.map((u) => [u.user.sourceId, u.line]), ['alice', 'bob', 'carol'].map((n) => [n, startLine(text, n)]));
    assert.equal(users[0]?.user.createdAt, '2021-06-05T23:28:29.457Z');
    assert.equal(users[1]?.user.createdAt, '2021-06-05T23:28:29.457Z');
    assert.equal(users[1]?.user.disabled, true);
  });

  it('the SDK output saved with JSON.stringify ($metadata first, PaginationToken)', async () => {
    const file = write('sdk.json', JSON.stringify({ $metadata: { httpStatusCode: 200 }, PaginationToken: 'tok', Users: [U1, U2] }));
    assert.deepEqual((await readAll({ file })).users.map((u) => u.user.sourceId), ['alice', 'bob']);
  });

  it('an array of pages, NDJSON of pages, NDJSON of users, an array of users', async () => {
    const forms: Record<string, string> = {
      'pages.json': JSON.stringify([{ Users: [U1], PaginationToken: 'x' }, { Users: [U2, U3] }], null, 2),
      'pages.ndjson': `${JSON.stringify({ Users: [U1, U2] })}\n${JSON.stringify({ Users: [U3] })}\n`,
      'users.ndjson': [U1, U2, U3].map((u) => JSON.stringify(u)).join('\n'),
      'users-array.json': JSON.stringify([U1, U2, U3], null, 2),
    };
    for (const [name, text] of Object.entries(forms)) {
      const { users, problems } = await readAll({ file: write(name, text) });
      assert.deepEqual(problems, [], name);
      assert.deepEqual(users.map((u) => u.user.sourceId), ['alice', 'bob', 'carol'], name);
    }
  });

  it('joins groups from --api-dump: organizations first, memberships on users, orphans reported', async () => {
    const file = write('g-users.json', JSON.stringify({ Users: [U1, U2] }, null, 4));
    const apiDump = write(
      'g-dump.json',
      JSON.stringify({
        groups: [{ GroupName: 'admin', Description: 'Admins', Precedence: 1 }, { GroupName: 'tenant-acme' }],
        memberships: [
          { GroupName: 'admin', Username: 'alice' },
          { GroupName: 'tenant-acme', Username: 'alice' },
          { GroupName: 'tenant-acme', Username: 'zed' },
          { GroupName: 'ghosts', Username: 'bob' },
        ],
      }),
    );
    const items: string[] = [];
    for await (const item of source.open({ file, apiDump }).read()) items.push(item.type);
    assert.ok(items.indexOf('organization') < items.indexOf('user'), 'organizations come first');
    const { users, organizations, problems } = await readAll({ file, apiDump });
    assert.deepEqual(organizations.map((o) => [o.sourceId, o.metadata]), [['admin', { description: 'Admins', precedence: 1 }], ['tenant-acme', {}]]);
    assert.deepEqual(users[0]?.user.memberships.map((m) => m.organizationId), ['admin', 'tenant-acme']);
    assert.deepEqual(users[1]?.user.memberships, []);
    assert.deepEqual(problems.map((p) => [p.code, p.sourceId, p.file]), [
      ['E_MEMBERSHIP_ORPHAN', undefined, apiDump],
      ['E_MEMBERSHIP_ORPHAN', 'zed', apiDump],
    ]);
  });
});

describe('cognito source: bad input', () => {
  it('a malformed user mid-file is reported with its line; the others are read', async () => {
    const text = JSON.stringify({ Users: [U1, U2, U3] }, null, 4).replace('"Username": "bob",', '"Username": bob,');
    const { users, problems } = await readAll({ file: write('bad.json', text) });
    assert.deepEqual(users.map((u) => u.user.sourceId), ['alice', 'carol']);
    assert.deepEqual(problems.map((p) => [p.code, p.line]), [['E_SOURCE_PARSE', startLine(text, 'bob')]]);
  });

  it('an unterminated string mid-file: reading goes on at the next user', async () => {
    const text = JSON.stringify({ Users: [U1, U2, U3] }, null, 4).replace('"b@example.com"', '"b@example.com');
    const { users, problems } = await readAll({ file: write('unterminated.json', text) });
    assert.deepEqual(users.map((u) => u.user.sourceId), ['alice', 'carol']);
    assert.deepEqual(problems.map((p) => [p.code, p.line]), [['E_SOURCE_PARSE', startLine(text, 'bob')]]);
  });

  it('duplicate Usernames: E_DUPLICATE_ID', async () => {
    const { users, problems } = await readAll({ file: write('dup.ndjson', [U1, U2, U1].map((u) => JSON.stringify(u)).join('\n')) });
    assert.equal(users.length, 2);
    assert.deepEqual(problems.map((p) => [p.code, p.sourceId, p.line]), [['E_DUPLICATE_ID', 'alice', 3]]);
  });

  it('empty, unreadable, wrong vendor: errors on the first step', async () => {
    await firstStepFails({ file: write('empty.json', '') }, 'E_INPUT_EMPTY');
    await firstStepFails({ file: write('blank.json', '\n \n') }, 'E_INPUT_EMPTY');
    await firstStepFails({ file: join(dir, 'missing.json') }, 'E_INPUT_UNREADABLE');
    await firstStepFails({ file: dir }, 'E_INPUT_UNREADABLE');
    // The reader knows only its own format; which vendor a file is, the CLI says from every connector's sniff.
    const notCognito = /is not saved Cognito ListUsers output .*--from/;
    const firebase = write('fb.json', '{"users": [\n{\n  "localId": "x"\n}]}');
    const auth0 = write('a0.ndjson', '{"user_id":"auth0|1","email":"a@b.c"}\n');
    await firstStepFails({ file: firebase }, 'E_WRONG_VENDOR', notCognito);
    await firstStepFails({ file: write('clerk.csv', 'id,first_name,last_name,username,primary_email_address,password_digest\n') }, 'E_WRONG_VENDOR', notCognito);
    await firstStepFails({ file: auth0 }, 'E_WRONG_VENDOR', notCognito);
    await firstStepFails({ file: write('ok.json', JSON.stringify({ Users: [U1] })), apiDump: join(dir, 'no-dump.json') }, 'E_INPUT_UNREADABLE');
    await firstStepFails({}, 'E_USAGE');
  });

  it('not JSON at all: one E_SOURCE_PARSE problem', async () => {
    const { users, problems } = await readAll({ file: write('x.txt', 'Username,Email\nalice,a@b.c\n') });
    assert.equal(users.length, 0);
    assert.deepEqual(problems.map((p) => [p.code, p.line]), [['E_SOURCE_PARSE', 1]]);
  });

  it('sniff: own formats yes, the other vendors no', () => {
    assert.equal(source.sniff('{\n    "Users": [\n'), true);
    assert.equal(source.sniff('{"Username":"a","Attributes":[],"UserStatus":"CONFIRMED"}'), true);
    assert.equal(source.sniff('{"users": [\n{\n  "localId": "x"'), false);
    assert.equal(source.sniff('id,first_name,last_name,username,primary_email_address,password_digest\n'), false);
    assert.equal(source.sniff('{"user_id":"auth0|1","username":"a"}\n'), false);
  });
});

describe('cognito generate', () => {
  it('writes a ListUsers document and an api-dump that read back with their traps', async () => {
    const out = join(dir, 'gen.json');
    const res = await generate({ users: 5000, out, seed: 3, plaintexts: join(dir, 'gen-logins.csv') });
    assert.deepEqual(res.files.map((f) => f.role), ['export', 'api-dump', 'plaintexts']);
    assert.equal(readFileSync(join(dir, 'gen-logins.csv'), 'utf8'), 'identifier,password\n', 'no hashes, so no plaintexts: the header only');
    const parsed = JSON.parse(readFileSync(out, 'utf8')) as { Users: unknown[] };
    assert.equal(parsed.Users.length, 5000);
    const text = readFileSync(out, 'utf8');
    assert.equal(text, `${JSON.stringify(parsed, null, 4)}\n`, 'laid out as the AWS CLI prints JSON (4-space indent)');

    const { users, organizations, problems } = await readAll({ file: out, apiDump: res.files[1]!.path });
    assert.equal(users.length, 5000);
    assert.equal(organizations.length, res.organizations);
    const byStatus = new Map<string, number>();
    for (const { user } of users) byStatus.set(user.sourceStatus ?? '', (byStatus.get(user.sourceStatus ?? '') ?? 0) + 1);
    for (const s of ['CONFIRMED', 'UNCONFIRMED', 'FORCE_CHANGE_PASSWORD', 'RESET_REQUIRED', 'EXTERNAL_PROVIDER']) assert.ok((byStatus.get(s) ?? 0) > 0, s);
    assert.equal(users.filter((u) => u.user.identities.length > 0).length, res.traps.federated);
    assert.ok(users.every((u) => u.user.passwordPlan === (u.user.sourceStatus === 'EXTERNAL_PROVIDER' ? 'none' : 'jit')));
    assert.ok(users.some((u) => u.user.memberships.length > 0));
    assert.ok(users.some((u) => u.user.disabled));
    assert.ok(users.some((u) => u.user.mfa.some((f) => f.kind === 'sms')));
    const normalized = new Map<string, number>();
    for (const { user } of users) for (const e of user.emails) normalized.set(e.normalized, (normalized.get(e.normalized) ?? 0) + 1);
    assert.equal([...normalized.values()].filter((c) => c > 1).length, res.traps.duplicateEmailGroups);
    assert.equal(problems.filter((p) => p.code === 'E_NO_EMAIL').length, res.traps.phoneOnly);
    assert.equal(problems.filter((p) => p.code === 'E_MEMBERSHIP_ORPHAN').length, res.traps.membershipOrphans);
  });
});
