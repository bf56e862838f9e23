import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword } from '../../model/password/index.js';
import { secret } from '../../model/secret.js';
import { emptyUser, type CanonicalUser } from '../../model/user.js';
import type { CreateUserOptions } from '../../protocol/target.js';
import {
  decodeSourceId,
  encodeSourceId,
  foreignAttributes,
  fromKeycloakUser,
  identityProviderFor,
  identityProviderName,
  isKeycloakPersonName,
  isKeycloakUsername,
  isPlainEmail,
  metadataFromAttributes,
  roleGroupNames,
  sourceIdQuery,
  toKeycloakOrganization,
  toKeycloakUser,
} from './map.js';

const IMPORT: CreateUserOptions = { includePasswordHash: true, missingPassword: 'jit' };
const OPEN = { email: false, firstName: false, lastName: false };

function user(extra: Partial<CanonicalUser> = {}): CanonicalUser {
  return { ...emptyUser('user_1'), emails: [{ address: 'Ada@Example.com', normalized: 'ada@example.com', verified: true, primary: true }], ...extra };
}

describe('Keycloak mapping (pure)', () => {
  it("applies Keycloak's username and person-name rules", () => {
    assert.equal(isKeycloakUsername('ada.lovelace'), true);
    assert.equal(isKeycloakUsername('ab'), false, 'at least 3 characters');
    assert.equal(isKeycloakUsername('o\'brien@example.com'), false, 'no apostrophe');
    assert.equal(isKeycloakUsername('has space'), false);
    assert.equal(isKeycloakUsername('josé'), true);
    assert.equal(isKeycloakPersonName("O'Brien-Smith, Jr."), true);
    assert.equal(isKeycloakPersonName('A<b'), false);
    assert.equal(isKeycloakPersonName('x'.repeat(256)), false);
    assert.equal(isPlainEmail('ada+tag@example.co.uk'), true);
    assert.equal(isPlainEmail('a@b'), false);
    assert.equal(isPlainEmail('two..dots@example.com'), false);
  });

  it('stores source ids the admin search can find; ids with quotes or backslashes are encoded', () => {
    assert.equal(encodeSourceId('auth0|abc def'), 'auth0|abc def');
    for (const id of ['a"b', 'a\\b', 'flagless-b64:x']) {
      assert.notEqual(encodeSourceId(id), id);
      assert.doesNotMatch(encodeSourceId(id), /["\\]/);
      assert.equal(decodeSourceId(encodeSourceId(id)), id);
    }
    assert.equal(sourceIdQuery('user_1'), 'flagless_source_id:"user_1"');
  });

  it('maps a full user: username, email, names, attributes, password and TOTP credentials, federated identities', async () => {
    const u = user({
      username: 'Ada',
      firstName: 'Ada',
      lastName: 'Lovelace',
      externalId: 'legacy-7',
      password: await hashPassword('bcrypt', 'pw', { cost: 4 }),
      passwordPlan: 'import',
      mfa: [{ kind: 'totp', secret: secret('jbsw y3dp ehpk 3pxp') }],
      identities: [
        { provider: 'google', providerUserId: '123', kind: 'social', email: 'ada@gmail.com' },
        { provider: 'saml', providerUserId: 'ada@acme', kind: 'enterprise', connection: 'Acme SAML' },
      ],
      metadata: { public: { plan: 'pro', seats: 3 }, private: { plan: 'team', nested: { a: [1] } } },
      createdAt: '2021-01-02T03:04:05.000Z',
      disabled: true,
    });
    const p = toKeycloakUser(u, IMPORT, OPEN);
    assert.equal(p.rep.username, 'ada');
    assert.equal(p.rep.email, 'Ada@Example.com');
    assert.equal(p.rep.emailVerified, true);
    assert.equal(p.rep.enabled, false);
    assert.equal(p.rep.createdTimestamp, Date.parse('2021-01-02T03:04:05.000Z'));
    assert.deepEqual(p.rep.attributes, {
      flagless_source_id: ['user_1'],
      external_id: ['legacy-7'],
      'metadata.plan': ['team'],
      'metadata.seats': ['3'],
      'metadata.nested': ['{"a":[1]}'],
    });
    assert.deepEqual(p.credentials.map((c) => c.type), ['password', 'otp']);
    assert.equal(JSON.parse(p.credentials[1]!.secretData).value, 'JBSWY3DPEHPK3PXP');
    assert.deepEqual(p.rep.federatedIdentities, [
      { identityProvider: 'google', userId: '123', userName: 'ada@gmail.com' },
      { identityProvider: 'saml-acme-saml', userId: 'ada@acme', userName: 'Ada@Example.com' },
    ]);
    assert.deepEqual(p.identityProviders, [
      { alias: 'google', providerId: 'google' },
      { alias: 'saml-acme-saml', providerId: 'saml' },
    ]);
    assert.equal(p.rep.requiredActions, undefined);
    assert.deepEqual(p.lossy, []);
    // Nothing secret without credentials, and the same notes.
    const shape = toKeycloakUser(u, IMPORT, OPEN, false);
    assert.deepEqual(shape.credentials, []);
    assert.deepEqual(shape.rep, p.rep);
    assert.doesNotMatch(JSON.stringify(p.rep), /\$2[ab]\$/);
  });

  it('falls back for usernames, splits a display name, drops names Keycloak refuses, notes what is lost', () => {
    const p = toKeycloakUser(
      user({
        username: "it's me",
        displayName: 'Grace Brewster Hopper',
        emails: [
          { address: 'grace@example.com', normalized: 'grace@example.com', verified: false, primary: true },
          { address: 'g@navy.example', normalized: 'g@navy.example', verified: true, primary: false },
        ],
        metadata: { public: { ['k'.repeat(250)]: 1, big: 'x'.repeat(2049) }, private: {} },
      }),
      IMPORT,
      { email: true, firstName: true, lastName: true },
    );
    assert.equal(p.rep.username, 'grace@example.com');
    assert.equal(p.rep.firstName, 'Grace Brewster');
    assert.equal(p.rep.lastName, 'Hopper');
    const fields = p.lossy.map((n) => n.field).sort();
    assert.deepEqual(fields, ['emails', `metadata.big`, `metadata.${'k'.repeat(250)}`, 'username']);
    const bad = toKeycloakUser(user({ firstName: 'A<script>', lastName: 'Ok' }), IMPORT, { email: false, firstName: true, lastName: false });
    assert.equal(bad.rep.firstName, undefined);
    assert.equal(bad.rep.lastName, 'Ok');
    assert.deepEqual(bad.lossy.map((n) => n.field).sort(), ['firstName', 'firstName']);
    const noEmail = toKeycloakUser({ ...emptyUser('phone|+15550001') }, IMPORT, { email: true, firstName: false, lastName: false });
    assert.equal(noEmail.rep.username, 'user-phone-15550001');
    assert.deepEqual(noEmail.lossy.map((n) => n.field), ['email']);
  });

  it('missing passwords: reset asks for a new one, jit leaves nothing; a bad TOTP secret asks for a new authenticator', () => {
    const jit = user({ passwordPlan: 'jit' });
    assert.equal(toKeycloakUser(jit, { includePasswordHash: false, missingPassword: 'jit' }, OPEN).rep.requiredActions, undefined);
    assert.deepEqual(toKeycloakUser(jit, { includePasswordHash: false, missingPassword: 'reset' }, OPEN).rep.requiredActions, ['UPDATE_PASSWORD']);
    assert.equal(toKeycloakUser(user({ passwordPlan: 'none' }), { includePasswordHash: false, missingPassword: 'reset' }, OPEN).rep.requiredActions, undefined);
    const badTotp = toKeycloakUser(user({ mfa: [{ kind: 'totp', secret: secret('not base32!') }] }), IMPORT, OPEN);
    assert.deepEqual(badTotp.rep.requiredActions, ['CONFIGURE_TOTP']);
    assert.deepEqual(badTotp.credentials, []);
    assert.equal(badTotp.lossy[0]?.field, 'mfa.totp');
    assert.doesNotMatch(JSON.stringify(badTotp.lossy), /not base32!/);
  });

  it('reads a user back, keeps foreign attributes, maps providers and roles', () => {
    const view = fromKeycloakUser({
      id: 'kc-1',
      username: 'ada',
      email: 'ada@example.com',
      emailVerified: false,
      enabled: true,
      attributes: { flagless_source_id: [encodeSourceId('a"b')], 'metadata.seats': ['3'], department: ['R&D'] },
    });
    assert.deepEqual(view, { id: 'kc-1', externalId: 'a"b', email: 'ada@example.com', emailVerified: false, username: 'ada', disabled: false, metadata: { seats: '3' } });
    assert.deepEqual(foreignAttributes({ flagless_source_id: ['x'], 'metadata.a': ['1'], department: ['R&D'], picture: ['u'] }), { department: ['R&D'] });
    assert.deepEqual(metadataFromAttributes({ 'metadata.a': ['1'], b: ['2'] }), { a: '1' });
    assert.equal(identityProviderName('saml-acme-saml'), 'saml');
    assert.equal(identityProviderName('oidc'), 'oidc');
    assert.equal(identityProviderName('google'), 'google');
    assert.equal(identityProviderName(identityProviderFor({ provider: 'apple', providerUserId: '1', kind: 'social' })!.alias), 'apple');
    assert.deepEqual(roleGroupNames(['org:admin', 'admin', 'org:billing/ops', ' ']), ['admin', 'billing-ops']);
  });

  it('organizations get a URL-safe alias, their source id, and a disambiguated second form', () => {
    const org = { sourceId: 'org_2Ab', name: 'Ünïted Things, Inc.', metadata: { tier: 'gold', long: 'x'.repeat(300) } };
    assert.deepEqual(toKeycloakOrganization(org), {
      name: 'Ünïted Things, Inc.',
      alias: 'united-things-inc',
      enabled: true,
      attributes: { flagless_source_id: ['org_2Ab'], 'metadata.tier': ['gold'] },
    });
    const second = toKeycloakOrganization({ ...org, slug: 'united' }, true);
    assert.equal(second.name, 'Ünïted Things, Inc. (org_2ab)');
    assert.equal(second.alias, 'united-org_2ab');
  });
});
