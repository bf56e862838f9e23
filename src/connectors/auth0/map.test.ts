import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completeFromApi, mapAuth0User, mapIdentity, mapMembership, mapOrganization, passwordKeyOfRecord, passwordKeyOfUser, sniffAuth0, type PasswordLookup } from './map.js';
import type { Auth0User } from './types.js';
import { HashError, detectHash, hashPassword } from '../../model/password/index.js';
import { hashReader } from './passwords.js';

const BCRYPT = '$2b$10$.qHPp/srqo1NAAAAAvlkmOdqAbH2Rg0qPv2Txj3ZwXfjJnewSjc4m';
const read = hashReader({ detectHash, HashError });
const found = (hash: string | undefined, line = 7): PasswordLookup => ({ kind: 'found', hash, line, read });

describe('auth0 map: database users', () => {
  const raw: Auth0User = {
    user_id: 'auth0|5dea9f9c82dd7c0e76e4ec93',
    email: ' Ada.Lovelace@Example.com ',
    email_verified: true,
    username: 'ada',
    given_name: 'Ada',
    family_name: 'Lovelace',
    name: 'Ada Lovelace',
    nickname: 'ada',
    picture: 'https://s.gravatar.com/avatar/x.png',
    phone_number: '+15550001111',
    phone_verified: false,
    identities: [{ connection: 'Username-Password-Authentication', provider: 'auth0', user_id: '5dea9f9c82dd7c0e76e4ec93', isSocial: false }],
    user_metadata: { theme: 'dark' },
    app_metadata: { plan: 'pro' },
    created_at: '2019-12-06T18:36:12.412Z',
    updated_at: '2020-01-01T00:00:00.000Z',
    last_login: '2021-02-03T04:05:06.000Z',
  };

  it('maps profile, metadata, timestamps and an importable bcrypt hash', () => {
    const { user, problems } = mapAuth0User(raw, { password: found(BCRYPT) });
    assert.deepEqual(problems, []);
    assert.ok(user);
    assert.equal(user.sourceId, 'auth0|5dea9f9c82dd7c0e76e4ec93');
    assert.deepEqual(user.emails, [{ address: 'Ada.Lovelace@Example.com', normalized: 'ada.lovelace@example.com', verified: true, primary: true }]);
    assert.deepEqual(user.phones, [{ number: '+15550001111', verified: false, primary: true }]);
    assert.equal(user.username, 'ada');
    assert.equal(user.firstName, 'Ada');
    assert.equal(user.lastName, 'Lovelace');
    assert.equal(user.displayName, 'Ada Lovelace');
    assert.equal(user.imageUrl, 'https://s.gravatar.com/avatar/x.png');
    assert.deepEqual(user.metadata, { public: { theme: 'dark' }, private: { plan: 'pro' } });
    assert.equal(user.createdAt, '2019-12-06T18:36:12.412Z');
    assert.equal(user.updatedAt, '2020-01-01T00:00:00.000Z');
    assert.equal(user.lastSignInAt, '2021-02-03T04:05:06.000Z');
    assert.equal(user.passwordPlan, 'import');
    assert.equal(user.password?.algorithm, 'bcrypt');
    assert.equal(user.password?.phc.reveal(), BCRYPT);
    assert.deepEqual(user.identities, [], 'the database identity is not a linked IdP');
    assert.equal(user.disabled, false);
  });

  it('a database user without a password record moves by JIT, with a warning', () => {
    const { user, problems } = mapAuth0User(raw, { password: { kind: 'missing' } });
    assert.equal(user?.passwordPlan, 'jit');
    assert.equal(user?.password, undefined);
    assert.deepEqual(problems.map((p) => [p.code, p.severity]), [['E_PASSWORD_MISSING', 'warning']]);
  });

  it('without a password file at all: JIT and a lossy note, no per-user problem', () => {
    const { user, problems } = mapAuth0User(raw, { password: { kind: 'no-file' } });
    assert.equal(user?.passwordPlan, 'jit');
    assert.deepEqual(problems, []);
    assert.ok(user?.lossy.some((l) => l.field === 'password'));
  });

  it('an unusable hash is a problem naming the password file line, and the user still moves (JIT)', () => {
    for (const [hash, code] of [
      ['$1$saltsalt$abcdefghijklmnopqrstuv', 'E_HASH_UNSUPPORTED'],
      ['$2b$10$short', 'E_HASH_MALFORMED'],
      [undefined, 'E_HASH_MALFORMED'],
    ] as const) {
      const { user, problems } = mapAuth0User(raw, { password: found(hash, 42) });
      assert.equal(user?.passwordPlan, 'jit', String(hash));
      assert.equal(problems.length, 1);
      assert.equal(problems[0]!.code, code);
      assert.match(problems[0]!.message, /line 42/);
      if (hash) assert.ok(!problems[0]!.message.includes(hash), 'the hash never reaches a message');
    }
  });

  it('blocked users are disabled; MFA enrolments carry no secret and note re-enrolment', () => {
    const { user } = mapAuth0User({ ...raw, blocked: true, multifactor: ['google-authenticator', 'guardian'] }, { password: found(BCRYPT) });
    assert.equal(user?.disabled, true);
    assert.equal(user?.sourceStatus, 'blocked');
    assert.deepEqual(user?.mfa, [
      { kind: 'totp', label: 'google-authenticator' },
      { kind: 'other', label: 'guardian' },
    ]);
    assert.ok(user?.lossy.some((l) => l.field === 'mfa' && /re-enrol/.test(l.reason)));
  });

  it("Auth0's default name (the email) is not taken as a display name", () => {
    const { user } = mapAuth0User({ ...raw, email: 'x@example.com', name: 'x@example.com' }, { password: found(BCRYPT) });
    assert.equal(user?.displayName, undefined);
  });

  it('folds metadata columns the export job was asked for one by one', () => {
    const { user } = mapAuth0User({ user_id: 'auth0|1', email: 'a@b.c', 'user_metadata.country': 'FR', 'app_metadata.tier': 3 }, { password: { kind: 'no-file' } });
    assert.deepEqual(user?.metadata, { public: { country: 'FR' }, private: { tier: 3 } });
  });

  it('a database user with a linked Google login keeps both', () => {
    const linked: Auth0User = {
      ...raw,
      identities: [...raw.identities!, { connection: 'google-oauth2', provider: 'google-oauth2', user_id: '1098', isSocial: true, profileData: { email: 'ada@gmail.example' } }],
    };
    const { user } = mapAuth0User(linked, { password: found(BCRYPT) });
    assert.equal(user?.passwordPlan, 'import');
    assert.deepEqual(user?.identities, [{ provider: 'google', providerUserId: '1098', kind: 'social', connection: 'google-oauth2', email: 'ada@gmail.example' }]);
  });
});

describe('auth0 map: social, enterprise and passwordless users', () => {
  it('a Google user is social-only: no password plan', () => {
    const { user, problems } = mapAuth0User(
      { user_id: 'google-oauth2|1234567890', email: 'g@example.com', email_verified: true, identities: [{ connection: 'google-oauth2', provider: 'google-oauth2', user_id: '1234567890', isSocial: true }] },
      { password: { kind: 'missing' } },
    );
    assert.deepEqual(problems, [], 'no password record is expected for a social user');
    assert.equal(user?.passwordPlan, 'none');
    assert.deepEqual(user?.identities, [{ provider: 'google', providerUserId: '1234567890', kind: 'social', connection: 'google-oauth2', email: 'g@example.com' }]);
  });

  it("a GitHub identity's numeric user_id becomes a string", () => {
    const linked = mapIdentity({ connection: 'github', provider: 'github', user_id: 583231, isSocial: true });
    assert.deepEqual(linked, { provider: 'github', providerUserId: '583231', kind: 'social', connection: 'github' });
  });

  it('SAML, Azure AD and ADFS users are enterprise identities', () => {
    const { user } = mapAuth0User(
      { user_id: 'samlp|acme-saml|jdoe@acme.example', email: 'jdoe@acme.example', identities: [{ connection: 'acme-saml', provider: 'samlp', user_id: 'acme-saml|jdoe@acme.example', isSocial: false }] },
      { password: { kind: 'no-file' } },
    );
    assert.equal(user?.passwordPlan, 'none');
    assert.deepEqual(user?.identities, [{ provider: 'saml', providerUserId: 'acme-saml|jdoe@acme.example', kind: 'enterprise', connection: 'acme-saml', email: 'jdoe@acme.example' }]);
    assert.equal(mapIdentity({ provider: 'waad', user_id: 'abc', connection: 'contoso' })?.kind, 'enterprise');
    assert.equal(mapIdentity({ provider: 'adfs', user_id: 'abc', connection: 'corp', isSocial: false })?.provider, 'adfs');
  });

  it('derives the identity from user_id when the export left identities out', () => {
    const { user } = mapAuth0User({ user_id: 'samlp|acme-saml|jdoe', email: 'jdoe@acme.example' }, { password: { kind: 'no-file' } });
    assert.deepEqual(user?.identities, [{ provider: 'saml', providerUserId: 'acme-saml|jdoe', kind: 'enterprise', connection: 'acme-saml', email: 'jdoe@acme.example' }]);
    const google = mapAuth0User({ user_id: 'google-oauth2|42', email: 'g@example.com', provider: 'google-oauth2' }, { password: { kind: 'no-file' } });
    assert.equal(google.user?.identities[0]?.provider, 'google');
    assert.equal(google.user?.identities[0]?.connection, 'google-oauth2');
  });

  it('passwordless users have no password and no linked IdP, with a lossy note', () => {
    const { user } = mapAuth0User({ user_id: 'email|65a1', email: 'p@example.com', identities: [{ connection: 'email', provider: 'email', user_id: '65a1', isSocial: false }] }, { password: { kind: 'missing' } });
    assert.equal(user?.passwordPlan, 'none');
    assert.deepEqual(user?.identities, []);
    assert.ok(user?.lossy.some((l) => /passwordless/.test(l.reason)));
  });

  it('no email is a warning; no user_id is an error and no user', () => {
    const noEmail = mapAuth0User({ user_id: 'sms|1', phone_number: '+15550000000' }, { password: { kind: 'no-file' } });
    assert.ok(noEmail.user);
    assert.deepEqual(noEmail.problems.map((p) => [p.code, p.severity]), [['E_NO_EMAIL', 'warning']]);
    const noId = mapAuth0User({ email: 'a@b.c' }, { password: { kind: 'no-file' } });
    assert.equal(noId.user, undefined);
    assert.equal(noId.problems[0]?.code, 'E_SOURCE_FIELD');
  });
});

describe('auth0 map: keys, organizations, sniffing', () => {
  it('password records join on alt_id when present, else _id.$oid', () => {
    assert.equal(passwordKeyOfRecord({ _id: { $oid: '5dea9f9c82dd7c0e76e4ec93' } }), '5dea9f9c82dd7c0e76e4ec93');
    assert.equal(passwordKeyOfRecord({ _id: { $oid: '5dea9f9c82dd7c0e76e4ec93' }, alt_id: 'euclid' }), 'euclid');
    assert.equal(passwordKeyOfRecord({ email: 'x' }), undefined);
    assert.equal(passwordKeyOfUser({ user_id: 'auth0|euclid' }), 'euclid');
    assert.equal(passwordKeyOfUser({ user_id: 'google-oauth2|1' }), undefined);
    assert.equal(passwordKeyOfUser({ user_id: 'google-oauth2|1', identities: [{ provider: 'google-oauth2', user_id: '1' }, { provider: 'auth0', user_id: 'abc' }] }), 'abc');
  });

  it('organizations and memberships', () => {
    assert.deepEqual(mapOrganization({ id: 'org_1', name: 'acme', display_name: 'Acme Inc', metadata: { tier: 'pro' } }), { sourceId: 'org_1', name: 'Acme Inc', slug: 'acme', metadata: { tier: 'pro' } });
    assert.equal(mapOrganization({ name: 'no-id' }), undefined);
    assert.deepEqual(mapMembership({ organization_id: 'org_1', user_id: 'auth0|1', roles: [{ id: 'rol_1', name: 'admin' }, { id: 'rol_2' }] }), { organizationId: 'org_1', roles: ['admin', 'rol_2'] });
  });

  it('file values win over API values when completing a record', () => {
    const out = completeFromApi({ user_id: 'auth0|1', email: 'file@example.com' }, { user_id: 'auth0|1', email: 'api@example.com', identities: [{ provider: 'auth0', user_id: '1' }] });
    assert.equal(out.email, 'file@example.com');
    assert.equal(out.identities?.length, 1);
  });

  it("sniffs Auth0 NDJSON and nobody else's files", () => {
    assert.equal(sniffAuth0('{"user_id":"auth0|5dea9f9c82dd7c0e76e4ec93","email":"a@b.c"}\n'), true);
    assert.equal(sniffAuth0('{"email":"a@b.c","identities":[{"provider":"google-oauth2"}]}\n'), true);
    assert.equal(sniffAuth0('id,first_name,last_name,username,primary_email_address\nuser_1,A,B,,a@b.c\n'), false);
    assert.equal(sniffAuth0('{"users":[{"localId":"abc","email":"a@b.c"}]}'), false);
    assert.equal(sniffAuth0('{"Users":[{"Username":"abc","Attributes":[{"Name":"identities","Value":"[]"}]}]}'), false);
    assert.equal(sniffAuth0('{"_id":{"$oid":"5dea9f9c82dd7c0e76e4ec93"},"passwordHash":"$2b$10$x"}'), false);
  });

  it('hashes made by the password module import as they are', async () => {
    const h = await hashPassword('bcrypt', 'correct horse', { cost: 4 });
    const { user } = mapAuth0User({ user_id: 'auth0|abc', email: 'a@b.c' }, { password: found(h.phc.reveal()) });
    assert.equal(user?.password?.phc.reveal(), h.phc.reveal());
  });
});
