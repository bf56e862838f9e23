import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupToOrganization } from './groups.js';
import { cognitoDate, mapCognitoUser, parseIdentities } from './map.js';

const SUB = '6b1c4a2e-1f0d-4e7b-9a51-2d9f0f3f4a11';

function attrs(o: Record<string, string>): { Name: string; Value: string }[] {
  return Object.entries(o).map(([Name, Value]) => ({ Name, Value }));
}

describe('mapCognitoUser', () => {
  it('maps a confirmed user: ids, email, phone, names, custom attributes, dates, jit password', () => {
    const { user, problems } = mapCognitoUser(
      {
        Username: SUB,
        Attributes: attrs({
          sub: SUB,
          email: 'Ada@Example.com',
          email_verified: 'true',
          phone_number: '+15550001111',
          phone_number_verified: 'false',
          given_name: 'Ada',
          family_name: 'Lovelace',
          name: 'Ada Lovelace',
          picture: 'https://example.com/a.png',
          locale: 'en-GB',
          'custom:tenant_id': 'acme',
          'custom:plan': 'pro',
        }),
        UserCreateDate: '2021-06-05T23:28:29.457000+00:00',
        UserLastModifiedDate: 1654473600,
        Enabled: true,
        UserStatus: 'CONFIRMED',
      },
      { groups: ['admin', 'tenant-acme'] },
    );
    assert.deepEqual(problems, []);
    assert.ok(user);
    assert.equal(user.sourceId, SUB);
    assert.equal(user.externalId, SUB);
    assert.equal(user.username, undefined, 'a UUID Username (= sub) is not a sign-in name');
    assert.deepEqual(user.emails, [{ address: 'Ada@Example.com', normalized: 'ada@example.com', verified: true, primary: true }]);
    assert.deepEqual(user.phones, [{ number: '+15550001111', verified: false, primary: true }]);
    assert.equal(user.firstName, 'Ada');
    assert.equal(user.lastName, 'Lovelace');
    assert.equal(user.displayName, 'Ada Lovelace');
    assert.equal(user.imageUrl, 'https://example.com/a.png');
    assert.deepEqual(user.metadata, { public: { locale: 'en-GB' }, private: { tenant_id: 'acme', plan: 'pro' } });
    assert.equal(user.createdAt, '2021-06-05T23:28:29.457Z');
    assert.equal(user.updatedAt, '2022-06-06T00:00:00.000Z');
    assert.equal(user.sourceStatus, 'CONFIRMED');
    assert.equal(user.disabled, false);
    assert.equal(user.passwordPlan, 'jit');
    assert.equal(user.password, undefined);
    assert.ok(user.lossy.some((l) => l.field === 'password' && /no password hashes/.test(l.reason)));
    assert.deepEqual(user.memberships, [
      { organizationId: 'admin', roles: [] },
      { organizationId: 'tenant-acme', roles: [] },
    ]);
  });

  it('keeps every UserStatus, and says what each means for the password', () => {
    for (const status of ['CONFIRMED', 'UNCONFIRMED', 'FORCE_CHANGE_PASSWORD', 'RESET_REQUIRED', 'ARCHIVED', 'COMPROMISED', 'UNKNOWN']) {
      const { user, problems } = mapCognitoUser({ Username: 'alice', Attributes: attrs({ email: 'a@b.c' }), UserStatus: status, Enabled: true });
      assert.deepEqual(problems, [], status);
      assert.equal(user?.sourceStatus, status);
      assert.equal(user?.passwordPlan, 'jit', status);
    }
    const force = mapCognitoUser({ Username: 'a', Attributes: attrs({ email: 'a@b.c' }), UserStatus: 'FORCE_CHANGE_PASSWORD' }).user;
    assert.match(force?.lossy.find((l) => l.field === 'password')?.reason ?? '', /temporary password/);
    const reset = mapCognitoUser({ Username: 'a', Attributes: attrs({ email: 'a@b.c' }), UserStatus: 'RESET_REQUIRED' }).user;
    assert.match(reset?.lossy.find((l) => l.field === 'password')?.reason ?? '', /reset/);
    const odd = mapCognitoUser({ Username: 'a', Attributes: attrs({ email: 'a@b.c' }), UserStatus: 'WEIRD' });
    assert.equal(odd.problems[0]?.code, 'E_SOURCE_FIELD');
  });

  it('a username pool keeps the Username as the username; preferred_username wins', () => {
    assert.equal(mapCognitoUser({ Username: 'alice', Attributes: attrs({ sub: SUB, email: 'a@b.c' }) }).user?.username, 'alice');
    assert.equal(mapCognitoUser({ Username: 'alice', Attributes: attrs({ sub: SUB, email: 'a@b.c', preferred_username: 'ally' }) }).user?.username, 'ally');
    assert.equal(mapCognitoUser({ Username: 'a@b.c', Attributes: attrs({ email: 'a@b.c' }) }).user?.username, undefined);
  });

  it('EXTERNAL_PROVIDER users are federated: identities from the attribute, no password', () => {
    const identities = JSON.stringify([{ userId: '111618195145616130842', providerName: 'Google', providerType: 'Google', issuer: null, primary: true, dateCreated: 1622940509457 }]);
    const { user, problems } = mapCognitoUser({
      Username: 'Google_111618195145616130842',
      Attributes: attrs({ sub: SUB, identities, email: 'g@gmail.com', email_verified: 'false' }),
      UserStatus: 'EXTERNAL_PROVIDER',
      Enabled: true,
    });
    assert.deepEqual(problems, []);
    assert.equal(user?.passwordPlan, 'none');
    assert.equal(user?.username, undefined);
    assert.deepEqual(user?.identities, [{ provider: 'google', kind: 'social', providerUserId: '111618195145616130842', connection: 'Google' }]);
    assert.equal(user?.emails[0]?.verified, false);
    assert.ok(!user?.lossy.some((l) => l.field === 'password'));
  });

  it('parses SAML/OIDC identities, the single-object form, and rejects garbage', () => {
    assert.deepEqual(parseIdentities('[{"userId":"a@corp.example","providerName":"AcmeSSO","providerType":"SAML","issuer":"urn:x"}]'), [
      { provider: 'saml', kind: 'enterprise', providerUserId: 'a@corp.example', connection: 'AcmeSSO' },
    ]);
    assert.deepEqual(parseIdentities('{"userId":"1","providerName":"Azure","providerType":"OIDC","primary":"true"}'), [
      { provider: 'oidc', kind: 'enterprise', providerUserId: '1', connection: 'Azure' },
    ]);
    assert.deepEqual(parseIdentities('[{"userId":"9","providerName":"SignInWithApple","providerType":"SignInWithApple"}]')?.[0]?.provider, 'apple');
    assert.equal(parseIdentities('[{"providerName":"Google"}]'), undefined);
    assert.equal(parseIdentities('not json'), undefined);
    const bad = mapCognitoUser({ Username: 'u', Attributes: attrs({ email: 'a@b.c', identities: '[{' }), UserStatus: 'EXTERNAL_PROVIDER' });
    assert.equal(bad.problems[0]?.code, 'E_SOURCE_FIELD');
    assert.ok(bad.user?.lossy.some((l) => l.field === 'identities'));
  });

  it('disabled when Enabled is false; SMS MFA from MFAOptions, TOTP from UserMFASettingList', () => {
    const { user } = mapCognitoUser({
      Username: 'u',
      Attributes: attrs({ email: 'a@b.c', phone_number: '+15550002222' }),
      Enabled: false,
      UserStatus: 'CONFIRMED',
      MFAOptions: [{ DeliveryMedium: 'SMS', AttributeName: 'phone_number' }],
      UserMFASettingList: ['SOFTWARE_TOKEN_MFA', 'SMS_MFA'],
    });
    assert.equal(user?.disabled, true);
    assert.deepEqual(user?.mfa, [{ kind: 'sms', phoneNumber: '+15550002222' }, { kind: 'totp' }]);
    assert.ok(user?.lossy.some((l) => l.field === 'mfa.totp'));
  });

  it('a phone-only user: E_NO_EMAIL warning, phone kept', () => {
    const { user, problems } = mapCognitoUser({ Username: SUB, Attributes: attrs({ sub: SUB, phone_number: '+15550003333', phone_number_verified: 'true' }), UserStatus: 'CONFIRMED' });
    assert.deepEqual(user?.phones, [{ number: '+15550003333', verified: true, primary: true }]);
    assert.deepEqual(problems.map((p) => [p.code, p.severity]), [['E_NO_EMAIL', 'warning']]);
  });

  it('a record without Username is an error and no user', () => {
    const r = mapCognitoUser({ Attributes: [] });
    assert.equal(r.user, undefined);
    assert.equal(r.problems[0]?.code, 'E_SOURCE_FIELD');
    assert.equal(mapCognitoUser([1]).user, undefined);
  });

  it('dates: ISO (CLI v2 microseconds, offsets), epoch seconds, epoch milliseconds', () => {
    assert.equal(cognitoDate('2021-06-05T23:28:29.457000+00:00'), '2021-06-05T23:28:29.457Z');
    assert.equal(cognitoDate('2021-06-05T16:28:29.457-07:00'), '2021-06-05T23:28:29.457Z');
    assert.equal(cognitoDate('2021-06-05T23:28:29Z'), '2021-06-05T23:28:29.000Z');
    assert.equal(cognitoDate(1622935709.457), '2021-06-05T23:28:29.457Z');
    assert.equal(cognitoDate('1622935709'), '2021-06-05T23:28:29.000Z');
    assert.equal(cognitoDate(1622935709457), '2021-06-05T23:28:29.457Z');
    assert.equal(cognitoDate(new Date(1622935709457)), '2021-06-05T23:28:29.457Z');
    assert.equal(cognitoDate('soon'), undefined);
    assert.equal(cognitoDate('2021-13-01T00:00:00Z'), undefined);
    assert.equal(cognitoDate(undefined), undefined);
  });
});

describe('groupToOrganization', () => {
  it('one organization per group, its details as metadata', () => {
    assert.deepEqual(groupToOrganization({ GroupName: 'admin', Description: 'Admins', Precedence: 1, RoleArn: 'arn:aws:iam::1:role/a', CreationDate: 1622935709 }), {
      sourceId: 'admin',
      name: 'admin',
      metadata: { description: 'Admins', precedence: 1, roleArn: 'arn:aws:iam::1:role/a' },
      createdAt: '2021-06-05T23:28:29.000Z',
    });
    assert.equal(groupToOrganization({ Description: 'x' }), undefined);
  });
});
