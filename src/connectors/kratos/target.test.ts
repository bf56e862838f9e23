import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashPassword, parsePhc } from '../../model/password/index.js';
import { emptyUser, type CanonicalUser } from '../../model/user.js';
import type { Target } from '../../protocol/target.js';
import { target as kratos } from './index.js';
import { startKratosSimulator, type KratosSimulator } from './sim/server.js';

// The Kratos target against the simulator, call by call (the CLI end-to-end tests are in test/kratos/).

const IMPORT = { includePasswordHash: true, missingPassword: 'jit' as const };

function user(i: number): CanonicalUser {
  const u = emptyUser(`user_t${i}`);
  u.emails = [{ address: `t${i}@example.com`, normalized: `t${i}@example.com`, verified: true, primary: true }];
  u.firstName = 'T';
  u.lastName = String(i);
  return u;
}

describe('Kratos target', () => {
  let sim: KratosSimulator;
  let t: Target;
  before(async () => {
    sim = await startKratosSimulator({ bcryptCost: 4 });
    t = await kratos.open({ env: { KRATOS_ADMIN_URL: sim.url, KRATOS_PUBLIC_URL: sim.url, KETO_WRITE_URL: sim.url, KETO_READ_URL: sim.url } });
  });
  after(() => sim.stop());

  it('declares the schema-dependent capabilities and no rate limit when self-hosted', () => {
    assert.equal(t.capabilities.requiresEmail, true, 'the default schema requires the email trait');
    assert.equal(t.capabilities.usernames, true);
    assert.equal(t.capabilities.rateLimitPerSecond, undefined);
    assert.equal(t.capabilities.batchSize, 1000);
  });

  it('creates a batch in one request, finds users by external id and by email (a password identifier), lists them page by page', async () => {
    const writes = t.stats.writes;
    const hash = await hashPassword('bcrypt', 'batch-pw', { cost: 4 });
    const results = await t.createUsersEach!(Array.from({ length: 1000 }, (_, i) => ({ user: { ...user(i), password: hash, passwordPlan: 'import' as const }, options: IMPORT })));
    assert.equal(t.stats.writes - writes, 1);
    assert.equal(results.length, 1000);
    const refs = results.map((r) => (r.ok ? r.ref : assert.fail(r.error.message)));
    assert.deepEqual(await t.findUser({ externalId: 'user_t7' }), refs[7]);
    assert.equal((await t.findUser({ externalId: 'user_nope', email: 'T8@Example.com' }))?.externalId, 'user_t8');
    assert.equal(await t.findUser({ externalId: 'user_nope' }), undefined);
    let n = 0;
    for await (const v of t.listUsers()) if (v.externalId?.startsWith('user_t')) n++;
    assert.equal(n, 1000, 'two full pages of 500');
  });

  it('a batch answers per item: the good items created, a conflict and a schema failure each with its own error', async () => {
    const clash = { ...user(2000), sourceId: 'user_t1' }; // external_id already taken
    const sameEmail = { ...user(2001), emails: user(2).emails }; // t2@example.com is taken
    const noEmail = { ...user(2002), emails: [] }; // the default schema requires the email trait
    const results = await t.createUsersEach!([user(1001), clash, sameEmail, noEmail, user(1002)].map((u) => ({ user: u, options: IMPORT })));
    assert.deepEqual(results.map((r) => r.ok), [true, false, false, false, true]);
    const errors = results.map((r) => (r.ok ? undefined : r.error));
    assert.equal(errors[1]?.code, 'E_TARGET_CONFLICT');
    assert.equal(errors[1]?.errorClass, 'skippable');
    assert.match(errors[1]!.message, /user_t1 .*conflict \(409\)/);
    assert.equal(errors[2]?.code, 'E_TARGET_CONFLICT');
    assert.equal(errors[3]?.code, 'E_TARGET_VALIDATION');
    assert.match(errors[3]!.message, /user_t2002 .*rejected \(400\): .*email/);
    assert.equal((await t.findUser({ externalId: 'user_t1001' }))?.id, results[0]!.ok ? results[0]!.ref.id : '');
    assert.equal((await t.findUser({ externalId: 'user_t1002' }))?.id, results[4]!.ok ? results[4]!.ref.id : '');
    assert.equal(await t.findUser({ externalId: 'user_t2001' }), undefined, 'a refused item is not created');
    assert.equal(t.createUsers, undefined, 'no all-or-nothing bulk create: Kratos commits per item');
  });

  it('a hash Kratos would refuse is never sent (it would fail the whole batch): that user gets the migration hook, the rest land', async () => {
    const good = { ...user(4000), password: await hashPassword('bcrypt', 'good-pw', { cost: 4 }), passwordPlan: 'import' as const };
    // scrypt with N = 2^18: valid for flagless, above Kratos's import bound (N ≤ 2^17).
    const heavy = { ...user(4001), password: parsePhc('$scrypt$ln=18,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'), passwordPlan: 'import' as const };
    assert.ok(t.lossyNotes!(heavy, IMPORT).some((n) => n.field === 'password'), 'the plan names it');
    const results = await t.createUsersEach!([{ user: good, options: IMPORT }, { user: heavy, options: IMPORT }]);
    const refs = results.map((r) => (r.ok ? r.ref : assert.fail(r.error.message)));
    assert.equal(refs.length, 2);
    assert.deepEqual(sim.store.identities.get(refs[1]!.id)!.credentials.password!.config, { use_password_migration_hook: true });
    assert.equal((await t.login('t4000@example.com', 'good-pw')).ok, true);
  });

  it('updates a changed user without overwriting the password it has, and sets a password for the gateway', async () => {
    const u = user(3000);
    u.password = await hashPassword('bcrypt', 'first-pw', { cost: 4 });
    u.passwordPlan = 'import';
    const ref = await t.createUser(u, IMPORT);
    const changed = { ...u, lastName: 'Changed', password: await hashPassword('bcrypt', 'other-pw', { cost: 4 }) };
    await t.updateUser(ref, changed, IMPORT);
    const view = await t.getUser(ref);
    assert.equal(view?.lastName, 'Changed');
    assert.equal((await t.login('t3000@example.com', 'first-pw')).ok, true, 'the password Kratos holds is kept');
    await t.setPassword(ref, 'gateway-pw-1');
    assert.equal((await t.login('t3000@example.com', 'gateway-pw-1')).ok, true);
    const wrong = await t.login('t3000@example.com', 'first-pw');
    assert.equal(wrong.ok, false);
    assert.match(wrong.ok ? '' : wrong.reason, /credentials are invalid/);
  });

  it('writes organization roles as Keto tuples, once', async () => {
    const ref = (await t.findUser({ externalId: 'user_t3' }))!;
    assert.equal(await t.findOrganization({ externalId: 'org_1', name: 'Org' }), undefined);
    const org = await t.createOrganization({ sourceId: 'org_1', name: 'Org', metadata: {} });
    assert.equal(await t.ensureMembership(ref, org, ['org:admin']), 'created');
    assert.equal(await t.ensureMembership(ref, org, ['org:admin']), 'exists');
    assert.equal(await t.ensureMembership(ref, org, ['org:admin', 'org:billing']), 'updated');
    assert.deepEqual([...sim.store.tuples.values()].filter((x) => x.subject_id === ref.id), [
      { namespace: 'orgs', object: 'org_1', relation: 'admin', subject_id: ref.id },
      { namespace: 'orgs', object: 'org_1', relation: 'billing', subject_id: ref.id },
    ]);
    assert.deepEqual((await t.findOrganization({ externalId: 'org_1', name: 'Org' }))?.id, 'org_1');
    assert.deepEqual((await t.getUser(ref))?.memberships, [{ organizationId: 'org_1', organizationExternalId: 'org_1', roles: ['admin', 'billing'] }]);
  });

  it('an organization is its marker tuple: found without members, kept when its last member leaves', async () => {
    assert.equal(await t.findOrganization({ externalId: 'org_empty', name: 'Empty' }), undefined);
    const org = await t.createOrganization({ sourceId: 'org_empty', name: 'Empty', metadata: {} });
    assert.deepEqual(await t.createOrganization({ sourceId: 'org_empty', name: 'Empty', metadata: {} }), org, 'a repeat changes nothing');
    assert.deepEqual([...sim.store.tuples.values()].filter((x) => x.object === 'org_empty'), [{ namespace: 'orgs', object: 'org_empty', relation: 'exists', subject_id: 'flagless' }]);
    assert.equal((await t.findOrganization({ externalId: 'org_empty', name: 'Empty' }))?.id, 'org_empty');
    const ref = (await t.findUser({ externalId: 'user_t4' }))!;
    assert.equal(await t.ensureMembership(ref, org, ['org:member']), 'created');
    assert.equal(await t.ensureMembership(ref, org, ['org:admin']), 'updated', 'the roles are replaced');
    assert.deepEqual((await t.getUser(ref))?.memberships, [{ organizationId: 'org_empty', organizationExternalId: 'org_empty', roles: ['admin'] }]);
    assert.equal(await t.removeMembership!(ref, org), 'removed');
    assert.equal(await t.removeMembership!(ref, org), 'absent');
    assert.deepEqual((await t.getUser(ref))?.memberships, []);
    assert.equal((await t.findOrganization({ externalId: 'org_empty', name: 'Empty' }))?.id, 'org_empty', 'still there without members');
  });

  it('sync: deactivates and reactivates by JSON Patch without touching the password; deletes the identity and its tuples', async () => {
    const u = { ...user(5000), password: await hashPassword('bcrypt', 'sync-pw', { cost: 4 }), passwordPlan: 'import' as const };
    const ref = await t.createUser(u, IMPORT);
    const hashBefore = sim.store.identities.get(ref.id)!.credentials.password!.config.hashed_password;
    await t.setUserDisabled!(ref, true);
    assert.equal(sim.store.identities.get(ref.id)!.state, 'inactive');
    assert.equal((await t.login('t5000@example.com', 'sync-pw')).ok, false, 'an inactive identity cannot sign in');
    await t.setUserDisabled!(ref, false);
    assert.equal((await t.login('t5000@example.com', 'sync-pw')).ok, true);
    assert.equal(sim.store.identities.get(ref.id)!.credentials.password!.config.hashed_password, hashBefore);
    const org = await t.createOrganization({ sourceId: 'org_del', name: 'Del', metadata: {} });
    await t.ensureMembership(ref, org, ['org:admin', 'org:billing']);
    assert.equal(await t.deleteUser!(ref), 'deleted');
    assert.equal(sim.store.identities.get(ref.id), undefined);
    assert.deepEqual([...sim.store.tuples.values()].filter((x) => x.subject_id === ref.id), [], 'its Keto tuples are gone');
    assert.ok(await t.findOrganization({ externalId: 'org_del', name: 'Del' }), 'the organization stays');
    assert.equal(await t.deleteUser!(ref), 'absent');
    await assert.rejects(t.setUserDisabled!(ref, true), (e: { code?: string }) => e.code === 'E_TARGET_VALIDATION');
  });

  it('Ory Network: ORY_ORGANIZATION_MAP sets organization_id on the identities of members of one mapped organization; a bad map is refused with the way out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flagless-ory-orgs-'));
    try {
      const file = join(dir, 'orgs.json');
      writeFileSync(file, JSON.stringify({ org_acme: '0B5C7C5E-6F0E-4A53-9D8A-2A4A0B1D9E11' }));
      const o = await kratos.open({ env: { KRATOS_ADMIN_URL: sim.url, ORY_ORGANIZATION_MAP: file } });
      const member = { ...user(7001), memberships: [{ organizationId: 'org_acme', roles: ['org:member'] }] };
      const other = { ...user(7002), memberships: [{ organizationId: 'org_else', roles: ['org:member'] }] };
      const [a, b] = await o.createUsersEach!([{ user: member, options: IMPORT }, { user: other, options: IMPORT }]);
      const id = (r: typeof a) => (r?.ok ? r.ref.id : assert.fail(r?.error.message));
      assert.equal(sim.store.identities.get(id(a))!.organization_id, '0b5c7c5e-6f0e-4a53-9d8a-2a4a0b1d9e11');
      assert.equal(sim.store.identities.get(id(b))!.organization_id, null);
      await o.close();
      writeFileSync(file, JSON.stringify({ org_acme: 'acme' }));
      await assert.rejects(kratos.open({ env: { KRATOS_ADMIN_URL: sim.url, ORY_ORGANIZATION_MAP: file } }), (e: { code?: string; message: string }) => e.code === 'E_USAGE' && /not a UUID/.test(e.message));
      await assert.rejects(kratos.open({ env: { KRATOS_ADMIN_URL: sim.url, ORY_ORGANIZATION_MAP: join(dir, 'missing.json') } }), (e: { code?: string; message: string }) => e.code === 'E_USAGE' && /cannot read/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Ory Network: the API key is required and the documented limit becomes the write rate', async () => {
    const ory = await startKratosSimulator({ adminToken: 'ory_pat_t' });
    try {
      await assert.rejects(kratos.open({ env: { KRATOS_ADMIN_URL: ory.url } }), (e: { code?: string }) => e.code === 'E_TARGET_AUTH');
      const o = await kratos.open({ env: { KRATOS_ADMIN_URL: ory.url, ORY_API_KEY: 'ory_pat_t', KRATOS_RATE_LIMIT_RPM: '400' } });
      assert.equal(o.capabilities.rateLimitPerSecond, 400 / 60);
      assert.equal(o.capabilities.organizations, false, 'without Keto URLs organizations are not written');
      assert.equal(o.capabilities.removesMemberships, false);
      assert.equal(o.removeMembership, undefined, 'nor removed');
      assert.equal(o.capabilities.deletesOrganizations, false);
      assert.equal(o.deleteOrganization, undefined, 'nor deleted');
      assert.equal(o.capabilities.deletesUsers, true);
    } finally {
      await ory.stop();
    }
  });
});
