import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkOS } from '@workos-inc/node';
import { hashPassword } from '../../../model/password/index.js';
import type { HashAlgorithm } from '../../../model/password/types.js';
import { encodeForWorkos } from '../hash-types.js';
import { startWorkosSimulator, type WorkosSimulator } from './server.js';

// The official SDK (8.13) against the simulator, endpoint by endpoint.

function sdkFor(sim: WorkosSimulator, apiKey = sim.apiKey): WorkOS {
  const u = new URL(sim.url);
  return new WorkOS(apiKey, { apiHostname: u.hostname, port: Number(u.port), https: false, clientId: sim.clientId });
}

async function rejection(p: Promise<unknown>): Promise<Record<string, any>> {
  try {
    await p;
  } catch (e) {
    return e as Record<string, any>;
  }
  assert.fail('expected the call to fail');
}

async function raw(sim: WorkosSimulator, method: string, path: string, body?: unknown) {
  const res = await fetch(sim.url + path, {
    method,
    headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe('WorkOS simulator: users through @workos-inc/node', () => {
  let sim: WorkosSimulator;
  let w: WorkOS;
  before(async () => {
    sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0 });
    w = sdkFor(sim);
  });
  after(() => sim.stop());

  it('creates, reads, finds by external id, updates and deletes a user in WorkOS shapes', async () => {
    const created = await w.userManagement.createUser({
      email: 'Ada@Example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      emailVerified: true,
      externalId: 'user_2src',
      metadata: { plan: 'pro' },
    });
    assert.match(created.id, /^user_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.equal(created.email, 'Ada@Example.com');
    assert.equal(created.emailVerified, true);
    assert.equal(created.externalId, 'user_2src');
    assert.deepEqual(created.metadata, { plan: 'pro' });
    assert.equal(created.profilePictureUrl, null);
    assert.ok(Date.parse(created.createdAt));

    assert.equal((await w.userManagement.getUser(created.id)).email, 'Ada@Example.com');
    assert.equal((await w.userManagement.getUserByExternalId('user_2src')).id, created.id);

    const updated = await w.userManagement.updateUser({ userId: created.id, firstName: 'Augusta', metadata: { tier: 'gold', plan: null } });
    assert.equal(updated.firstName, 'Augusta');
    assert.equal(updated.lastName, 'Lovelace', 'fields not sent stay');
    assert.deepEqual(updated.metadata, { tier: 'gold' }, 'metadata merges; null removes a key');

    await w.userManagement.deleteUser(created.id);
    const gone = await rejection(w.userManagement.getUser(created.id));
    assert.equal(gone.name, 'NotFoundException');
    assert.equal((await rejection(w.userManagement.getUserByExternalId('user_2src'))).name, 'NotFoundException');
  });

  it('an external id with reserved URL characters round-trips when escaped', async () => {
    const u = await w.userManagement.createUser({ email: 'pipe@example.com', externalId: 'auth0|abc/def' });
    assert.equal((await w.userManagement.getUserByExternalId(encodeURIComponent('auth0|abc/def'))).id, u.id);
  });

  it('rejects a duplicate email (any case) with the live 400 user_creation_error body', async () => {
    await w.userManagement.createUser({ email: 'dup@example.com' });
    const e = await rejection(w.userManagement.createUser({ email: 'DUP@example.com' }));
    assert.equal(e.name, 'BadRequestException');
    assert.equal(e.status, 400);
    assert.equal(e.code, 'user_creation_error');
    assert.deepEqual(e.errors, [{ code: 'email_not_available', message: 'This email is not available.' }]);
    const r = await raw(sim, 'POST', '/user_management/users', { email: 'dup@example.com' });
    assert.deepEqual(r.body, { message: 'Could not create user.', code: 'user_creation_error', errors: [{ code: 'email_not_available', message: 'This email is not available.' }] });
  });

  it('rejects a duplicate external id, on create and on update', async () => {
    const a = await w.userManagement.createUser({ email: 'ext-a@example.com', externalId: 'same' });
    const e = await rejection(w.userManagement.createUser({ email: 'ext-b@example.com', externalId: 'same' }));
    assert.equal(e.name, 'BadRequestException');
    assert.equal(e.errors[0].code, 'external_id_already_used');
    const b = await w.userManagement.createUser({ email: 'ext-b@example.com' });
    const u = await rejection(w.userManagement.updateUser({ userId: b.id, externalId: 'same' }));
    assert.equal(u.errors[0].code, 'external_id_already_used');
    const m = await rejection(w.userManagement.updateUser({ userId: b.id, email: 'EXT-A@example.com' }));
    assert.equal(m.errors[0].code, 'email_not_available');
    assert.equal((await w.userManagement.getUser(a.id)).externalId, 'same');
  });

  it('validates email, names, external id length and unknown fields with 422 field codes', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{}, 'email', 'required'],
      [{ email: 'not-an-email' }, 'email', 'invalid_email'],
      [{ email: 'x@example.com', first_name: 5 }, 'first_name', 'invalid_type'],
      [{ email: 'x@example.com', email_verified: 'yes' }, 'email_verified', 'invalid_type'],
      [{ email: 'x@example.com', external_id: 'x'.repeat(65) }, 'external_id', 'invalid_external_id'],
      [{ email: 'x@example.com', firstName: 'camel' }, 'firstName', 'unknown_field'],
    ];
    for (const [body, field, code] of cases) {
      const r = await raw(sim, 'POST', '/user_management/users', body);
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.body.code, 'unprocessable_entity');
      assert.deepEqual(r.body.errors.map((x: { field: string; code: string }) => [x.field, x.code]), [[field, code]]);
    }
    const e = await rejection(w.userManagement.createUser({ email: 'nope' }));
    assert.equal(e.name, 'UnprocessableEntityException');
    assert.match(e.message, /invalid_email/);
    const bad = await raw(sim, 'POST', '/user_management/users', '{not json');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_request_body');
  });

  it('enforces the documented metadata limits: 10 keys, key ≤ 40, value ≤ 600, ASCII strings', async () => {
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v']));
    const { k9: _dropped, ...nine } = ten;
    const ok = await w.userManagement.createUser({ email: 'meta-ok@example.com', metadata: { ...nine, k0: 'x'.repeat(600), ['k'.repeat(40)]: 'edge' } });
    assert.equal(Object.keys(ok.metadata).length, 10);
    assert.equal(ok.metadata['k'.repeat(40)], 'edge');
    const cases: [unknown, string][] = [
      [eleven, 'too_many_keys'],
      [{ ['k'.repeat(41)]: 'v' }, 'invalid_key'],
      [{ k: 'x'.repeat(601) }, 'invalid_value'],
      [{ k: 'café' }, 'invalid_value'],
      [{ k: 1 }, 'invalid_type'],
      [{ k: { nested: true } }, 'invalid_type'],
    ];
    for (const [metadata, code] of cases) {
      const r = await raw(sim, 'POST', '/user_management/users', { email: 'meta@example.com', metadata });
      assert.equal(r.status, 422, code);
      assert.equal(r.body.errors[0].code, code);
    }
    // An update that would push the merged map over 10 keys is refused too.
    const u = await rejection(w.userManagement.updateUser({ userId: ok.id, metadata: { extra: 'v' } }));
    assert.equal(u.name, 'UnprocessableEntityException');
  });

  it('password and password_hash exclude each other; hash and type require each other; types and strings are checked', async () => {
    const bcrypt = await hashPassword('bcrypt', 'pw', { cost: 4 });
    const cases: [Record<string, unknown>, string][] = [
      [{ password: 'pw', password_hash: bcrypt.phc.reveal(), password_hash_type: 'bcrypt' }, 'password_and_hash_given'],
      [{ password_hash: bcrypt.phc.reveal() }, 'required'],
      [{ password_hash_type: 'bcrypt' }, 'required'],
      [{ password_hash: bcrypt.phc.reveal(), password_hash_type: 'md5' }, 'invalid_password_hash_type'],
      [{ password_hash: bcrypt.phc.reveal(), password_hash_type: 'pbkdf2' }, 'invalid_password_hash_type'],
      [{ password_hash: bcrypt.phc.reveal(), password_hash_type: 'argon2' }, 'invalid_password_hash'],
      [{ password_hash: '$2b$10$tooshort', password_hash_type: 'bcrypt' }, 'invalid_password_hash'],
    ];
    for (const [extra, code] of cases) {
      const r = await raw(sim, 'POST', '/user_management/users', { email: 'pw-case@example.com', ...extra });
      assert.equal(r.status, 422, code);
      assert.equal(r.body.errors[0].code, code);
      assert.ok(!JSON.stringify(r.body).includes(bcrypt.phc.reveal()), 'an error never echoes the hash');
    }
  });

  it('lists users with email and organization filters, limit bounds, order and both cursors', async () => {
    const local = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0 });
    try {
      const s = sdkFor(local);
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push((await s.userManagement.createUser({ email: `p${i}@example.com` })).id);

      const first = await s.userManagement.listUsers({ limit: 10, order: 'asc' });
      assert.deepEqual(first.data.map((u) => u.id), ids.slice(0, 10));
      assert.equal(first.listMetadata.before, null);
      assert.equal(first.listMetadata.after, ids[9]);
      const second = await s.userManagement.listUsers({ limit: 10, order: 'asc', after: ids[9]! });
      assert.deepEqual(second.data.map((u) => u.id), ids.slice(10, 20));
      assert.equal(second.listMetadata.before, ids[10]);
      const last = await s.userManagement.listUsers({ limit: 10, order: 'asc', after: ids[19]! });
      assert.deepEqual(last.data.map((u) => u.id), ids.slice(20));
      assert.equal(last.listMetadata.after, null);
      const back = await s.userManagement.listUsers({ limit: 10, order: 'asc', before: ids[10]! });
      assert.deepEqual(back.data.map((u) => u.id), ids.slice(0, 10));

      const desc = await s.userManagement.listUsers({ limit: 3 });
      assert.deepEqual(desc.data.map((u) => u.id), ids.slice(-3).reverse(), 'the SDK asks for order=desc by default');
      const defaultLimit = await s.userManagement.listUsers();
      assert.equal(defaultLimit.data.length, 10, 'default limit is 10');
      const all = await defaultLimit.autoPagination();
      assert.equal(all.length, 25);

      const byEmail = await s.userManagement.listUsers({ email: 'P7@EXAMPLE.com' });
      assert.deepEqual(byEmail.data.map((u) => u.id), [ids[7]]);

      const org = await s.organizations.createOrganization({ name: 'Filter Org' });
      await s.userManagement.createOrganizationMembership({ organizationId: org.id, userId: ids[3]! });
      await s.userManagement.createOrganizationMembership({ organizationId: org.id, userId: ids[4]! });
      const members = await s.userManagement.listUsers({ organizationId: org.id, order: 'asc' });
      assert.deepEqual(members.data.map((u) => u.id), [ids[3], ids[4]]);

      for (const limit of ['0', '101', 'x']) {
        const r = await raw(local, 'GET', `/user_management/users?limit=${limit}`);
        assert.equal(r.status, 422, `limit=${limit}`);
      }
      assert.equal((await raw(local, 'GET', '/user_management/users?limit=100')).status, 200);
    } finally {
      await local.stop();
    }
  });

  it('answers 401 to a wrong or missing API key and 404 to an unknown path', async () => {
    const e = await rejection(sdkFor(sim, 'sk_test_wrong').userManagement.listUsers());
    assert.equal(e.name, 'UnauthorizedException');
    const r = await fetch(`${sim.url}/user_management/users`);
    assert.equal(r.status, 401);
    assert.equal((await raw(sim, 'GET', '/user_management/nothing/here')).status, 404);
    assert.ok(sim.stats().unauthorized >= 2);
  });
});

describe('WorkOS simulator: organizations and memberships', () => {
  let sim: WorkosSimulator;
  let w: WorkOS;
  before(async () => {
    sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0, roles: ['admin', 'member', 'billing'] });
    w = sdkFor(sim);
  });
  after(() => sim.stop());

  it('creates organizations, finds them by id and external id, rejects a second external id, replays an idempotency key', async () => {
    const org = await w.organizations.createOrganization({ name: 'Acme', externalId: 'org_src_1', metadata: { tier: 'gold' } });
    assert.match(org.id, /^org_/);
    assert.deepEqual(org.domains, []);
    assert.equal(org.externalId, 'org_src_1');
    assert.equal((await w.organizations.getOrganization(org.id)).name, 'Acme');
    assert.equal((await w.organizations.getOrganizationByExternalId('org_src_1')).id, org.id);
    const dup = await rejection(w.organizations.createOrganization({ name: 'Acme again', externalId: 'org_src_1' }));
    assert.equal(dup.name, 'ConflictException');
    const missingName = await rejection(w.organizations.createOrganization({ name: '' }));
    assert.equal(missingName.name, 'UnprocessableEntityException');

    const first = await w.organizations.createOrganization({ name: 'Idem' }, { idempotencyKey: 'key-1' });
    const again = await w.organizations.createOrganization({ name: 'Idem' }, { idempotencyKey: 'key-1' });
    assert.equal(again.id, first.id);
    const list = await w.organizations.listOrganizations({ limit: 100 });
    assert.equal(list.data.filter((o) => o.name === 'Idem').length, 1);
  });

  it('adds members with roles, refuses a second membership, updates roles, lists by user and organization, reactivates', async () => {
    const org = await w.organizations.createOrganization({ name: 'Members Inc' });
    const user = await w.userManagement.createUser({ email: 'member@example.com' });
    const m = await w.userManagement.createOrganizationMembership({ organizationId: org.id, userId: user.id, roleSlug: 'admin' });
    assert.equal(m.status, 'active');
    assert.deepEqual(m.role, { slug: 'admin' });
    assert.equal(m.organizationName, 'Members Inc');

    const dup = await rejection(w.userManagement.createOrganizationMembership({ organizationId: org.id, userId: user.id }));
    assert.equal(dup.name, 'ConflictException');

    const updated = await w.userManagement.updateOrganizationMembership(m.id, { roleSlugs: ['member', 'billing'] });
    assert.deepEqual(updated.roles, [{ slug: 'member' }, { slug: 'billing' }]);
    assert.deepEqual(updated.role, { slug: 'member' });

    const byUser = await w.userManagement.listOrganizationMemberships({ userId: user.id });
    assert.deepEqual(byUser.data.map((x) => x.id), [m.id]);
    const byBoth = await w.userManagement.listOrganizationMemberships({ userId: user.id, organizationId: org.id });
    assert.equal(byBoth.data.length, 1);

    await w.userManagement.deactivateOrganizationMembership(m.id);
    assert.equal((await w.userManagement.listOrganizationMemberships({ organizationId: org.id, statuses: ['active'] })).data.length, 0);
    const again = await w.userManagement.createOrganizationMembership({ organizationId: org.id, userId: user.id });
    assert.equal(again.id, m.id, 'creating over an inactive membership reactivates it');
    assert.equal(again.status, 'active');

    const unknownRole = await rejection(w.userManagement.createOrganizationMembership({ organizationId: org.id, userId: (await w.userManagement.createUser({ email: 'r@example.com' })).id, roleSlug: 'owner' }));
    assert.equal(unknownRole.name, 'UnprocessableEntityException');
    const noOrg = await rejection(w.userManagement.createOrganizationMembership({ organizationId: 'org_missing', userId: user.id }));
    assert.equal(noOrg.name, 'NotFoundException');
    const noUser = await rejection(w.userManagement.createOrganizationMembership({ organizationId: org.id, userId: 'user_missing' }));
    assert.equal(noUser.name, 'NotFoundException');
    const noFilter = await raw(sim, 'GET', '/user_management/organization_memberships');
    assert.equal(noFilter.status, 422);

    await w.userManagement.deleteUser(user.id);
    assert.equal((await w.userManagement.listOrganizationMemberships({ organizationId: org.id })).data.length, 0, 'deleting a user removes its memberships');
  });

  it('updates an organization (name, merged metadata, external id kept unique) and deletes it with its memberships; unknown ids are 404', async () => {
    const org = await w.organizations.createOrganization({ name: 'Rename Me', externalId: 'org_src_rename', metadata: { tier: 'gold', slug: 'rename-me' } });
    const renamed = await w.organizations.updateOrganization({ organization: org.id, name: 'Renamed', metadata: { slug: 'renamed' } });
    assert.equal(renamed.name, 'Renamed');
    assert.deepEqual(renamed.metadata, { tier: 'gold', slug: 'renamed' }, 'metadata given on update is merged into what is there');
    assert.equal(renamed.externalId, 'org_src_rename', 'an update without external_id keeps it');
    assert.equal((await w.organizations.getOrganizationByExternalId('org_src_rename')).name, 'Renamed');
    const other = await w.organizations.createOrganization({ name: 'Other', externalId: 'org_src_other' });
    const taken = await rejection(w.organizations.updateOrganization({ organization: other.id, externalId: 'org_src_rename' }));
    assert.equal(taken.name, 'ConflictException');
    const blank = await rejection(w.organizations.updateOrganization({ organization: org.id, name: '  ' }));
    assert.equal(blank.name, 'UnprocessableEntityException');
    const unknownField = await raw(sim, 'PUT', `/organizations/${org.id}`, { name: 'x', slug: 'x' });
    assert.equal(unknownField.status, 422, 'an organization has no slug field');
    assert.equal((await rejection(w.organizations.updateOrganization({ organization: 'org_missing', name: 'x' }))).name, 'NotFoundException');

    const user = await w.userManagement.createUser({ email: 'org-delete@example.com' });
    await w.userManagement.createOrganizationMembership({ organizationId: org.id, userId: user.id });
    await w.organizations.deleteOrganization(org.id);
    assert.equal((await rejection(w.organizations.getOrganization(org.id))).name, 'NotFoundException');
    assert.equal((await rejection(w.organizations.getOrganizationByExternalId('org_src_rename'))).name, 'NotFoundException', 'the external id is free again');
    assert.equal((await w.userManagement.listOrganizationMemberships({ userId: user.id })).data.length, 0, 'its memberships went with it');
    assert.equal((await w.userManagement.getUser(user.id)).id, user.id, 'the user stays');
    assert.equal((await rejection(w.organizations.deleteOrganization(org.id))).name, 'NotFoundException', 'a second delete is 404');
  });

  it('limits DELETE /organizations/* to its documented budget per key (429 with Retry-After), apart from other writes', async () => {
    const limited = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0, organizationDeletesPerMinute: 3 });
    try {
      const s = sdkFor(limited);
      const orgs = await Promise.all([0, 1, 2, 3].map((i) => s.organizations.createOrganization({ name: `Deleted ${i}` })));
      for (const o of orgs.slice(0, 3)) await s.organizations.deleteOrganization(o.id);
      const refused = await raw(limited, 'DELETE', `/organizations/${orgs[3]!.id}`);
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.equal((await s.organizations.getOrganization(orgs[3]!.id)).id, orgs[3]!.id, 'the refused delete changed nothing');
      assert.equal((await s.organizations.createOrganization({ name: 'Still allowed' })).name, 'Still allowed', 'other writes are not held back');
    } finally {
      await limited.stop();
    }
  });
});

describe('WorkOS simulator: password sign-in verifies every accepted hash type for real', () => {
  let sim: WorkosSimulator;
  let w: WorkOS;
  before(async () => {
    sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0 });
    w = sdkFor(sim);
  });
  after(() => sim.stop());

  const cases: [HashAlgorithm, Record<string, string | number>][] = [
    ['bcrypt', { cost: 4 }],
    ['firebase-scrypt', { signerKey: Buffer.alloc(64, 7).toString('base64'), saltSeparator: 'Bw==', rounds: 8, memCost: 14 }],
    ['ssha1', {}],
    ['scrypt', {}],
    ['argon2id', {}],
    ['argon2i', {}],
  ];
  for (const [algorithm, params] of cases) {
    it(`${algorithm}: the right password signs in, a wrong one is invalid_credentials`, async () => {
      const plaintext = `Correct horse ${algorithm} ✓`;
      const hash = await hashPassword(algorithm, plaintext, params);
      const encoded = encodeForWorkos(hash);
      assert.ok(encoded, `${algorithm} is sent to WorkOS`);
      const email = `${algorithm}@example.com`;
      const user = await w.userManagement.createUser({ email, passwordHash: encoded.hash, passwordHashType: encoded.type });
      const ok = await w.userManagement.authenticateWithPassword({ email, password: plaintext, clientId: sim.clientId });
      assert.equal(ok.user.id, user.id);
      assert.equal(ok.authenticationMethod, 'Password');
      assert.equal(ok.accessToken.split('.').length, 3);
      const bad = await rejection(w.userManagement.authenticateWithPassword({ email, password: `${plaintext}x`, clientId: sim.clientId }));
      assert.equal(bad.status, 401);
      const body = await fetch(`${sim.url}/user_management/authenticate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'password', client_id: sim.clientId, client_secret: sim.apiKey, email, password: 'wrong' }),
      });
      assert.equal(body.status, 401);
      assert.deepEqual(await body.json(), { message: 'Invalid credentials', code: 'invalid_credentials' });
    });
  }

  it('a plaintext password given at creation or update is hashed and verifies', async () => {
    const u = await w.userManagement.createUser({ email: 'plain@example.com', password: 'first-pass' });
    assert.ok(await w.userManagement.authenticateWithPassword({ email: 'plain@example.com', password: 'first-pass', clientId: sim.clientId }));
    await w.userManagement.updateUser({ userId: u.id, password: 'second-pass' });
    await rejection(w.userManagement.authenticateWithPassword({ email: 'plain@example.com', password: 'first-pass', clientId: sim.clientId }));
    const ok = await w.userManagement.authenticateWithPassword({ email: 'PLAIN@example.com', password: 'second-pass', clientId: sim.clientId });
    assert.equal(ok.user.id, u.id);
    assert.equal(sim.users().find((x) => x.id === u.id)?.password_source, 'plaintext');
  });

  it('a user without a password and an unknown email both fail as invalid_credentials', async () => {
    await w.userManagement.createUser({ email: 'nopw@example.com' });
    for (const email of ['nopw@example.com', 'nobody@example.com']) {
      const e = await rejection(w.userManagement.authenticateWithPassword({ email, password: 'x', clientId: sim.clientId }));
      assert.equal(e.status, 401);
    }
  });

  it('checks client id and secret; rate-limits attempts per email (10 per 60 s) with Retry-After', async () => {
    const badClient = await rejection(w.userManagement.authenticateWithPassword({ email: 'a@example.com', password: 'x', clientId: 'client_other' }));
    assert.equal(badClient.name, 'OauthException');
    assert.equal(badClient.error, 'invalid_client');
    const local = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0 });
    try {
      const s = sdkFor(local);
      await s.userManagement.createUser({ email: 'limited@example.com', password: 'pw-pw-pw' });
      for (let i = 0; i < 10; i++) await rejection(s.userManagement.authenticateWithPassword({ email: 'limited@example.com', password: 'wrong', clientId: local.clientId }));
      const e = await rejection(s.userManagement.authenticateWithPassword({ email: 'limited@example.com', password: 'pw-pw-pw', clientId: local.clientId }));
      assert.equal(e.name, 'RateLimitExceededException');
      assert.ok(e.retryAfter >= 1 && e.retryAfter <= 60);
      assert.ok(await s.userManagement.authenticateWithPassword({ email: 'other@example.com', password: 'x', clientId: local.clientId }).catch((x) => x.status === 401), 'another email is not limited');
    } finally {
      await local.stop();
    }
  });

  it('with requireEmailVerification, an unverified user gets email_verification_required (403)', async () => {
    const local = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0, requireEmailVerification: true });
    try {
      const s = sdkFor(local);
      await s.userManagement.createUser({ email: 'unverified@example.com', password: 'pw-123' });
      await s.userManagement.createUser({ email: 'verified@example.com', password: 'pw-123', emailVerified: true });
      const e = await rejection(s.userManagement.authenticateWithPassword({ email: 'unverified@example.com', password: 'pw-123', clientId: local.clientId }));
      assert.equal(e.status, 403);
      assert.equal(e.rawData.code, 'email_verification_required');
      assert.ok(e.rawData.pending_authentication_token);
      assert.ok(await s.userManagement.authenticateWithPassword({ email: 'verified@example.com', password: 'pw-123', clientId: local.clientId }));
    } finally {
      await local.stop();
    }
  });
});
