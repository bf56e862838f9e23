import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkOS } from '@workos-inc/node';
import { hashPassword } from '../../model/password/index.js';
import type { PasswordHash } from '../../model/password/types.js';
import { emptyUser, type CanonicalUser } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { CreateUserOptions, Target } from '../../protocol/target.js';
import { TARGET_MODULES } from '../index.js';
import { workosConnection } from './target.js';
import { target } from './index.js';
import { startWorkosSimulator, type WorkosSimulator, type WorkosSimulatorOptions } from './sim/server.js';
import { failure } from '../../../test/helpers/failure.js';
import { base32Decode, totp } from '../../model/totp.js';
import { secret } from '../../model/secret.js';

const IMPORT: CreateUserOptions = { includePasswordHash: true, missingPassword: 'jit' };

function user(sourceId: string, email: string, extra: Partial<CanonicalUser> = {}): CanonicalUser {
  return {
    ...emptyUser(sourceId),
    emails: [{ address: email, normalized: email.toLowerCase(), verified: true, primary: true }],
    ...extra,
  };
}

function withHash(u: CanonicalUser, hash: PasswordHash): CanonicalUser {
  return { ...u, password: hash, passwordPlan: 'import' };
}

function envFor(sim: WorkosSimulator, extra: Record<string, string> = {}): Record<string, string> {
  return { WORKOS_API_URL: sim.url, WORKOS_API_KEY: sim.apiKey, WORKOS_CLIENT_ID: sim.clientId, ...extra };
}

function sdkFor(sim: WorkosSimulator): WorkOS {
  const u = new URL(sim.url);
  return new WorkOS(sim.apiKey, { apiHostname: u.hostname, port: Number(u.port), https: false });
}

async function openOn(opts: WorkosSimulatorOptions, env: Record<string, string> = {}) {
  const sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0, ...opts });
  const t = await target.open({ env: envFor(sim, env) });
  return { sim, t };
}

describe('WorkOS target: users, organizations, memberships through the SDK', () => {
  let sim: WorkosSimulator;
  let t: Target;
  before(async () => ({ sim, t } = await openOn({ roles: ['admin', 'member', 'billing-manager'] })));
  after(() => sim.stop());

  it('is registered and opens from TARGET_MODULES', async () => {
    const mod = await TARGET_MODULES.workos!();
    assert.equal(mod.target.name, 'workos');
    assert.equal(mod.target.capabilities.rateLimitPerSecond, 50);
  });

  it('creates a user with its hash, external id, names and metadata; finds it by external id and by email', async () => {
    const bcrypt = await hashPassword('bcrypt', 'pw-ada-1', { cost: 4 });
    const ada = withHash(
      user('user_2ada', 'Ada@Example.com', {
        firstName: 'Ada',
        lastName: 'Lovelace',
        externalId: 'app-42',
        metadata: { public: { plan: 'pro', seats: 3 }, private: { stripe: 'cus_1' } },
      }),
      bcrypt,
    );
    const before = { ...t.stats };
    const ref = await t.createUser(ada, IMPORT);
    assert.equal(t.stats.writes, before.writes + 1);
    assert.equal(ref.externalId, 'user_2ada');
    const stored = sim.users().find((u) => u.id === ref.id)!;
    assert.equal(stored.email, 'Ada@Example.com');
    assert.equal(stored.first_name, 'Ada');
    assert.equal(stored.email_verified, true);
    assert.equal(stored.password_source, 'bcrypt');
    assert.deepEqual(stored.metadata, { source_external_id: 'app-42', plan: 'pro', seats: '3', stripe: 'cus_1' });

    assert.equal((await t.findUser({ externalId: 'user_2ada' }))?.id, ref.id);
    assert.equal((await t.findUser({ externalId: 'user_unknown', email: 'ADA@example.com' }))?.id, ref.id);
    assert.equal(await t.findUser({ externalId: 'user_unknown', email: 'nobody@example.com' }), undefined);
    assert.ok(t.stats.reads >= before.reads + 4);
    assert.deepEqual(await t.login('ada@example.com', 'pw-ada-1'), { ok: true, userId: ref.id });
  });

  it('a second user with the same email is E_TARGET_CONFLICT (skippable); a bad email is E_TARGET_VALIDATION (skippable)', async () => {
    await t.createUser(user('user_dup1', 'dup@example.com'), IMPORT);
    const writes = t.stats.writes;
    const e = await failure(t.createUser(user('user_dup2', 'DUP@example.com'), IMPORT));
    assert.equal(e.code, 'E_TARGET_CONFLICT');
    assert.equal(e.errorClass, 'skippable');
    assert.equal(t.stats.writes, writes + 1, 'a failed write still counts');
    const v = await failure(t.createUser(user('user_bad', 'not-an-email'), IMPORT));
    assert.equal(v.code, 'E_TARGET_VALIDATION');
    assert.equal(v.errorClass, 'skippable');
    const none = await failure(t.createUser({ ...emptyUser('user_noemail') }, IMPORT));
    assert.equal(none.code, 'E_NO_EMAIL');
  });

  it('links a signup made in WorkOS: found by email, given the external id and source fields, never un-verified', async () => {
    const signup = await sdkFor(sim).userManagement.createUser({ email: 'signup@example.com', emailVerified: true, metadata: { app: 'kept' } });
    const source = user('user_src_signup', 'signup@example.com', { firstName: 'Sig', metadata: { public: { plan: 'free' }, private: {} } });
    source.emails[0]!.verified = false;
    const ref = await t.findUser({ externalId: 'user_src_signup', email: 'signup@example.com' });
    assert.equal(ref?.id, signup.id);
    await t.updateUser(ref!, source, { includePasswordHash: false, missingPassword: 'jit' });
    const stored = sim.users().find((u) => u.id === signup.id)!;
    assert.equal(stored.external_id, 'user_src_signup');
    assert.equal(stored.first_name, 'Sig');
    assert.equal(stored.email_verified, true);
    assert.deepEqual(stored.metadata, { app: 'kept', plan: 'free' }, "the app's own metadata stays");
    assert.equal((await t.findUser({ externalId: 'user_src_signup' }))?.id, signup.id);
  });

  it('organizations: found by external id after creation; linked by name only when the name is unambiguous', async () => {
    assert.equal(await t.findOrganization({ externalId: 'org_src_1', name: 'Acme' }), undefined);
    const acme = await t.createOrganization({ sourceId: 'org_src_1', name: 'Acme', slug: 'acme', metadata: {} });
    assert.equal((await t.findOrganization({ externalId: 'org_src_1', name: 'Acme' }))?.id, acme.id);
    assert.deepEqual(sim.organizations().find((o) => o.id === acme.id)?.metadata, { slug: 'acme' });
    const dup = await failure(t.createOrganization({ sourceId: 'org_src_1', name: 'Acme 2', metadata: {} }));
    assert.equal(dup.code, 'E_TARGET_CONFLICT');

    const w = sdkFor(sim);
    const appMade = await w.organizations.createOrganization({ name: 'Made By App' });
    await w.organizations.createOrganization({ name: 'Twice' });
    await w.organizations.createOrganization({ name: 'Twice' });
    const fresh = await target.open({ env: envFor(sim) });
    assert.equal((await fresh.findOrganization({ externalId: 'org_src_app', name: 'Made By App' }))?.id, appMade.id);
    assert.equal(await fresh.findOrganization({ externalId: 'org_src_twice', name: 'Twice' }), undefined);
  });

  it('memberships: created, then exists, then updated on a role change, reactivated when inactive; roles drop the org: prefix', async () => {
    const org = await t.createOrganization({ sourceId: 'org_members', name: 'Members', metadata: {} });
    const u = await t.createUser(user('user_member', 'member@example.com'), IMPORT);
    assert.equal(await t.ensureMembership(u, org, ['org:admin']), 'created');
    assert.equal(await t.ensureMembership(u, org, ['org:admin']), 'exists');
    assert.equal(await t.ensureMembership(u, org, []), 'exists', 'no source role: keep what is there');
    assert.equal(await t.ensureMembership(u, org, ['org:member', 'org:billing_manager'.replace('_', '-')]), 'updated');
    const view = await t.getUser(u);
    assert.deepEqual(view?.memberships, [{ organizationId: org.id, organizationExternalId: 'org_members', roles: ['member', 'billing-manager'] }]);

    const w = sdkFor(sim);
    const m = (await w.userManagement.listOrganizationMemberships({ userId: u.id })).data[0]!;
    await w.userManagement.deactivateOrganizationMembership(m.id);
    assert.equal((await t.getUser(u))?.memberships.length, 0, 'inactive memberships are not shown');
    assert.equal(await t.ensureMembership(u, org, ['org:admin']), 'updated');
    assert.deepEqual((await t.getUser(u))?.memberships[0]?.roles, ['admin']);

    const bad = await failure(t.ensureMembership(u, org, ['org:owner']));
    assert.equal(bad.code, 'E_TARGET_VALIDATION', 'a role the environment lacks');
    assert.equal(t.roleName?.('org:admin'), 'admin');
  });

  it('memberships with nothingSent: created without a read; an existing one (409) is compared, not doubled', async () => {
    const org = await t.createOrganization({ sourceId: 'org_first', name: 'First', metadata: {} });
    const u = await t.createUser(user('user_first', 'first@example.com'), IMPORT);
    const reads = t.stats.reads;
    const writes = t.stats.writes;
    assert.equal(await t.ensureMembership(u, org, ['org:admin'], { nothingSent: true }), 'created');
    assert.equal(t.stats.reads - reads, 0, 'no read before a first create');
    assert.equal(t.stats.writes - writes, 1);
    // The account held the membership already (it existed before the migration): one refused create, then compare.
    assert.equal(await t.ensureMembership(u, org, ['org:admin'], { nothingSent: true }), 'exists');
    assert.equal(await t.ensureMembership(u, org, ['org:member'], { nothingSent: true }), 'updated');
    const all = sim.memberships().filter((m) => m.user_id === u.id);
    assert.equal(all.length, 1, 'one membership, never two');
    assert.deepEqual((await t.getUser(u))?.memberships[0]?.roles, ['member']);
  });

  it('getUser shows what WorkOS holds; listUsers streams every user across pages with memberships', async () => {
    const local = await openOn({});
    try {
      const org = await local.t.createOrganization({ sourceId: 'org_list', name: 'List', metadata: {} });
      const refs = [];
      for (let i = 0; i < 150; i++) refs.push(await local.t.createUser(user(`user_l${i}`, `l${i}@example.com`, { firstName: `L${i}` }), IMPORT));
      await local.t.ensureMembership(refs[7]!, org, ['org:member']);
      await local.t.ensureMembership(refs[140]!, org, ['org:admin']);
      const seen = [];
      const reads = local.t.stats.reads;
      for await (const v of local.t.listUsers()) seen.push(v);
      assert.equal(seen.length, 150);
      assert.equal(new Set(seen.map((v) => v.id)).size, 150);
      assert.ok(local.t.stats.reads - reads <= 6, `few reads: ${local.t.stats.reads - reads}`);
      const v7 = seen.find((v) => v.externalId === 'user_l7')!;
      assert.equal(v7.firstName, 'L7');
      assert.equal(v7.emailVerified, true);
      assert.deepEqual(v7.memberships, [{ organizationId: org.id, organizationExternalId: 'org_list', roles: ['member'] }]);
      assert.deepEqual(seen.find((v) => v.externalId === 'user_l140')!.memberships[0]?.roles, ['admin']);
      assert.equal(await local.t.getUser({ id: 'user_missing' }), undefined);
    } finally {
      await local.sim.stop();
    }
  });

  it('login: wrong password and non-email identifiers fail with a reason; setPassword sets a native password', async () => {
    const u = await t.createUser(withHash(user('user_pw', 'pw@example.com'), await hashPassword('argon2id', 'old-secret')), IMPORT);
    assert.deepEqual(await t.login('pw@example.com', 'wrong'), { ok: false, reason: 'invalid_credentials' });
    assert.equal((await t.login('just-a-name', 'x')).ok, false);
    await t.setPassword(u, 'new-secret');
    assert.deepEqual(await t.login('pw@example.com', 'new-secret'), { ok: true, userId: u.id });
    assert.equal((await t.login('pw@example.com', 'old-secret')).ok, false);
  });

  it('login when WorkOS answers a wrong password with 400 instead of 401: same result, no key check needed', async () => {
    const local = await openOn({ invalidCredentialsStatus: 400 });
    try {
      await local.t.createUser(withHash(user('user_400', 'four@example.com'), await hashPassword('bcrypt', 'right', { cost: 4 })), IMPORT);
      const reads = local.t.stats.reads;
      assert.deepEqual(await local.t.login('four@example.com', 'wrong'), { ok: false, reason: 'invalid_credentials' });
      assert.equal(local.t.stats.reads, reads);
      assert.equal((await local.t.login('four@example.com', 'right')).ok, true);
    } finally {
      await local.sim.stop();
    }
  });

  it('TOTP: the factor is enrolled with the source secret once; sign-in answers the mfa_challenge with a code from it', async () => {
    const key = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const bcrypt = await hashPassword('bcrypt', 'pw-totp-1', { cost: 4 });
    const u = withHash(user('user_totp', 'totp@example.com', { mfa: [{ kind: 'totp', secret: secret(key) }] }), bcrypt);
    const ref = await t.createUser(u, IMPORT);
    const factors = async () => (await sdkFor(sim).userManagement.listAuthFactors({ userId: ref.id })).data;
    assert.equal((await factors()).length, 1);
    assert.deepEqual(await t.login('totp@example.com', 'pw-totp-1'), { ok: false, reason: 'mfa_required' });
    const code = { totpCode: () => totp(base32Decode(key)) };
    assert.deepEqual(await t.login('totp@example.com', 'pw-totp-1', code), { ok: true, userId: ref.id });
    const wrong = { totpCode: () => String((Number(totp(base32Decode(key))) + 1) % 1_000_000).padStart(6, '0') };
    assert.equal((await t.login('totp@example.com', 'pw-totp-1', wrong)).ok, false, 'a wrong code is refused');
    assert.deepEqual(await t.login('totp@example.com', 'wrong', code), { ok: false, reason: 'invalid_credentials' });
    // Recovery of an acknowledged-or-not create: the factor is there, nothing is enrolled again.
    await t.repairUser!(ref, u, IMPORT);
    await t.updateUser(ref, u, IMPORT);
    assert.equal((await factors()).length, 1, 'never a second factor');
    // A user created without its factor (the enrol never went out): repair enrols it.
    const bare = await sdkFor(sim).userManagement.createUser({ email: 'bare@example.com', externalId: 'user_bare', passwordHash: bcrypt.phc.reveal(), passwordHashType: 'bcrypt' });
    const bareUser = withHash(user('user_bare', 'bare@example.com', { mfa: [{ kind: 'totp', secret: secret(key) }] }), bcrypt);
    await t.repairUser!({ id: bare.id, externalId: 'user_bare' }, bareUser, IMPORT);
    await t.repairUser!({ id: bare.id, externalId: 'user_bare' }, bareUser, IMPORT);
    assert.equal((await sdkFor(sim).userManagement.listAuthFactors({ userId: bare.id })).data.length, 1);
    assert.equal((await t.login('bare@example.com', 'pw-totp-1', code)).ok, true);
  });

  it('a hash WorkOS cannot take is left out (user created for JIT) and named in lossyNotes', async () => {
    // Django's sha1$ is sha1(salt ∥ password): an ssha1 hash with no LDAP {SSHA} form.
    const hash = await hashPassword('ssha1', 'pw', { saltPosition: 'prefix' });
    const u = withHash(user('user_nohash', 'nohash@example.com'), hash);
    const notes = t.lossyNotes!(u, IMPORT);
    assert.ok(notes.some((n) => n.field === 'password' && /no form WorkOS accepts/.test(n.reason)), JSON.stringify(notes));
    const ref = await t.createUser(u, IMPORT);
    assert.equal(sim.users().find((x) => x.id === ref.id)?.password_source, null);
  });
});

describe('WorkOS target: every failure is classified for the engine', () => {
  it('429 → E_RATE_LIMITED, retriable, with Retry-After seconds', async () => {
    const { sim, t } = await openOn({ rateLimit: 0.05, burst: 1 });
    try {
      await t.createUser(user('user_r1', 'r1@example.com'), IMPORT);
      const e = await failure(t.createUser(user('user_r2', 'r2@example.com'), IMPORT));
      assert.equal(e.code, 'E_RATE_LIMITED');
      assert.equal(e.errorClass, 'retriable');
      assert.ok(e.retryAfterSeconds !== undefined && e.retryAfterSeconds >= 1 && e.retryAfterSeconds <= 20);
    } finally {
      await sim.stop();
    }
  });

  for (const [spec, label] of [
    ['5xx=1', '5xx (500/503 JSON, 502 HTML)'],
    ['reset=1', 'a reset connection'],
    ['reset-after-commit=1', 'a reset after the write was applied'],
    ['timeout=1', 'no answer before the client timeout'],
  ] as const) {
    it(`${label} → E_TARGET_UNAVAILABLE, retriable; the message holds no secret`, async () => {
      const { sim, t } = await openOn({ faults: spec, seed: 3, timeoutHoldMs: 3000 }, { WORKOS_TIMEOUT_MS: '300' });
      try {
        const hash = await hashPassword('bcrypt', 'super-secret-pw', { cost: 4 });
        for (let i = 0; i < (spec === '5xx=1' ? 6 : 1); i++) {
          const e = await failure(t.createUser(withHash(user(`user_f${i}`, `f${i}@example.com`), hash), IMPORT));
          assert.equal(e.code, 'E_TARGET_UNAVAILABLE', e.message);
          assert.equal(e.errorClass, 'retriable');
          for (const text of [e.message, String(e.cause), JSON.stringify(e)]) {
            assert.ok(!text.includes(hash.phc.reveal()) && !text.includes('super-secret-pw') && !text.includes(sim.apiKey), text);
          }
        }
        assert.equal(t.stats.writes, spec === '5xx=1' ? 6 : 1);
      } finally {
        await sim.stop();
      }
    });
  }

  it('a wrong API key → E_TARGET_AUTH, fatal (also at login, where 401 could mean a wrong password)', async () => {
    const sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0 });
    try {
      const t = await target.open({ env: envFor(sim, { WORKOS_API_KEY: 'sk_test_wrong' }) });
      const e = await failure(t.findUser({ externalId: 'x', email: 'x@example.com' }));
      assert.equal(e.code, 'E_TARGET_AUTH');
      assert.equal(e.errorClass, 'fatal');
      assert.ok(!e.message.includes('sk_test_wrong'));
      const l = await failure(t.login('x@example.com', 'pw'));
      assert.equal(l.code, 'E_TARGET_AUTH');
      const noClient = await target.open({ env: envFor(sim, { WORKOS_CLIENT_ID: '' }) });
      assert.equal((await failure(noClient.login('x@example.com', 'pw'))).code, 'E_TARGET_AUTH');
      const wrongClient = await target.open({ env: envFor(sim, { WORKOS_CLIENT_ID: 'client_other' }) });
      assert.equal((await failure(wrongClient.login('x@example.com', 'pw'))).errorClass, 'fatal');
    } finally {
      await sim.stop();
    }
  });

  it('connection settings: URL → host/port/https; a path or a missing key is refused before any request', () => {
    const c = workosConnection({ env: { WORKOS_API_KEY: 'sk_test_1', WORKOS_API_URL: 'http://127.0.0.1:4100' } });
    assert.deepEqual([c.apiHostname, c.port, c.https, c.timeoutMs], ['127.0.0.1', 4100, false, 30_000]);
    const d = workosConnection({ env: { WORKOS_API_KEY: 'sk_test_1' } });
    assert.deepEqual([d.apiHostname, d.port, d.https], ['api.workos.com', undefined, true]);
    assert.equal(workosConnection({ env: { WORKOS_API_KEY: 'k' }, url: 'https://eu.example:8443' }).port, 8443);
    assert.throws(() => workosConnection({ env: { WORKOS_API_KEY: 'k' }, url: 'http://h/api' }), (e: FlaglessError) => e.code === 'E_USAGE');
    assert.throws(() => workosConnection({ env: {} }), (e: FlaglessError) => e.code === 'E_TARGET_AUTH' && e.errorClass === 'fatal');
  });
});
