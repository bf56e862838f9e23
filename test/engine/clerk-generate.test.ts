import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { assess } from '../../src/engine/assess/assess.js';
import { renderAssessText } from '../../src/cli/report/assess-text.js';
import { verifyPassword } from '../../src/model/password/index.js';
import type { CanonicalUser } from '../../src/model/user.js';
import type { GenerateResult } from '../../src/protocol/generate.js';
import type { Problem } from '../../src/protocol/problem.js';
import { generate, source } from '../../src/connectors/clerk/index.js';
import type { ClerkApiDump } from '../../src/connectors/clerk/types.js';

async function readBack(result: GenerateResult) {
  const file = result.files.find((f) => f.role === 'export')!.path;
  const apiDump = result.files.find((f) => f.role === 'api-dump')!.path;
  const users: CanonicalUser[] = [];
  const problems: Problem[] = [];
  let organizations = 0;
  for await (const item of source.open({ file, apiDump }).read()) {
    if (item.type === 'user') users.push(item.user);
    else if (item.type === 'organization') organizations++;
    else problems.push(item.problem);
  }
  return { users, problems, organizations, file, apiDump };
}

describe('flagless generate clerk', () => {
  let dir: string;
  let result: GenerateResult;
  const N = 1200;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flagless-clerk-gen-'));
    result = await generate({ users: N, out: join(dir, 'users.csv'), seed: 'gen-test', plaintexts: join(dir, 'logins.csv') });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the CSV, the API dump next to it and the plaintexts', () => {
    assert.deepEqual(
      result.files.map((f) => [f.role, f.path]),
      [
        ['export', join(dir, 'users.csv')],
        ['api-dump', join(dir, 'users.api.json')],
        ['plaintexts', join(dir, 'logins.csv')],
      ],
    );
    assert.equal(result.users, N);
    assert.equal(result.organizations, N / 20);
    assert.deepEqual(result.traps, { duplicateEmails: 2, unsupportedHashers: 2, orphanMemberships: 1 });
    const head = readFileSync(result.files[0]!.path, 'utf8').split('\n')[0];
    assert.equal(
      head,
      'id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher',
    );
  });

  it('reads back with the mix the brief asks for, and its traps as problems', async () => {
    const r = await readBack(result);
    assert.equal(r.users.length, N);
    const share = (pred: (u: CanonicalUser) => boolean) => r.users.filter(pred).length / N;
    const bcrypt = share((u) => u.password?.algorithm === 'bcrypt');
    const argon = share((u) => u.password?.algorithm === 'argon2id');
    const socialOnly = share((u) => u.passwordPlan === 'none' && u.identities.length > 0);
    assert.ok(bcrypt > 0.62 && bcrypt < 0.78, `bcrypt share ${bcrypt}`);
    assert.ok(argon > 0.06 && argon < 0.14, `argon2id share ${argon}`);
    assert.ok(socialOnly > 0.1 && socialOnly < 0.2, `social-only share ${socialOnly}`);
    assert.ok(share((u) => u.mfa.some((f) => f.kind === 'totp' && f.secret)) > 0.02, 'TOTP secrets');
    assert.ok(share((u) => u.emails.length === 0 && u.phones.length > 0) > 0.005, 'phone-only users');
    assert.ok(share((u) => u.emails.some((e) => !e.verified)) > 0.01, 'unverified emails');
    assert.ok(share((u) => u.emails.length > 1) > 0.03, 'multi-valued email cells');
    assert.ok(r.users.some((u) => u.lastName?.includes(',')), 'a name with a comma');
    assert.ok(r.users.some((u) => u.firstName?.includes('"')), 'a name with quotes');
    assert.ok(share((u) => Object.keys(u.metadata.private).length > 0) > 0.03, 'metadata from the dump');
    assert.ok(r.users.some((u) => u.disabled), 'a banned user');
    const providers = new Set(r.users.flatMap((u) => u.identities.map((i) => i.provider)));
    assert.deepEqual([...providers].sort(), ['github', 'google']);
    const members = share((u) => u.memberships.length > 0);
    assert.ok(members > 0.52 && members < 0.68, `membership share ${members}`);
    const roles = new Set(r.users.flatMap((u) => u.memberships.flatMap((m) => m.roles)));
    assert.deepEqual([...roles].sort(), ['org:admin', 'org:member']);
    assert.equal(r.organizations, N / 20);

    const count = (code: string) => r.problems.filter((p) => p.code === code).length;
    assert.equal(count('E_HASH_UNSUPPORTED'), result.traps.unsupportedHashers);
    assert.equal(count('E_MEMBERSHIP_ORPHAN'), result.traps.orphanMemberships);
    assert.deepEqual(
      r.problems.filter((p) => p.severity === 'error').map((p) => p.code).sort(),
      ['E_HASH_UNSUPPORTED', 'E_HASH_UNSUPPORTED', 'E_MEMBERSHIP_ORPHAN'],
    );
    const report = await assess(source.open({ file: r.file, apiDump: r.apiDump }), { targets: [] });
    assert.equal(report.duplicateEmailGroups, result.traps.duplicateEmails, 'the case/space duplicates are found by assess');
  });

  it('writes plaintexts that really verify, for bcrypt ($2a$ and $2b$) and argon2id', async () => {
    const r = await readBack(result);
    const byEmail = new Map(r.users.filter((u) => u.emails[0]).map((u) => [u.emails.find((e) => e.primary)!.address.trim(), u]));
    const rows = parse(readFileSync(join(dir, 'logins.csv'), 'utf8'), { columns: true }) as { identifier: string; password: string }[];
    const importing = r.users.filter((u) => u.passwordPlan === 'import').length;
    assert.equal(rows.length, importing - (result.traps.duplicateEmails ?? 0), 'one row per importable password (trap duplicates left out)');
    const seen = new Set<string>();
    for (const row of rows) {
      const u = byEmail.get(row.identifier);
      assert.ok(u?.password, `${row.identifier} is a user with a hash`);
      const kind = u.password.algorithm === 'bcrypt' ? u.password.phc.reveal().slice(0, 4) : u.password.algorithm;
      if (seen.has(kind)) continue;
      seen.add(kind);
      assert.equal(await verifyPassword(u.password, row.password), true, `${kind}: the plaintext verifies`);
      assert.equal(await verifyPassword(u.password, `${row.password}x`), false, `${kind}: a wrong one does not`);
    }
    assert.deepEqual([...seen].sort(), ['$2a$', '$2b$', 'argon2id']);
  });

  it('keeps in the dump only users with something the CSV lacks', () => {
    const dump = JSON.parse(readFileSync(result.files[1]!.path, 'utf8')) as Required<ClerkApiDump>;
    assert.ok(dump.users.length > 0 && dump.users.length < N * 0.4, `${dump.users.length} dump users`);
    for (const u of dump.users) {
      assert.ok(u.external_accounts || u.public_metadata || u.banned || u.external_id, `${u.id} carries something the CSV lacks`);
    }
    assert.equal(dump.organizations.length, N / 20);
    assert.ok(dump.memberships.every((m) => m.role && m.organization.id && m.public_user_data.user_id));
  });

  it('is the same bytes for the same seed, and handles tiny exports without traps', async () => {
    const again = await generate({ users: N, out: join(dir, 'again.csv'), seed: 'gen-test' });
    assert.equal(readFileSync(again.files[0]!.path, 'utf8'), readFileSync(result.files[0]!.path, 'utf8'));
    assert.equal(readFileSync(again.files[1]!.path, 'utf8'), readFileSync(result.files[1]!.path, 'utf8'));
    for (const n of [0, 1, 5]) {
      const small = await generate({ users: n, out: join(dir, `small-${n}.csv`), seed: n });
      assert.deepEqual(small.traps, { duplicateEmails: 0, unsupportedHashers: 0, orphanMemberships: 0 });
      assert.equal(small.organizations, 3);
      const r = await readBack(small);
      assert.equal(r.users.length, n);
      assert.deepEqual(r.problems.filter((p) => p.severity === 'error'), []);
    }
  });

  it('reports progress', async () => {
    const seen: number[] = [];
    await generate({ users: 25_000, out: join(dir, 'progress.csv'), seed: 3, clean: true, onProgress: (n) => seen.push(n) });
    assert.deepEqual(seen, [10_000, 20_000, 25_000]);
  });
});

describe('assess of a Clerk CSV says what such an export cannot hold', () => {
  it('organizations, memberships, social links and metadata: named as absent with the way to get them; not with --api-dump', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flagless-absent-'));
    try {
      const file = join(dir, 'users.csv');
      const gen = await generate({ users: 50, out: file, seed: 'absent' });
      const dump = gen.files.find((f) => f.role === 'api-dump')?.path;
      const plain = await assess(source.open({ file }), { targets: [] });
      assert.deepEqual(plain.absent?.fields, ['organizations', 'memberships', 'social links', 'metadata']);
      assert.match(plain.absent!.how, /--api-dump/);
      assert.match(renderAssessText(plain, file), /Not in this export {4}organizations, memberships, social links, metadata/);
      assert.ok(dump, 'the generator writes an API dump beside the CSV');
      const joined = await assess(source.open({ file, apiDump: dump! }), { targets: [] });
      assert.equal(joined.absent, undefined);
      assert.doesNotMatch(renderAssessText(joined, file), /Not in this export/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
