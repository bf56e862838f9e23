import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { verifyPassword } from '../../model/password/index.js';
import type { CanonicalUser } from '../../model/user.js';
import type { GenerateResult } from '../../protocol/generate.js';
import type { Problem } from '../../protocol/problem.js';
import type { SourceOptions } from '../../protocol/source.js';
import { generate, source } from './index.js';
import type { Auth0ApiDump } from './types.js';

async function readAll(options: SourceOptions): Promise<{ users: CanonicalUser[]; organizations: number; problems: Problem[] }> {
  const out = { users: [] as CanonicalUser[], organizations: 0, problems: [] as Problem[] };
  for await (const item of source.open(options).read()) {
    if (item.type === 'user') out.users.push(item.user);
    else if (item.type === 'organization') out.organizations++;
    else out.problems.push(item.problem);
  }
  return out;
}

function optionsOf(result: GenerateResult): SourceOptions {
  const path = (role: string) => result.files.find((f) => f.role === role)?.path;
  return { file: path('export')!, passwords: path('passwords')!, apiDump: path('api-dump')! };
}

function duplicateEmailGroups(users: CanonicalUser[]): number {
  const count = new Map<string, number>();
  for (const u of users) for (const e of u.emails) count.set(e.normalized, (count.get(e.normalized) ?? 0) + 1);
  return [...count.values()].filter((n) => n > 1).length;
}

describe('auth0 generator', () => {
  let dir: string;
  let traps: GenerateResult;
  const USERS = 1000;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flagless-auth0-gen-'));
    traps = await generate({ users: USERS, out: join(dir, 'users.ndjson'), seed: 11, plaintexts: join(dir, 'logins.csv') });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the export, the password file and the API dump side by side', () => {
    assert.deepEqual(
      traps.files.map((f) => [f.role, f.path]),
      [
        ['export', join(dir, 'users.ndjson')],
        ['passwords', join(dir, 'users.passwords.ndjson')],
        ['api-dump', join(dir, 'users.api.json')],
        ['plaintexts', join(dir, 'logins.csv')],
      ],
    );
    assert.equal(traps.users, USERS);
    assert.equal(traps.organizations, USERS / 20);
    const dump = JSON.parse(readFileSync(join(dir, 'users.api.json'), 'utf8')) as Auth0ApiDump;
    assert.equal(dump.organizations?.length, USERS / 20);
    assert.ok((dump.memberships?.length ?? 0) > USERS / 4);
    assert.deepEqual(dump.users, []);
    const firstPassword = JSON.parse(readFileSync(join(dir, 'users.passwords.ndjson'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(firstPassword), ['_id', 'email_verified', 'email', 'passwordHash', 'password_set_date', 'tenant', 'connection', '_tmp_is_unique']);
    assert.match(String(firstPassword.passwordHash), /^\$2b\$10\$[./A-Za-z0-9]{53}$/);
  });

  it('reads back with the planted traps found, and the mix of user kinds', async () => {
    const r = await readAll(optionsOf(traps));
    assert.equal(r.users.length, USERS);
    assert.equal(r.organizations, USERS / 20);
    assert.deepEqual(traps.traps, { duplicateEmailGroups: 2, passwordsWithoutUser: 1, usersWithoutPasswordRecord: 1 });
    assert.equal(r.problems.filter((p) => p.code === 'E_PASSWORD_ORPHAN').length, traps.traps.passwordsWithoutUser);
    assert.equal(r.problems.filter((p) => p.code === 'E_PASSWORD_MISSING').length, traps.traps.usersWithoutPasswordRecord);
    assert.equal(duplicateEmailGroups(r.users), traps.traps.duplicateEmailGroups);
    assert.deepEqual(r.problems.filter((p) => !['E_PASSWORD_ORPHAN', 'E_PASSWORD_MISSING'].includes(p.code)), []);

    const share = (pred: (u: CanonicalUser) => boolean) => r.users.filter(pred).length / USERS;
    const imported = share((u) => u.passwordPlan === 'import');
    assert.ok(imported > 0.6 && imported < 0.8, `~70% database users with bcrypt, got ${imported}`);
    assert.ok(r.users.every((u) => !u.password || u.password.algorithm === 'bcrypt'));
    const social = share((u) => u.passwordPlan === 'none' && u.identities.some((i) => i.kind === 'social'));
    assert.ok(social > 0.1 && social < 0.2, `~15% social-only, got ${social}`);
    const providers = new Set(r.users.flatMap((u) => u.identities.map((i) => i.provider)));
    assert.ok(providers.has('google') && providers.has('github') && providers.has('saml'));
    const enterprise = share((u) => u.identities.some((i) => i.kind === 'enterprise'));
    assert.ok(enterprise > 0.02 && enterprise < 0.08, `~5% enterprise, got ${enterprise}`);
    assert.ok(r.users.some((u) => u.disabled), 'some blocked users');
    assert.ok(r.users.some((u) => Object.keys(u.metadata.public).length > 0) && r.users.some((u) => Object.keys(u.metadata.private).length > 0));
    assert.ok(r.users.some((u) => u.emails[0] && !u.emails[0].verified), 'some unverified emails');
    assert.ok(r.users.some((u) => u.memberships.length > 0 && u.memberships[0]!.roles.includes('member')));
    assert.ok(r.users.some((u) => u.sourceId.startsWith('auth0|legacy-') && u.passwordPlan === 'import'), 'alt_id users join');
  });

  it('every plaintext in a sample verifies against the hash read for its user', async () => {
    const r = await readAll(optionsOf(traps));
    const rows = parse(readFileSync(join(dir, 'logins.csv'), 'utf8'), { columns: true }) as { identifier: string; password: string }[];
    assert.ok(rows.length > USERS / 2);
    const byEmail = new Map(r.users.filter((u) => u.password).map((u) => [u.emails[0]!.address, u]));
    for (const row of [rows[0]!, rows[Math.floor(rows.length / 2)]!, rows[rows.length - 1]!]) {
      const user = byEmail.get(row.identifier);
      assert.ok(user?.password, row.identifier);
      assert.equal(await verifyPassword(user.password, row.password), true);
      assert.equal(await verifyPassword(user.password, `${row.password}!`), false);
    }
  });

  it('--clean plants nothing; the same seed gives the same export', async () => {
    const a = await generate({ users: 300, out: join(dir, 'clean-a.ndjson'), seed: 5, clean: true });
    await generate({ users: 300, out: join(dir, 'clean-b.ndjson'), seed: 5, clean: true });
    assert.deepEqual(a.traps, { duplicateEmailGroups: 0, passwordsWithoutUser: 0, usersWithoutPasswordRecord: 0 });
    assert.equal(readFileSync(join(dir, 'clean-a.ndjson'), 'utf8'), readFileSync(join(dir, 'clean-b.ndjson'), 'utf8'));
    const r = await readAll(optionsOf(a));
    assert.equal(r.users.length, 300);
    assert.deepEqual(r.problems, []);
    assert.equal(duplicateEmailGroups(r.users), 0);
  });

  it('small exports still have three organizations', async () => {
    const small = await generate({ users: 4, out: join(dir, 'small.ndjson'), seed: 2 });
    assert.equal(small.organizations, 3);
    assert.deepEqual(small.traps, { duplicateEmailGroups: 0, passwordsWithoutUser: 0, usersWithoutPasswordRecord: 0 });
    assert.equal((await readAll(optionsOf(small))).users.length, 4);
  });
});
