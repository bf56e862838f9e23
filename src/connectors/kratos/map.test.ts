import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword } from '../../model/password/index.js';
import { Secret } from '../../model/secret.js';
import { emptyUser, type CanonicalUser } from '../../model/user.js';
import { fromKratosIdentity, patchIdFor, toKratosIdentity } from './map.js';
import { traitPlanOf } from './schema.js';
import { DEFAULT_IDENTITY_SCHEMA } from './sim/traits.js';

const ctx = { schemaId: 'default', traits: traitPlanOf(DEFAULT_IDENTITY_SCHEMA), totpIssuer: 'Acme' };
const IMPORT = { includePasswordHash: true, missingPassword: 'jit' as const };

async function ada(): Promise<CanonicalUser> {
  const u = emptyUser('user_2ada');
  u.emails = [
    { address: 'Ada@Example.com', normalized: 'ada@example.com', verified: true, primary: true },
    { address: 'ada@old.example', normalized: 'ada@old.example', verified: false, primary: false },
  ];
  u.phones = [{ number: '+15551234567', verified: false, primary: true }];
  u.username = 'ada';
  u.firstName = 'Ada';
  u.lastName = 'Lovelace';
  u.password = await hashPassword('bcrypt', 'pw', { cost: 4 });
  u.passwordPlan = 'import';
  u.mfa = [{ kind: 'totp', secret: new Secret('JBSWY3DPEHPK3PXP') }, { kind: 'sms', phoneNumber: '+15551234567' }];
  u.identities = [
    { provider: 'google', providerUserId: '1234', kind: 'social' },
    { provider: 'saml', providerUserId: 'acme|ada', kind: 'enterprise', connection: 'acme' },
  ];
  u.metadata = { public: { plan: 'pro' }, private: { stripe: 'cus_1' } };
  return u;
}

describe('Kratos map', () => {
  it('writes traits, addresses, metadata apart, external id, OIDC/SAML links, TOTP and the hash', async () => {
    const { body, lossy, password } = toKratosIdentity(await ada(), IMPORT, ctx);
    assert.equal(password, 'hash');
    assert.deepEqual(body.traits, { email: 'ada@example.com', username: 'ada', name: { first: 'Ada', last: 'Lovelace' }, phone: '+15551234567' });
    assert.equal(body.external_id, 'user_2ada');
    assert.equal(body.state, 'active');
    assert.deepEqual(body.verifiable_addresses, [
      { value: 'ada@example.com', via: 'email', verified: true, status: 'completed' },
      { value: '+15551234567', via: 'sms', verified: false, status: 'pending' },
    ]);
    assert.deepEqual(body.recovery_addresses, [{ value: 'ada@example.com', via: 'email' }]);
    assert.deepEqual(body.metadata_public, { plan: 'pro' });
    assert.deepEqual(body.metadata_admin, { stripe: 'cus_1' });
    assert.match(body.credentials!.password!.config.hashed_password!, /^\$2b\$04\$/);
    assert.deepEqual(body.credentials!.oidc, { config: { providers: [{ provider: 'google', subject: '1234' }] } });
    assert.deepEqual(body.credentials!.saml, { config: { providers: [{ provider: 'saml', subject: 'acme|ada' }] } });
    const url = new URL(body.credentials!.totp!.config.totp_url);
    assert.equal(url.protocol, 'otpauth:');
    assert.equal(url.searchParams.get('secret'), 'JBSWY3DPEHPK3PXP', 'the original secret, so existing authenticator apps keep working');
    assert.equal(url.searchParams.get('issuer'), 'Acme');
    assert.deepEqual(lossy.map((l) => l.field).sort(), ['emails', 'mfa']);
  });

  it('disabled users are inactive; hashes Kratos cannot verify and missing hashes use the migration hook; reset leaves no password', async () => {
    const u = await ada();
    u.disabled = true;
    u.password = await hashPassword('argon2d', 'pw');
    const argon2d = toKratosIdentity(u, IMPORT, ctx);
    assert.equal(argon2d.body.state, 'inactive');
    assert.deepEqual(argon2d.body.credentials!.password, { config: { use_password_migration_hook: true } });
    assert.ok(argon2d.lossy.some((l) => l.field === 'password' && /argon2d/.test(l.reason)));
    const jit = toKratosIdentity({ ...u, password: undefined, passwordPlan: 'jit' }, { includePasswordHash: false, missingPassword: 'jit' }, ctx);
    assert.deepEqual(jit.body.credentials!.password, { config: { use_password_migration_hook: true } });
    const reset = toKratosIdentity({ ...u, password: undefined, passwordPlan: 'jit' }, { includePasswordHash: false, missingPassword: 'reset' }, ctx);
    assert.equal(reset.body.credentials?.password, undefined);
    const social = toKratosIdentity({ ...u, password: undefined, passwordPlan: 'none' }, IMPORT, ctx);
    assert.equal(social.body.credentials?.password, undefined);
  });

  it('names what an email-only schema cannot hold', async () => {
    const emailOnly = { properties: { traits: { type: 'object', properties: { email: { type: 'string', format: 'email', 'ory.sh/kratos': { credentials: { password: { identifier: true } } } } }, required: ['email'] } } };
    const { body, lossy } = toKratosIdentity(await ada(), IMPORT, { ...ctx, traits: traitPlanOf(emailOnly) });
    assert.deepEqual(body.traits, { email: 'ada@example.com' });
    assert.equal(body.verifiable_addresses, undefined);
    assert.deepEqual(lossy.map((l) => l.field).sort(), ['emails', 'mfa', 'name', 'phones', 'username']);
  });

  it('organization_id: a member of exactly one mapped organization gets its Ory id; two mapped is named lossy; unmapped ones are left to Keto', async () => {
    const organizations = new Map([['org_a', '0b5c7c5e-6f0e-4a53-9d8a-2a4a0b1d9e11'], ['org_b', '7f3e2b1a-1c2d-4e5f-8a9b-0c1d2e3f4a5b']]);
    const u = await ada();
    u.memberships = [{ organizationId: 'org_a', roles: ['org:admin'] }, { organizationId: 'org_unmapped', roles: ['org:member'] }];
    assert.equal(toKratosIdentity(u, IMPORT, { ...ctx, organizations }).body.organization_id, '0b5c7c5e-6f0e-4a53-9d8a-2a4a0b1d9e11');
    u.memberships.push({ organizationId: 'org_b', roles: ['org:member'] });
    const two = toKratosIdentity(u, IMPORT, { ...ctx, organizations });
    assert.equal(two.body.organization_id, undefined);
    assert.ok(two.lossy.some((l) => l.field === 'organization_id' && /2 organizations/.test(l.reason)), JSON.stringify(two.lossy));
    u.memberships = [{ organizationId: 'org_unmapped', roles: ['org:member'] }];
    const none = toKratosIdentity(u, IMPORT, { ...ctx, organizations });
    assert.equal(none.body.organization_id, undefined);
    assert.ok(!none.lossy.some((l) => l.field === 'organization_id'));
    assert.equal(toKratosIdentity(await ada(), IMPORT, ctx).body.organization_id, undefined, 'no map, no organization_id');
  });

  it('patch ids are stable UUIDs per source id', () => {
    assert.equal(patchIdFor('user_1'), patchIdFor('user_1'));
    assert.notEqual(patchIdFor('user_1'), patchIdFor('user_2'));
    assert.match(patchIdFor('user_1'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('reads an identity back for verify', () => {
    const view = fromKratosIdentity(
      {
        id: 'id-1',
        external_id: 'user_2ada',
        state: 'inactive',
        traits: { email: 'Ada@Example.com', username: 'ada', name: { first: 'Ada', last: 'Lovelace' } },
        verifiable_addresses: [{ value: 'ada@example.com', verified: true, via: 'email' }],
        metadata_public: { plan: 'pro' },
        metadata_admin: null,
        credentials: { password: { identifiers: ['ada@example.com'] }, oidc: { identifiers: ['google:1234'] }, saml: { identifiers: ['saml:acme|ada'] } },
      },
      ctx.traits,
    );
    assert.deepEqual(view, {
      id: 'id-1',
      externalId: 'user_2ada',
      email: 'Ada@Example.com',
      emailVerified: true,
      firstName: 'Ada',
      lastName: 'Lovelace',
      username: 'ada',
      disabled: true,
      metadata: { public: { plan: 'pro' }, private: {} },
      memberships: [],
      identities: [
        { provider: 'google', providerUserId: '1234' },
        { provider: 'saml', providerUserId: 'acme|ada' },
      ],
      hasPassword: true,
    });
  });
});
