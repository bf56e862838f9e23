// The exact credential layouts flagless sends to Keycloak (the ones server.test.ts proves sign in).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  keycloakAlgorithmId,
  keycloakCanImport,
  keycloakOtpCredential,
  keycloakPasswordCredential,
} from '../../src/connectors/keycloak/credentials.js';
import { HashError, detectHash, fromBcrypt, fromFirebaseScrypt, fromPbkdf2 } from '../../src/model/password/index.js';
import { Secret } from '../../src/model/secret.js';
import { FIREBASE_SAMPLE } from '../helpers/vectors.js';

const parse = (c: { credentialData: string; secretData: string }) => ({
  credentialData: JSON.parse(c.credentialData) as unknown,
  secretData: JSON.parse(c.secretData) as unknown,
});

describe('Keycloak credential builders', () => {
  it('bcrypt: the modular-crypt string as value, cost as hashIterations, no salt', () => {
    const mcf = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
    const c = keycloakPasswordCredential(fromBcrypt(mcf));
    assert.equal(c.type, 'password');
    assert.deepEqual(parse(c), {
      credentialData: { hashIterations: 5, algorithm: 'bcrypt', additionalParameters: {} },
      secretData: { additionalParameters: {}, value: mcf },
    });
  });

  it('firebase-scrypt: signer key and separator in secretData, rounds and memCost in credentialData', () => {
    const c = keycloakPasswordCredential(
      fromFirebaseScrypt(FIREBASE_SAMPLE),
    );
    assert.deepEqual(parse(c), {
      credentialData: { hashIterations: 8, algorithm: 'firebase-scrypt', additionalParameters: { rounds: ['8'], memCost: ['14'] } },
      secretData: {
        additionalParameters: {
          signerKey: ['jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=='],
          saltSeparator: ['Bw=='],
        },
        value: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
        salt: '42xEC+ixf3L2lw==',
      },
    });
    // Nothing secret in credentialData, which the admin API returns.
    assert.doesNotMatch(c.credentialData, /jxspr8|Bw==|lSrf/);
  });

  it('pbkdf2: Keycloak ids pbkdf2 / pbkdf2-sha256 / pbkdf2-sha512, padded base64', () => {
    const salt = Buffer.from('0123456789ab');
    const hash = Buffer.alloc(32, 7);
    for (const [digest, id] of [
      ['sha1', 'pbkdf2'],
      ['sha256', 'pbkdf2-sha256'],
      ['sha512', 'pbkdf2-sha512'],
    ] as const) {
      const c = keycloakPasswordCredential(fromPbkdf2({ digest, iterations: 27500, salt, hash }));
      assert.deepEqual(parse(c), {
        credentialData: { hashIterations: 27500, algorithm: id, additionalParameters: {} },
        secretData: { additionalParameters: {}, value: hash.toString('base64'), salt: salt.toString('base64') },
      });
      assert.ok((JSON.parse(c.secretData) as { value: string }).value.endsWith('='), 'padded like Java Base64');
    }
  });

  it('argon2: type/version/memory/parallelism/hashLength as string lists, t as hashIterations', () => {
    // PHC from the argon2 reference test vectors style: m=65536,t=2,p=1, 16-byte salt, 32-byte hash.
    const salt = Buffer.from('somesaltsomesalt');
    const hash = Buffer.alloc(32, 1);
    const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
    for (const [phcId, v, type, version] of [
      ['argon2id', 19, 'id', '1.3'],
      ['argon2i', 16, 'i', '1.0'],
      ['argon2d', 19, 'd', '1.3'],
    ] as const) {
      const c = keycloakPasswordCredential(detectHash(`$${phcId}$v=${v}$m=65536,t=2,p=1$${b64(salt)}$${b64(hash)}`));
      assert.deepEqual(parse(c), {
        credentialData: {
          hashIterations: 2,
          algorithm: 'argon2',
          additionalParameters: { type: [type], version: [version], memory: ['65536'], parallelism: ['1'], hashLength: ['32'] },
        },
        secretData: { additionalParameters: {}, value: hash.toString('base64'), salt: salt.toString('base64') },
      });
    }
  });

  it('algorithms Keycloak cannot verify are refused with E_HASH_UNSUPPORTED', () => {
    const scrypt = detectHash('$scrypt$ln=14,r=8,p=1$c29tZXNhbHQ$' + Buffer.alloc(32, 3).toString('base64').replace(/=+$/, ''));
    assert.equal(keycloakCanImport(scrypt.algorithm), false);
    assert.equal(keycloakAlgorithmId(scrypt.algorithm), undefined);
    assert.throws(() => keycloakPasswordCredential(scrypt), (e: unknown) => e instanceof HashError && e.code === 'E_HASH_UNSUPPORTED');
    assert.equal(keycloakCanImport('md5'), false);
    assert.equal(keycloakCanImport('bcrypt'), true);
  });

  it('otp: base32 secret normalised, secretEncoding BASE32, RFC 6238 defaults', () => {
    const c = keycloakOtpCredential({ secret: new Secret('jbsw y3dp-ehpk3pxp==') });
    assert.equal(c.type, 'otp');
    assert.equal(c.userLabel, 'Authenticator');
    assert.deepEqual(parse(c), {
      credentialData: { subType: 'totp', digits: 6, counter: 0, period: 30, algorithm: 'HmacSHA1', secretEncoding: 'BASE32' },
      secretData: { value: 'JBSWY3DPEHPK3PXP' },
    });
    assert.throws(() => keycloakOtpCredential({ secret: new Secret('not base32 1890') }), /not base32/);
  });
});
