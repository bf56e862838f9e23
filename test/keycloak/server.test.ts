// Against a real Keycloak (started by scripts/keycloak.mjs, flagless's extension in providers/):
// users imported with pre-hashed passwords sign in with their original passwords, wrong ones are
// refused, Keycloak re-hashes each imported credential to its default algorithm on the first
// sign-in, and an imported TOTP secret must be presented as a valid code.
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { hash as argon2Hash } from '@node-rs/argon2';
import {
  connectKeycloak,
  createUserWithCredentials,
  deleteRealm,
  ensurePasswordGrantClient,
  ensureRealm,
  getStoredCredentials,
  tokenLogin,
  type KeycloakConnection,
} from '../../src/connectors/keycloak/admin-client.js';
import { keycloakOtpCredential, keycloakPasswordCredential, type KeycloakCredential } from '../../src/connectors/keycloak/credentials.js';
import { detectHash, fromBcrypt, fromFirebaseScrypt, fromPbkdf2 } from '../../src/model/password/index.js';
import { Secret } from '../../src/model/secret.js';
import { releaseKeycloak, useKeycloak, type LocalKeycloak } from './server-helper.js';
import { FIREBASE_SAMPLE } from '../helpers/vectors.js';
import { base32Decode, base32Encode, totp } from '../helpers/totp.js';

const CLIENT_ID = 'flagless-proof';

// Firebase's published sample: the project's hash config and one exported user.
const FIREBASE = FIREBASE_SAMPLE;

/** A code that is certainly not valid now (Keycloak accepts one step either side). */
function wrongTotp(key: Buffer): string {
  const valid = new Set([-1, 0, 1].map((s) => totp(key, s)));
  for (let step = 100; ; step++) {
    const code = totp(key, step);
    if (!valid.has(code)) return code;
  }
}

describe('Keycloak (real server) with imported credentials', { timeout: 10 * 60_000 }, () => {
  let kc: LocalKeycloak;
  let conn: KeycloakConnection;
  const realm = `flagless-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  const login = (username: string, password: string, code?: string) =>
    tokenLogin({ url: kc.url, realm, clientId: CLIENT_ID, username, password, ...(code === undefined ? {} : { totp: code }) });

  async function importUser(username: string, credentials: KeycloakCredential[]): Promise<string> {
    return createUserWithCredentials(
      conn,
      realm,
      { username, email: `${username}@example.test`, emailVerified: true, enabled: true, firstName: 'Test', lastName: username, requiredActions: [] },
      credentials,
    );
  }

  async function passwordData(userId: string): Promise<Record<string, unknown>> {
    const creds = await getStoredCredentials(conn, realm, userId);
    const password = creds.find((c) => c.type === 'password');
    assert.ok(password, 'the user has a stored password credential');
    return password.data;
  }

  /** The re-hash runs in its own transaction after the sign-in commits: wait for it, bounded. */
  async function waitForAlgorithm(userId: string, expected: Record<string, unknown>): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 10_000;
    let data = await passwordData(userId);
    while (JSON.stringify(data) !== JSON.stringify(expected) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      data = await passwordData(userId);
    }
    return data;
  }

  let defaultHashData: Record<string, unknown>;

  before(async () => {
    kc = await useKeycloak();
    conn = await connectKeycloak({ url: kc.url, username: kc.username, password: kc.password });
    assert.equal(await ensureRealm(conn, realm), true);
    assert.equal(await ensureRealm(conn, realm), false, 'ensureRealm is idempotent');
    const clientUuid = await ensurePasswordGrantClient(conn, realm, CLIENT_ID);
    assert.equal(await ensurePasswordGrantClient(conn, realm, CLIENT_ID), clientUuid, 'ensurePasswordGrantClient is idempotent');
    // Keycloak's own default, learned from a password it hashes itself (a plaintext set by the admin).
    const control = await createUserWithCredentials(conn, realm, { username: 'control', enabled: true, requiredActions: [] }, []);
    await conn.admin.users.resetPassword({ realm, id: control, credential: { type: 'password', value: 'control-password-1', temporary: false } });
    defaultHashData = await passwordData(control);
  });

  after(async () => {
    try {
      if (conn) await deleteRealm(conn, realm);
    } finally {
      await releaseKeycloak();
    }
  });

  test('the server runs the chosen version and its default hash is argon2', (t) => {
    t.diagnostic(`Keycloak ${kc.version} at ${kc.url}; ${kc.startedNow ? `started (${kc.cold ? 'cold' : 'warm'}) in ${kc.seconds.toFixed(1)} s` : 'already running'}`);
    t.diagnostic(`default password credentialData: ${JSON.stringify(defaultHashData)}`);
    assert.match(kc.version, /^26\./);
    assert.equal(defaultHashData.algorithm, 'argon2');
  });

  const cases: { name: string; password: string; credential: () => Promise<KeycloakCredential>; expectAlgorithm: string }[] = [
    {
      name: 'bcrypt (extension)',
      password: 'clerk-bcrypt-Pässword!',
      expectAlgorithm: 'bcrypt',
      credential: async () => keycloakPasswordCredential(fromBcrypt(await bcryptHash('clerk-bcrypt-Pässword!', 10))),
    },
    {
      name: 'firebase-scrypt (extension)',
      password: 'user1password',
      expectAlgorithm: 'firebase-scrypt',
      credential: async () => keycloakPasswordCredential(fromFirebaseScrypt(FIREBASE)),
    },
    {
      name: 'pbkdf2-sha256 (native)',
      password: 'django-pbkdf2-pässword',
      expectAlgorithm: 'pbkdf2-sha256',
      credential: async () => {
        const salt = randomBytes(12);
        const hash = pbkdf2Sync('django-pbkdf2-pässword', salt, 27500, 32, 'sha256');
        return keycloakPasswordCredential(fromPbkdf2({ digest: 'sha256', iterations: 27500, salt, hash }));
      },
    },
    {
      name: 'pbkdf2-sha512 (native)',
      password: 'pbkdf2-sha512-password',
      expectAlgorithm: 'pbkdf2-sha512',
      credential: async () => {
        const salt = randomBytes(16);
        const hash = pbkdf2Sync('pbkdf2-sha512-password', salt, 10000, 64, 'sha512');
        return keycloakPasswordCredential(fromPbkdf2({ digest: 'sha512', iterations: 10000, salt, hash }));
      },
    },
    {
      name: 'argon2id (native, non-default parameters)',
      password: 'auth0-argon2-Pässword',
      expectAlgorithm: 'argon2',
      credential: async () => keycloakPasswordCredential(detectHash(await argon2Hash('auth0-argon2-Pässword'))),
    },
  ];

  for (const c of cases) {
    test(`${c.name}: original password signs in, wrong one is refused, then re-hashed to the default`, async () => {
      const username = c.name.split(' ')[0]!.replace(/[^a-z0-9]/g, '');
      const credential = await c.credential();
      const id = await importUser(username, [credential]);
      const imported = await passwordData(id);
      assert.equal(imported.algorithm, c.expectAlgorithm, 'stored as imported');
      assert.notDeepEqual(imported, defaultHashData, 'not already in the default form');

      // Keycloak 26.7 answers a wrong password with 400 invalid_grant (ValidatePassword: BAD_REQUEST).
      const wrong = await login(username, `${c.password}x`);
      assert.equal(wrong.ok, false);
      assert.equal(wrong.status, 400);
      assert.equal(!wrong.ok && wrong.error, 'invalid_grant');
      assert.equal(!wrong.ok && wrong.errorDescription, 'Invalid user credentials');
      assert.deepEqual(await passwordData(id), imported, 'a failed sign-in changes nothing');

      const right = await login(username, c.password);
      assert.equal(right.ok, true, `sign-in with the original password: ${JSON.stringify(right.ok ? '' : right)}`);

      const after = await waitForAlgorithm(id, defaultHashData);
      assert.deepEqual(after, defaultHashData, "re-hashed to Keycloak's default algorithm and parameters");
      assert.equal((await login(username, c.password)).ok, true, 'the re-hashed password still signs in');
      assert.equal((await login(username, `${c.password}x`)).ok, false);
    });
  }

  // Issue 13: bcrypt reads only the first 72 bytes, so a sign-in with a password that differs from
  // the real one after byte 72 succeeds. Keycloak's own provider would then re-hash the typed text
  // (the variant) to argon2, and the real password would be refused from then on. flagless's
  // extension keeps the verified bcrypt hash instead.
  test('bcrypt, password over 72 bytes: a variant past byte 72 signs in but is never stored; the real password keeps working', async () => {
    const real = `${'ä'.repeat(30)}${'k'.repeat(12)}-the-real-tail`; // 72 bytes before the tail
    const variant = `${'ä'.repeat(30)}${'k'.repeat(12)}-a-typo-in-the-tail`;
    assert.equal(Buffer.byteLength(real.slice(0, 42)), 72);
    const id = await importUser('longbcrypt', [keycloakPasswordCredential(fromBcrypt(await bcryptHash(real, 4)))]);
    const imported = await passwordData(id);

    assert.equal((await login('longbcrypt', variant)).ok, true, 'bcrypt accepts the variant: its first 72 bytes are right');
    // Keycloak's re-hash runs in its own transaction after the sign-in: give it the time the
    // re-hash of the cases above takes, then the credential must still be the imported one.
    await new Promise((r) => setTimeout(r, 2_000));
    assert.deepEqual(await passwordData(id), imported, 'the typed variant was not stored as the new password');
    const right = await login('longbcrypt', real);
    assert.equal(right.ok, true, `the real password still signs in: ${JSON.stringify(right.ok ? '' : right)}`);
    assert.equal((await login('longbcrypt', `${'ä'.repeat(29)}a${'k'.repeat(12)}-the-real-tail`)).ok, false, 'a difference inside the first 72 bytes is refused');
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual(await passwordData(id), imported, 'a long password keeps its bcrypt hash (bcrypt cannot tell which tail is real)');
  });

  test('bcrypt, password of exactly 72 bytes: re-hashed to the default as usual', async () => {
    const password = `${'é'.repeat(30)}${'z'.repeat(12)}`;
    assert.equal(Buffer.byteLength(password), 72);
    const id = await importUser('bcrypt72', [keycloakPasswordCredential(fromBcrypt(await bcryptHash(password, 4)))]);
    assert.equal((await login('bcrypt72', password)).ok, true);
    assert.deepEqual(await waitForAlgorithm(id, defaultHashData), defaultHashData);
    assert.equal((await login('bcrypt72', password)).ok, true);
  });

  test('an unknown algorithm is refused at sign-in, not at import (the server has no provider for it)', async () => {
    const credential: KeycloakCredential = {
      type: 'password',
      credentialData: JSON.stringify({ hashIterations: 1, algorithm: 'no-such-hasher', additionalParameters: {} }),
      secretData: JSON.stringify({ value: 'AAAA', salt: 'AAAA', additionalParameters: {} }),
    };
    await importUser('unknownalgo', [credential]);
    const r = await login('unknownalgo', 'anything');
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error, 'invalid_grant');
  });

  test('TOTP imported with secretEncoding BASE32: a code from the original secret is required', async () => {
    const secretText = base32Encode(randomBytes(20));
    const key = base32Decode(secretText);
    const password = 'totp-user-password-1';
    await importUser('totpuser', [
      keycloakPasswordCredential(fromBcrypt(await bcryptHash(password, 10))),
      keycloakOtpCredential({ secret: new Secret(secretText) }),
    ]);

    const noCode = await login('totpuser', password);
    assert.equal(noCode.ok, false, 'a password alone is not enough');
    assert.equal(!noCode.ok && noCode.error, 'invalid_grant');

    const badCode = await login('totpuser', password, wrongTotp(key));
    assert.equal(badCode.ok, false, 'a wrong code is refused');

    const badPassword = await login('totpuser', `${password}x`, totp(key));
    assert.equal(badPassword.ok, false, 'a right code does not rescue a wrong password');
    assert.equal(!badPassword.ok && badPassword.error, 'invalid_grant');

    const good = await login('totpuser', password, totp(key));
    assert.equal(good.ok, true, `password plus a current code signs in: ${JSON.stringify(good.ok ? '' : good)}`);
  });

  test('TOTP without secretEncoding: Keycloak uses the UTF-8 bytes of the value, not its base32 decoding', async () => {
    const secretText = base32Encode(randomBytes(20));
    const password = 'totp-raw-password-1';
    const raw: KeycloakCredential = {
      type: 'otp',
      userLabel: 'raw',
      credentialData: JSON.stringify({ subType: 'totp', digits: 6, counter: 0, period: 30, algorithm: 'HmacSHA1' }),
      secretData: JSON.stringify({ value: secretText }),
    };
    await importUser('totpraw', [keycloakPasswordCredential(fromBcrypt(await bcryptHash(password, 4))), raw]);
    const decodedKey = base32Decode(secretText);
    const utf8Key = Buffer.from(secretText, 'utf8');
    const decodedCode = totp(decodedKey);
    if (![-1, 0, 1].some((s) => totp(utf8Key, s) === decodedCode)) {
      assert.equal((await login('totpraw', password, decodedCode)).ok, false);
    }
    assert.equal((await login('totpraw', password, totp(utf8Key))).ok, true);
  });
});
