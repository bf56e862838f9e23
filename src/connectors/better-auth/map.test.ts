import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyUser } from '../../model/user.js';
import { person } from '../../../test/helpers/better-auth.js';
import { lossyNotes, nameOf, sameRoles, slugCandidate, slugify, toIdentityAccount, toRoleString, toUserRow } from './map.js';

describe('Better Auth mapping', () => {
  it('maps roles: drops the Clerk org: prefix, joins with commas, defaults to member', () => {
    assert.equal(toRoleString(['org:admin']), 'admin');
    assert.equal(toRoleString(['org:admin', 'billing', 'admin']), 'admin,billing');
    assert.equal(toRoleString([]), 'member');
    assert.equal(toRoleString(['  ']), 'member');
    assert.ok(sameRoles('admin,member', 'member, admin'));
    assert.ok(!sameRoles('admin', 'admin,member'));
  });

  it('derives slugs and their de-duplicated candidates', () => {
    assert.equal(slugify('Acme Inc.'), 'acme-inc');
    assert.equal(slugify('Café Zürich — Team'), 'cafe-zurich-team');
    assert.equal(slugify('日本'), 'org');
    assert.equal(slugify('x'.repeat(80)).length, 48);
    assert.deepEqual([0, 1, 2].map((a) => slugCandidate('acme', a)), ['acme', 'acme-2', 'acme-3']);
  });

  it('builds the user row: source id as id, lowercased email, one name, metadata kept apart', () => {
    const user = person('user_1', '  Mixed.Case@Example.COM ', { imageUrl: 'https://img/x.png', createdAt: '2021-03-04T05:06:07Z' });
    user.metadata = { public: { a: 1 }, private: {} };
    const row = toUserRow(user, new Date('2030-01-01T00:00:00Z'));
    assert.deepEqual(row, {
      id: 'user_1',
      name: 'Ada Lovelace',
      email: 'mixed.case@example.com',
      emailVerified: true,
      image: 'https://img/x.png',
      createdAt: new Date('2021-03-04T05:06:07Z'),
      updatedAt: new Date('2021-03-04T05:06:07Z'),
      publicMetadata: '{"a":1}',
      privateMetadata: null,
    });
    assert.equal(toUserRow(emptyUser('no_email')), undefined);
  });

  it('names: display name, else first + last, else username, else empty', () => {
    const u = emptyUser('u');
    assert.equal(nameOf(u), '');
    u.username = 'ada';
    assert.equal(nameOf(u), 'ada');
    u.lastName = 'Lovelace';
    assert.equal(nameOf(u), 'Lovelace');
    u.displayName = 'Countess';
    assert.equal(nameOf(u), 'Countess');
  });

  it('maps identities: social by provider, enterprise by connection name', () => {
    assert.deepEqual(toIdentityAccount({ provider: 'google', providerUserId: '123', kind: 'social' }), { providerId: 'google', accountId: '123' });
    assert.deepEqual(toIdentityAccount({ provider: 'saml', providerUserId: 'u@corp', kind: 'enterprise', connection: 'corp-okta' }), {
      providerId: 'corp-okta',
      accountId: 'u@corp',
    });
  });

  it('reports what Better Auth cannot hold', () => {
    const u = person('u', 'a@example.com', { username: 'ada', disabled: true });
    u.emails.push({ address: 'b@example.com', normalized: 'b@example.com', verified: false, primary: false });
    u.phones = [{ number: '+15550100', verified: true, primary: true }];
    u.mfa = [{ kind: 'totp' }];
    const fields = lossyNotes(u).map((n) => n.field);
    assert.deepEqual(fields, ['emails', 'phones', 'username', 'firstName/lastName', 'mfa.totp', 'disabled']);
  });
});
