import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { verifyPassword } from '../../model/password/index.js';
import type { CanonicalUser, Organization } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { Problem } from '../../protocol/problem.js';
import type { SourceOptions } from '../../protocol/source.js';
import { source } from './index.js';

const HEADER =
  'id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher';

interface Read {
  users: CanonicalUser[];
  lines: Map<string, number>;
  organizations: Organization[];
  problems: Problem[];
}

async function readAll(options: SourceOptions): Promise<Read> {
  const out: Read = { users: [], lines: new Map(), organizations: [], problems: [] };
  for await (const item of source.open(options).read()) {
    if (item.type === 'user') {
      out.users.push(item.user);
      if (item.line) out.lines.set(item.user.sourceId, item.line);
    } else if (item.type === 'organization') out.organizations.push(item.organization);
    else out.problems.push(item.problem);
  }
  return out;
}

async function expectError(options: SourceOptions, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(readAll(options), (e: unknown) => {
    assert.ok(e instanceof FlaglessError, `a FlaglessError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe('clerk CSV export', () => {
  let dir: string;
  let bcrypt: string;
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flagless-clerk-'));
    bcrypt = await bcryptHash('hunter2-hunter2', 4);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('maps every column: quoting, multi-valued cells, verified flags, one primary, TOTP, hashes', async () => {
    const rows = [
      HEADER,
      // Names with a comma, doubled quotes and a newline inside quotes; two verified emails, one unverified.
      `user_2aaa,"Ada ""Countess""","Lovelace, Jr.",ada,Ada@Example.com,+15550000001,"Ada@Example.com|ada.alt@example.net",old@example.org,+15550000001,+15550000002,JBSWY3DPEHPK3PXP,${bcrypt},bcrypt`,
      `user_2bbb,"Multi`,
      `Line",Name,,,,,,,,,,`,
      // Phone only, no password; the primary phone is listed as verified.
      `user_2ccc,,,,,+15550000003,,,+15550000003,,,,`,
      // No primary column: the first verified address becomes primary. Comma-separated list.
      `user_2ddd,Grace,Hopper,,,,"g1@example.com,g2@example.com",,,,,,`,
    ];
    const r = await readAll({ file: file('full.csv', rows.join('\n') + '\n') });
    assert.equal(r.users.length, 4);
    const [ada, multi, phone, grace] = r.users as [CanonicalUser, CanonicalUser, CanonicalUser, CanonicalUser];

    assert.equal(ada.sourceId, 'user_2aaa');
    assert.equal(ada.firstName, 'Ada "Countess"');
    assert.equal(ada.lastName, 'Lovelace, Jr.');
    assert.equal(ada.username, 'ada');
    assert.deepEqual(
      ada.emails.map((e) => [e.address, e.normalized, e.verified, e.primary]),
      [
        ['Ada@Example.com', 'ada@example.com', true, true],
        ['ada.alt@example.net', 'ada.alt@example.net', true, false],
        ['old@example.org', 'old@example.org', false, false],
      ],
    );
    assert.deepEqual(
      ada.phones.map((p) => [p.number, p.verified, p.primary]),
      [
        ['+15550000001', true, true],
        ['+15550000002', false, false],
      ],
    );
    assert.equal(ada.passwordPlan, 'import');
    assert.equal(await verifyPassword(ada.password!, 'hunter2-hunter2'), true);
    assert.equal(ada.mfa.length, 1);
    assert.equal(ada.mfa[0]!.kind, 'totp');
    assert.equal(ada.mfa[0]!.secret!.reveal(), 'JBSWY3DPEHPK3PXP');
    assert.ok(!JSON.stringify(ada).includes('JBSWY3DPEHPK3PXP'), 'the TOTP secret is redacted in JSON');
    assert.ok(!JSON.stringify(ada).includes(bcrypt), 'the hash is redacted in JSON');

    assert.equal(multi.firstName, 'Multi\nLine');
    assert.equal(r.lines.get('user_2bbb'), 3, 'a multi-line row is reported at the line it starts on');
    assert.equal(r.lines.get('user_2ccc'), 5);

    assert.equal(phone.emails.length, 0);
    assert.equal(phone.passwordPlan, 'none');
    assert.deepEqual(phone.phones, [{ number: '+15550000003', verified: true, primary: true }]);

    assert.deepEqual(
      grace.emails.map((e) => [e.address, e.primary]),
      [
        ['g1@example.com', true],
        ['g2@example.com', false],
      ],
    );
    // user_2bbb has no email, phone or username.
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.severity, p.sourceId, p.line]),
      [['E_NO_EMAIL', 'warning', 'user_2bbb', 3]],
    );
  });

  it('a broken quote mid-file is one problem on its line; every other row is read', async () => {
    const good = (n: number) => `user_2g${n},First${n},Last${n},,u${n}@example.com,,u${n}@example.com,,,,,,`;
    const lines = [HEADER, good(1), good(2), `user_2bad1,"Unclosed,Quote,,bad1@example.com,,,,,,,,`, good(3), good(4), `user_2bad2,"Closed"x,L,,bad2@example.com,,,,,,,,`, good(5), `user_2bad3,too,many,cells,,,,,,,,,,,,`, good(6)];
    const r = await readAll({ file: file('broken.csv', lines.join('\n') + '\n') });
    assert.deepEqual(
      r.users.map((u) => u.sourceId),
      ['user_2g1', 'user_2g2', 'user_2g3', 'user_2g4', 'user_2g5', 'user_2g6'],
    );
    const parse = r.problems.filter((p) => p.code === 'E_SOURCE_PARSE');
    assert.deepEqual(
      parse.map((p) => p.line),
      [4, 7, 9],
    );
    for (const p of parse) {
      assert.equal(p.file, join(dir, 'broken.csv'));
      assert.equal(p.severity, 'error');
    }
    assert.equal(r.lines.get('user_2g3'), 5);
    assert.equal(r.lines.get('user_2g6'), 10);
  });

  it('reads records cut across read chunks the same as whole (CRLF, BOM, comment line, no final newline)', async () => {
    const rows = ['# exported by support', HEADER];
    for (let i = 0; i < 300; i++) rows.push(`user_2c${i},"Name, ${i}","Q ""${i}""",,c${i}@example.com,,c${i}@example.com,,,,,${bcrypt},bcrypt`);
    const p = file('chunks.csv', '\uFEFF' + rows.join('\r\n'));
    const { readCsvRecords } = await import('../../lib/io/csv-records.js');
    const small: string[] = [];
    for await (const events of readCsvRecords(p, { chunkBytes: 37, commentsBeforeHeader: true })) {
      for (const e of events) small.push(e.kind === 'row' ? `${e.line}:${e.cells.join('|')}` : `${e.kind}:${e.line}`);
    }
    const whole = await readAll({ file: p });
    assert.equal(whole.users.length, 300);
    assert.equal(small.length, 301);
    assert.equal(small[0], 'header:2');
    assert.equal(small[300], `302:user_2c299|Name, 299|Q "299"||c299@example.com||c299@example.com|||||${bcrypt}|bcrypt`);
    assert.equal(whole.users[299]!.lastName, 'Q "299"');
  });

  it('skips a line too long to be a row without holding it, and reads on', async () => {
    const huge = `user_2huge,${'x'.repeat(9 * 1024 * 1024)},,,,,,,,,,,`;
    const p = file('huge.csv', [HEADER, 'user_2h1,A,,,a@example.com,,,,,,,,', huge, 'user_2h2,B,,,b@example.com,,,,,,,,'].join('\n'));
    const r = await readAll({ file: p });
    assert.deepEqual(
      r.users.map((u) => [u.sourceId, r.lines.get(u.sourceId)]),
      [
        ['user_2h1', 2],
        ['user_2h2', 4],
      ],
    );
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.line]),
      [['E_SOURCE_PARSE', 3]],
    );
  });

  it('reports duplicate and missing ids and keeps the first row of an id', async () => {
    const r = await readAll({
      file: file('dup.csv', [HEADER, 'user_2x,A,,,a@example.com,,,,,,,,', 'user_2x,B,,,b@example.com,,,,,,,,', ',C,,,c@example.com,,,,,,,,'].join('\n')),
    });
    assert.deepEqual(
      r.users.map((u) => u.firstName),
      ['A'],
    );
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.line]),
      [
        ['E_DUPLICATE_ID', 3],
        ['E_SOURCE_FIELD', 4],
      ],
    );
  });

  it('an unusable hasher is a problem, and the user still moves with plan jit', async () => {
    const r = await readAll({ file: file('phpass.csv', [HEADER, 'user_2p,P,,,p@example.com,,p@example.com,,,,,$P$BSECRETSECRETSECRETSECRETSECRET1,phpass'].join('\n')) });
    assert.equal(r.users.length, 1);
    assert.equal(r.users[0]!.passwordPlan, 'jit');
    assert.equal(r.users[0]!.password, undefined);
    assert.equal(r.problems[0]!.code, 'E_HASH_UNSUPPORTED');
    assert.equal(r.problems[0]!.line, 2);
    assert.ok(!JSON.stringify(r).includes('SECRETSECRET'));
  });

  it('fails clearly: empty file, blank file, unreadable path, directory', async () => {
    assert.doesNotThrow(() => source.open({ file: join(dir, 'missing.csv') }), 'open() never throws: errors come on the first read');
    await expectError({ file: file('empty.csv', '') }, 'E_INPUT_EMPTY');
    await expectError({ file: file('blank.csv', '\n \n') }, 'E_INPUT_EMPTY');
    await expectError({ file: join(dir, 'missing.csv') }, 'E_INPUT_UNREADABLE', /no such file/);
    await expectError({ file: dir }, 'E_INPUT_UNREADABLE', /directory/);
    await expectError({}, 'E_USAGE');
  });

  it("names another vendor's file, and rejects a CSV without Clerk's columns at line 1", async () => {
    // The reader knows only its own format; which vendor a file is, the CLI says from every connector's sniff.
    const notClerk = /is JSON but not a Clerk export .*--from/;
    const others = {
      auth0: file('auth0.ndjson', '{"user_id":"auth0|abc","email":"a@example.com","identities":[]}\n'),
      firebase: file('firebase.json', '{"users":[{"localId":"x1","email":"a@example.com","passwordHash":"abc"}]}'),
      cognito: file('cognito.json', '{"Users":[{"Username":"a","UserStatus":"CONFIRMED"}]}'),
    };
    for (const path of Object.values(others)) {
      await expectError({ file: path }, 'E_WRONG_VENDOR', notClerk);
    }
    await expectError({ file: file('other.csv', 'name,email\nAda,a@example.com\n') }, 'E_SOURCE_PARSE', /line 1.*id and password_digest/);
    await expectError({ file: file('json.json', '{"items":[{"name":"x"}]}') }, 'E_WRONG_VENDOR');
  });

  it('sniffs Clerk files and nothing else', () => {
    assert.equal(source.sniff(`${HEADER}\nuser_2a,,,,,,,,,,,,\n`), true);
    assert.equal(source.sniff(`\uFEFF# comment\n${HEADER}\n`), true);
    assert.equal(source.sniff('{"users":[\n{"id":"user_2abc","external_accounts":[]}'), true);
    assert.equal(source.sniff('[{"id":"user_2abc","primary_email_address_id":"idn_1"}]'), true);
    assert.equal(source.sniff('{"user_id":"auth0|1","email":"a@b.c"}\n'), false);
    assert.equal(source.sniff('{"users":[{"localId":"1","email":"a@b.c"}]}'), false);
    assert.equal(source.sniff('{"Users":[{"Username":"u","Attributes":[]}]}'), false);
    assert.equal(source.sniff('name,email\n'), false);
  });
});

describe('clerk CSV joined with an API dump', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flagless-clerk-dump-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const dump = {
    users: [
      {
        id: 'user_2soc',
        external_accounts: [{ provider: 'oauth_google', provider_user_id: '10987', email_address: 'soc@example.com' }],
        public_metadata: { plan: 'pro', shared: 'public wins' },
        private_metadata: { stripe: 'cus_1' },
        unsafe_metadata: { theme: 'dark' },
        banned: true,
        external_id: 'legacy-7',
        created_at: 1700000000000,
        last_sign_in_at: 1710000000000,
        backup_code_enabled: true,
        phone_numbers: [{ id: 'idn_p', phone_number: '+15550001111', reserved_for_second_factor: true, verification: { status: 'verified' } }],
      },
      {
        id: 'user_2api',
        primary_email_address_id: 'idn_2',
        email_addresses: [
          { id: 'idn_1', email_address: 'other@example.com', verification: { status: 'unverified' } },
          { id: 'idn_2', email_address: 'Api@Example.com', verification: { status: 'verified' } },
        ],
        password_enabled: true,
        totp_enabled: true,
        enterprise_accounts: [{ protocol: 'saml', provider: 'saml_okta', provider_user_id: 'okta-1', email_address: 'api@corp.example', enterprise_connection: { name: 'Acme Okta' } }],
      },
    ],
    organizations: [
      { id: 'org_1', name: 'Acme', slug: 'acme', public_metadata: { tier: 'gold' }, private_metadata: { crm: 'x' }, created_at: 1600000000000 },
      { id: 'org_2', name: 'Globex', slug: 'globex' },
    ],
    memberships: [
      { role: 'org:admin', organization: { id: 'org_1' }, public_user_data: { user_id: 'user_2soc' } },
      { role: 'org:member', organization: { id: 'org_2' }, public_user_data: { user_id: 'user_2soc' } },
      { role: 'org:billing', organization: { id: 'org_2' }, public_user_data: { user_id: 'user_2api' } },
      { role: 'org:member', organization: { id: 'org_gone' }, public_user_data: { user_id: 'user_2soc' } },
      { role: 'org:member', organization: { id: 'org_1' }, public_user_data: { user_id: 'user_2nobody' } },
    ],
  };

  it('adds links, metadata, bans, organizations and roles by user id; users only in the dump still come', async () => {
    const csv = join(dir, 'users.csv');
    writeFileSync(csv, [HEADER, 'user_2soc,So,Cial,,soc@example.com,,soc@example.com,,,,,,', 'user_2csv,Only,Csv,,csv@example.com,,csv@example.com,,,,,,'].join('\n'));
    const dumpPath = join(dir, 'users.api.json');
    writeFileSync(dumpPath, JSON.stringify(dump, null, 2));
    const r = await readAll({ file: csv, apiDump: dumpPath });

    assert.deepEqual(
      r.organizations.map((o) => [o.sourceId, o.name, o.slug]),
      [
        ['org_1', 'Acme', 'acme'],
        ['org_2', 'Globex', 'globex'],
      ],
    );
    assert.deepEqual(r.organizations[0]!.metadata, { tier: 'gold', private_metadata: { crm: 'x' } });
    assert.deepEqual(
      r.users.map((u) => u.sourceId),
      ['user_2soc', 'user_2csv', 'user_2api'],
    );
    const [soc, csvOnly, api] = r.users as [CanonicalUser, CanonicalUser, CanonicalUser];

    assert.deepEqual(soc.identities, [{ provider: 'google', providerUserId: '10987', kind: 'social', connection: 'oauth_google', email: 'soc@example.com' }]);
    assert.deepEqual(soc.metadata.private, { stripe: 'cus_1' });
    assert.deepEqual(soc.metadata.public, { plan: 'pro', shared: 'public wins', unsafe_metadata: { theme: 'dark' } });
    assert.ok(soc.lossy.some((l) => l.field === 'metadata.unsafe'));
    assert.ok(soc.lossy.some((l) => l.field === 'mfa.backup-codes'));
    assert.ok(soc.lossy.some((l) => /org_gone/.test(l.reason)));
    assert.equal(soc.disabled, true);
    assert.equal(soc.sourceStatus, 'banned');
    assert.equal(soc.externalId, 'legacy-7');
    assert.equal(soc.createdAt, '2023-11-14T22:13:20.000Z');
    assert.equal(soc.lastSignInAt, new Date(1710000000000).toISOString());
    assert.deepEqual(soc.mfa, [{ kind: 'sms', phoneNumber: '+15550001111' }]);
    assert.deepEqual(soc.memberships, [
      { organizationId: 'org_1', roles: ['org:admin'] },
      { organizationId: 'org_2', roles: ['org:member'] },
    ]);
    assert.equal(soc.passwordPlan, 'none');
    assert.equal(soc.emails[0]!.address, 'soc@example.com', 'the CSV stays authoritative for identifiers');

    assert.deepEqual(csvOnly.memberships, []);
    assert.deepEqual(csvOnly.identities, []);

    assert.deepEqual(
      api.emails.map((e) => [e.address, e.verified, e.primary]),
      [
        ['other@example.com', false, false],
        ['Api@Example.com', true, true],
      ],
    );
    assert.equal(api.passwordPlan, 'jit', 'the API never returns digests');
    assert.deepEqual(api.mfa, [{ kind: 'totp' }]);
    assert.deepEqual(api.identities, [{ provider: 'saml', providerUserId: 'okta-1', kind: 'enterprise', connection: 'Acme Okta', email: 'api@corp.example' }]);
    assert.deepEqual(api.memberships, [{ organizationId: 'org_2', roles: ['org:billing'] }]);

    const codes = r.problems.map((p) => [p.code, p.sourceId]);
    assert.deepEqual(codes, [
      ['E_MEMBERSHIP_ORPHAN', 'user_2soc'],
      ['E_PASSWORD_MISSING', 'user_2api'],
      ['E_SOURCE_FIELD', 'user_2nobody'],
    ]);
    const orphan = r.problems[0]!;
    assert.equal(orphan.file, dumpPath);
    assert.ok(orphan.line && orphan.line > 1, 'the orphan membership is reported at its line in the dump');
  });

  it('reads a dump alone, as --file or as --api-dump, in the same way', async () => {
    const p = join(dir, 'alone.json');
    writeFileSync(p, JSON.stringify(dump));
    const a = await readAll({ file: p });
    const b = await readAll({ apiDump: p });
    assert.deepEqual(
      a.users.map((u) => u.sourceId),
      ['user_2soc', 'user_2api'],
    );
    assert.deepEqual(JSON.stringify(a.users), JSON.stringify(b.users));
    assert.ok(!a.problems.some((p) => p.code === 'E_PASSWORD_MISSING'), 'no CSV: a missing digest is expected, not a problem');
    // A bare array of users, as getUserList's data, works too.
    const bare = join(dir, 'bare.json');
    writeFileSync(bare, JSON.stringify(dump.users));
    assert.equal((await readAll({ file: bare })).users.length, 2);
  });

  it('a broken dump fails with its line; a broken element is a problem', async () => {
    const cut = join(dir, 'cut.json');
    writeFileSync(cut, '{"users":[\n{"id":"user_2a"},\n{"id":"user_2b"');
    await expectError({ apiDump: cut }, 'E_SOURCE_PARSE', /line 3/);
    const bad = join(dir, 'bad-element.json');
    writeFileSync(bad, '{"users":[\n{"id":"user_2a"},\n{"id":"user_2b",,}\n]}');
    const r = await readAll({ apiDump: bad });
    assert.deepEqual(
      r.users.map((u) => u.sourceId),
      ['user_2a'],
    );
    assert.deepEqual(
      r.problems.filter((p) => p.code !== 'E_NO_EMAIL').map((p) => [p.code, p.line]),
      [['E_SOURCE_PARSE', 3]],
    );
  });
});
