import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyPassword } from '../../model/password/index.js';
import { isoFromEpochMs as msToIso } from '../../model/build.js';
import { mapFirebaseUser } from './map.js';

// Firebase's published modified-scrypt vector (github.com/firebase/scrypt README).
const CONFIG = {
  signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  saltSeparator: 'Bw==',
  rounds: 8,
  memCost: 14,
};
const HASH = 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==';
const SALT = '42xEC+ixf3L2lw==';

const PASSWORD_USER = {
  localId: 'UID_pw',
  email: 'Ada.Lovelace@Example.com ',
  emailVerified: true,
  passwordHash: HASH,
  salt: SALT,
  displayName: 'Ada Lovelace',
  photoUrl: 'https://example.com/ada.png',
  lastSignedInAt: '1700000000000',
  createdAt: '1600000000000',
};

describe('mapFirebaseUser', () => {
  it('maps a password user; the hash verifies with the project hash config', async () => {
    const { user, problems, hashWithoutConfig } = mapFirebaseUser(PASSWORD_USER, { hashConfig: CONFIG });
    assert.deepEqual(problems, []);
    assert.equal(hashWithoutConfig, false);
    assert.ok(user);
    assert.equal(user.sourceId, 'UID_pw');
    assert.deepEqual(user.emails, [{ address: 'Ada.Lovelace@Example.com', normalized: 'ada.lovelace@example.com', verified: true, primary: true }]);
    assert.equal(user.displayName, 'Ada Lovelace');
    assert.equal(user.imageUrl, 'https://example.com/ada.png');
    assert.equal(user.createdAt, '2020-09-13T12:26:40.000Z');
    assert.equal(user.lastSignInAt, '2023-11-14T22:13:20.000Z');
    assert.equal(user.passwordPlan, 'import');
    assert.equal(user.password?.algorithm, 'firebase-scrypt');
    assert.deepEqual(user.password?.params, { rounds: 8, memCost: 14 });
    assert.equal(await verifyPassword(user.password!, 'user1password'), true);
    assert.equal(await verifyPassword(user.password!, 'user1passwore'), false);
    assert.equal(user.disabled, false);
    assert.doesNotMatch(JSON.stringify(user), new RegExp(HASH.slice(0, 20).replace(/[+/]/g, '.')), 'the hash never serialises');
  });

  it('without a hash config: jit, flagged once by the reader, and a lossy note', () => {
    const { user, problems, hashWithoutConfig } = mapFirebaseUser(PASSWORD_USER, {});
    assert.equal(hashWithoutConfig, true);
    assert.deepEqual(problems, []);
    assert.equal(user?.passwordPlan, 'jit');
    assert.equal(user?.password, undefined);
    assert.ok(user?.lossy.some((l) => l.field === 'password'));
  });

  it('a hash that does not fit the config is a problem, and the user is kept for jit', () => {
    const { user, problems } = mapFirebaseUser({ ...PASSWORD_USER, passwordHash: 'c2hvcnQ=' }, { hashConfig: CONFIG });
    assert.equal(problems[0]?.code, 'E_HASH_MALFORMED');
    assert.equal(problems[0]?.severity, 'error');
    assert.equal(user?.passwordPlan, 'jit');
  });

  it('maps linked providers: social and enterprise kept, password and phone are not links', () => {
    const { user } = mapFirebaseUser(
      {
        localId: 'UID_social',
        email: 'g@example.com',
        emailVerified: true,
        providerUserInfo: [
          { providerId: 'google.com', rawId: '1234567890', email: 'g@example.com', displayName: 'G' },
          { providerId: 'github.com', rawId: '42' },
          { providerId: 'apple.com', rawId: '001.abc' },
          { providerId: 'facebook.com', rawId: '77' },
          { providerId: 'saml.okta', rawId: 'g@corp.example' },
          { providerId: 'oidc.azure', rawId: 'sub-1' },
          { providerId: 'password', rawId: 'g@example.com' },
          { providerId: 'phone', rawId: '+15550001111' },
        ],
      },
      {},
    );
    assert.deepEqual(
      user?.identities.map((i) => [i.provider, i.kind, i.providerUserId, i.connection]),
      [
        ['google', 'social', '1234567890', 'google.com'],
        ['github', 'social', '42', 'github.com'],
        ['apple', 'social', '001.abc', 'apple.com'],
        ['facebook', 'social', '77', 'facebook.com'],
        ['saml', 'enterprise', 'g@corp.example', 'saml.okta'],
        ['oidc', 'enterprise', 'sub-1', 'oidc.azure'],
      ],
    );
    assert.equal(user?.identities[0]?.email, 'g@example.com');
    // A `password` provider without a hash: the exporter dropped a non-scrypt hash.
    assert.equal(user?.passwordPlan, 'jit');
  });

  it('a social-only user has no password', () => {
    const { user } = mapFirebaseUser({ localId: 'u', email: 'a@b.c', providerUserInfo: [{ providerId: 'google.com', rawId: '1' }] }, {});
    assert.equal(user?.passwordPlan, 'none');
  });

  it('customAttributes (a JSON string) become private metadata; bad JSON is a warning, not a crash', () => {
    const ok = mapFirebaseUser({ localId: 'u', email: 'a@b.c', customAttributes: '{"role":"admin","tier":2}' }, {});
    assert.deepEqual(ok.user?.metadata, { public: {}, private: { role: 'admin', tier: 2 } });
    const bad = mapFirebaseUser({ localId: 'u', email: 'a@b.c', customAttributes: '{"role": "admin", ' }, {});
    assert.equal(bad.problems[0]?.code, 'E_SOURCE_FIELD');
    assert.equal(bad.problems[0]?.severity, 'warning');
    assert.deepEqual(bad.user?.metadata.private, {});
    assert.ok(bad.user?.lossy.some((l) => l.field === 'metadata.private'));
    const notObject = mapFirebaseUser({ localId: 'u', email: 'a@b.c', customAttributes: '[1,2]' }, {});
    assert.equal(notObject.problems[0]?.code, 'E_SOURCE_FIELD');
  });

  it('mfaInfo: phoneInfo is an SMS factor, totpInfo a TOTP factor without a secret', () => {
    const { user } = mapFirebaseUser(
      {
        localId: 'u',
        email: 'a@b.c',
        mfaInfo: [
          { mfaEnrollmentId: 'e1', displayName: 'work phone', phoneInfo: '+15550002222', enrolledAt: '2024-01-02T03:04:05Z' },
          { mfaEnrollmentId: 'e2', displayName: 'Authenticator', totpInfo: {}, enrolledAt: '2024-02-02T00:00:00.123456Z' },
          { mfaEnrollmentId: 'e3', emailInfo: { emailAddress: 'a@b.c' } },
        ],
      },
      {},
    );
    assert.deepEqual(user?.mfa, [
      { kind: 'sms', phoneNumber: '+15550002222', label: 'work phone', enrolledAt: '2024-01-02T03:04:05.000Z' },
      { kind: 'totp', label: 'Authenticator', enrolledAt: '2024-02-02T00:00:00.123Z' },
      { kind: 'email' },
    ]);
    assert.equal(user?.mfa[1]?.secret, undefined);
    assert.ok(user?.lossy.some((l) => l.field === 'mfa.totp'));
  });

  it('a phone-only user: no password, an E_NO_EMAIL warning, the phone kept', () => {
    const { user, problems } = mapFirebaseUser({ localId: 'p', phoneNumber: '+15550003333', createdAt: '1600000000000' }, {});
    assert.equal(user?.passwordPlan, 'none');
    assert.deepEqual(user?.phones, [{ number: '+15550003333', verified: true, primary: true }]);
    assert.deepEqual(problems.map((p) => [p.code, p.severity]), [['E_NO_EMAIL', 'warning']]);
    assert.match(problems[0]?.message ?? '', /phone-only/);
  });

  it('a disabled user is disabled', () => {
    const { user } = mapFirebaseUser({ localId: 'd', email: 'a@b.c', disabled: true }, {});
    assert.equal(user?.disabled, true);
    assert.equal(user?.sourceStatus, 'disabled');
  });

  it('a record without localId, or not an object, is an error and no user', () => {
    assert.equal(mapFirebaseUser({ email: 'a@b.c' }, {}).user, undefined);
    assert.equal(mapFirebaseUser({ email: 'a@b.c' }, {}).problems[0]?.code, 'E_SOURCE_FIELD');
    assert.equal(mapFirebaseUser('x', {}).user, undefined);
  });

  it('timestamps: ms epoch strings and numbers; garbage is ignored', () => {
    assert.equal(msToIso('1600000000000'), '2020-09-13T12:26:40.000Z');
    assert.equal(msToIso(1600000000000), '2020-09-13T12:26:40.000Z');
    assert.equal(msToIso('yesterday'), undefined);
    assert.equal(msToIso(undefined), undefined);
  });
});
