// Published test vectors and hashes made by real tools, checked against verifyPassword.
// Sources (the tools are not needed at test time; outputs are pasted as fixed strings):
//  - bcrypt: Openwall crypt_blowfish wrapper.c vectors (as kept in php-src
//    ext/standard/tests/crypt/crypt_blowfish.phpt); `htpasswd -bnBC` from Debian 12 apache2-utils.
//  - argon2: phc-winner-argon2 README example (password/somesalt, -t 2 -m 16 -p 4 -l 24),
//    reproduced with Debian 12's `argon2` CLI (the reference implementation), which also made
//    the argon2id/argon2d/v=16 strings.
//  - scrypt: RFC 7914 §12 vectors 1-3; passlib 1.7.4 `scrypt`; Werkzeug 3.1.8 `scrypt:N:r:p`.
//  - PBKDF2: RFC 6070 (HMAC-SHA1); RFC 7914 §11 and the widely used password/salt vectors
//    (HMAC-SHA256); passlib 1.7.4; Django 3.2.25; Werkzeug 3.1.8.
//  - LDAP: `slappasswd` from Debian 12 slapd (pw-sha2 module for the SHA-2 schemes); passlib.
//  - MD5: RFC 1321 test suite; Django 3.2.25 md5$/sha1$/unsalted hashers; coreutils md5sum.
//  - firebase-scrypt: the firebase/scrypt README example.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectHash, fromFirebaseScrypt, fromMd5, fromPbkdf2, fromSaltedSha, verifyPassword, type PasswordHash } from '../../src/model/password/index.js';
import { FIREBASE_SAMPLE } from '../helpers/vectors.js';

async function assertVerifies(h: PasswordHash, password: string): Promise<void> {
  assert.equal(await verifyPassword(h, password), true, `${h.algorithm} should accept the right password`);
  assert.equal(await verifyPassword(h, `${password}!`), false, `${h.algorithm} should reject a wrong password`);
  assert.equal(await verifyPassword(h, ''), false, `${h.algorithm} should reject the empty password`);
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const CH = 'correct horse';

describe('bcrypt vectors', () => {
  const openwall: [string, string][] = [
    ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U'],
    ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK', 'U*U*'],
    ['$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a', 'U*U*U'],
  ];
  for (const [mcf, password] of openwall) {
    it(`Openwall ${password}`, async () => assertVerifies(detectHash(mcf), password));
  }
  it('ignores bytes after 72, as every bcrypt does (Openwall vector)', async () => {
    const h = detectHash('$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui');
    const long = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored';
    assert.equal(await verifyPassword(h, long), true);
    assert.equal(await verifyPassword(h, `${long.slice(0, 72)}something else`), true);
    assert.equal(await verifyPassword(h, long.slice(0, 71)), false);
  });
  it('htpasswd -bnBC 10 ($2y$)', async () => {
    await assertVerifies(detectHash('$2y$10$2dc3iRYySQkSdkscHFBfbuXsC9YL5tbDoEur2/dA6yqIljK1peygO'), CH);
  });
  it('htpasswd -bnBC 5 ($2y$)', async () => {
    await assertVerifies(detectHash('$2y$05$pZxaXYBXJICMOtyIlGU0me/BlfMDgB94pPZCDHTWdw/MYAjRKC5ei'), 'Tr0ub4dor&3');
  });
});

describe('argon2 vectors', () => {
  it('phc-winner-argon2 README example (argon2i, 64 MiB, p=4, 24-byte hash)', async () => {
    await assertVerifies(detectHash('$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG'), 'password');
  });
  it('argon2 CLI: argon2id', async () => {
    await assertVerifies(detectHash('$argon2id$v=19$m=1024,t=2,p=1$c2FsdHNhbHQxMg$4nKTEpNvTDwsZlRxeWc4U1tryegeV6xInHLR4yPmr4E'), CH);
  });
  it('argon2 CLI: argon2d with p=2', async () => {
    await assertVerifies(detectHash('$argon2d$v=19$m=256,t=1,p=2$c2FsdHNhbHQxMg$pSdY7g/Np9rbZc+ulfbS4SqWq9+tEH7EufXkb6NMJwM'), CH);
  });
  it('argon2 CLI: version 0x10, with and without the v= field', async () => {
    const v16 = '$argon2i$v=16$m=256,t=3,p=1$c2FsdHNhbHQxMg$kIS5KirKeHnGmm1LAKxAA0XlzgVWFw5EHVLawntt3hs';
    await assertVerifies(detectHash(v16), CH);
    const noV = detectHash(v16.replace('$v=16', ''));
    assert.equal(noV.phc.reveal(), v16);
    await assertVerifies(noV, CH);
  });
});

describe('scrypt vectors', () => {
  // RFC 7914 §12: (P, S, N, r, p, dkLen) → DK, written here as canonical scrypt strings.
  const rfc: [string, string, number, number, number, string][] = [
    ['', '', 4, 1, 1, '77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906'],
    ['password', 'NaCl', 10, 8, 16, 'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640'],
    ['pleaseletmein', 'SodiumChloride', 14, 8, 1, '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887'],
  ];
  for (const [password, salt, ln, r, p, dk] of rfc) {
    it(`RFC 7914 N=2^${ln} r=${r} p=${p}`, async () => {
      const s = Buffer.from(salt).toString('base64').replace(/=+$/, '');
      const h = detectHash(`$scrypt$ln=${ln},r=${r},p=${p}$${s}$${hex(dk).toString('base64')}`);
      assert.equal(await verifyPassword(h, password), true);
      assert.equal(await verifyPassword(h, `${password}x`), false);
    });
  }
  it('passlib scrypt', async () => {
    await assertVerifies(detectHash('$scrypt$ln=10,r=8,p=1$AeB8b03JuRdCqDVGKIWw9g$/sZi05fG9qvFac20AL1o5NxrQH6lCl8vI5wb9RVwwbI'), CH);
  });
  it('Werkzeug scrypt:1024:8:1 (salt used as text, 64-byte hex hash)', async () => {
    const h = detectHash(
      'scrypt:1024:8:1$vL6ROt0eLk5c8J1F$d8685680765795f493ca9a563790df3be4f374a4b58d94059d34f81bd3ea809cd373e47d766955ef8c3d81952224e7c2939b338903b740fc4afef11842fee593',
    );
    assert.equal(h.algorithm, 'scrypt');
    assert.deepEqual(h.params, { logN: 10, blockSize: 8, parallelization: 1, keyLength: 64 });
    await assertVerifies(h, CH);
  });
});

describe('firebase-scrypt vector (firebase/scrypt README)', () => {
  it('verifies user1password', async () => {
    const h = fromFirebaseScrypt(FIREBASE_SAMPLE);
    await assertVerifies(h, 'user1password');
  });
});

describe('PBKDF2 vectors', () => {
  // RFC 6070 (PBKDF2-HMAC-SHA1); the 16777216-iteration vector is left out for speed.
  const rfc6070: [string, string, number, string][] = [
    ['password', 'salt', 1, '0c60c80f961f0e71f3a9b524af6012062fe037a6'],
    ['password', 'salt', 2, 'ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957'],
    ['password', 'salt', 4096, '4b007901b765489abead49d926f721d065a429c1'],
    ['passwordPASSWORDpassword', 'saltSALTsaltSALTsaltSALTsaltSALTsalt', 4096, '3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038'],
    ['pass\0word', 'sa\0lt', 4096, '56fa6aa75548099dcc37d7f03425e0c3'],
  ];
  for (const [password, salt, iterations, dk] of rfc6070) {
    it(`RFC 6070 c=${iterations} dkLen=${dk.length / 2}`, async () => {
      await assertVerifies(fromPbkdf2({ digest: 'sha1', iterations, salt: Buffer.from(salt), hash: hex(dk) }), password);
    });
  }
  const sha256: [string, string, number, string][] = [
    // RFC 7914 §11
    ['passwd', 'salt', 1, '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783'],
    // the RFC 6070 inputs with HMAC-SHA256
    ['password', 'salt', 1, '120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b'],
    ['password', 'salt', 4096, 'c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a'],
  ];
  for (const [password, salt, iterations, dk] of sha256) {
    it(`PBKDF2-HMAC-SHA256 ${password}/${salt} c=${iterations}`, async () => {
      await assertVerifies(fromPbkdf2({ digest: 'sha256', iterations, salt: Buffer.from(salt), hash: hex(dk) }), password);
    });
  }
  const tools: [string, string][] = [
    ['passlib pbkdf2_sha256', '$pbkdf2-sha256$1000$Qag1JqTU.j/HmFOKMQYgxA$5YGF1WMGDwXk/BPp8VH0w7pHE0zJom15jL8Oyt.xG0o'],
    ['passlib pbkdf2_sha1', '$pbkdf2$1000$wZgzBoDwHoNwjnGude793w$kN2qtzJy4ppKt22yCpIH08oEmKg'],
    ['passlib pbkdf2_sha512', '$pbkdf2-sha512$1000$zznn/N9ba20NIYTQOkeoVQ$7onhmJN/1ci5Dd/Xsu2v090J7bCd8JjxDq1o.UjRT9PEK5d6xIrl88/wFX/Rw35yRbF9xFAisS2MDNA7qOBxCg'],
    ['Django pbkdf2_sha256', 'pbkdf2_sha256$1000$sK0s8HDHFDjn6QAQBPwV5g$myL4jnBmDuMck6gaeDkxSQcam6dkwQ7a5TVQ5wSXNiI='],
    ['Django pbkdf2_sha1', 'pbkdf2_sha1$1000$gFmfYaH7ZPHc7IwgHaL7zd$BsEe23PB9G/HmcMfRAUq3g0gOcc='],
    ['Werkzeug pbkdf2:sha256', 'pbkdf2:sha256:1000$C5OhrfLVfpTI2ckG$be076fe596c1881a92cc38d99dc7d6479a11127df42fb85a5e4d7fb37d0a1079'],
    [
      'Werkzeug pbkdf2:sha512',
      'pbkdf2:sha512:1000$KzUefC30VUkQmgUA$86d71294fff3232caf217b387ba0759ce7527229a837fa3125596962ad3165740f83e8ef7e51a3bc6d7bd1315b86d47c3d3d30503d8b35186b0e51d74bbc46be',
    ],
  ];
  for (const [name, text] of tools) it(name, async () => assertVerifies(detectHash(text), CH));
});

describe('salted digest vectors (LDAP, Django legacy, MD5)', () => {
  const tools: [string, string, string][] = [
    ['slappasswd {SSHA}', '{SSHA}djp4trmkZRpYg2+ae/wnHn2rjp3AoF8D', 'ssha1'],
    ['slappasswd {SSHA256}', '{SSHA256}L8kwIMFIPS2jfC+rO9Cvh82asQWqDyLYDMDzRxh+DvsROggL4wcCbQ==', 'ssha256'],
    ['slappasswd {SSHA512}', '{SSHA512}Vv4XC+3BCsz/NmI+yNDQ27MsbZQKacmhm9yO7T80CUoD+N0Qg4xG/nBQVvE7NJ411ZNqqy/xpyoS3l0HpNkJtFHT4wIJfPI/', 'ssha512'],
    ['slappasswd {SHA}', '{SHA}L55TUjtiq8FBorTWAZ0jy6g129A=', 'ssha1'],
    ['slappasswd {SHA256}', '{SHA256}QQTTb42iwlQ0n4WDZ5Pr4CngyVcGOjTJHC6SAxh7VjE=', 'ssha256'],
    ['slappasswd {SHA512}', '{SHA512}VraY3v7bWkNbY0r+MyC7rz/c2SC2xQOkRvx7endrKY1HnRumqLYXgI6wv1ec6aldZoNHvKtxSQhayTyyeZUZew==', 'ssha512'],
    ['slappasswd {MD5}', '{MD5}PLTnMmMfR+brlh80VUt83g==', 'md5'],
    ['slappasswd {SMD5}', '{SMD5}HkUFHljS+Y7OuMfT1dfJdurdpD0=', 'md5'],
    ['passlib ldap_salted_sha256', '{SSHA256}+Ny44o3OQyBqq/WcJKwL+pMLcbrcE1aI34wdOyqYvraRstbaO0eI8Q==', 'ssha256'],
    ['passlib ldap_salted_sha512', '{SSHA512}D8kPNo+tYQwKOzVTegInsNdze/VJrEbxOgP9zfCxRjS8cb1gzB/hNGmB+XOEG1fDuXtdvGn2tqh5Lh2TBLRWTxTi3HuvNaYU', 'ssha512'],
    ['Django md5$ (md5(salt || password))', 'md5$x7rdb7IVNsbmlVO92uNalP$17df7a3f9079bc7cdc7007d00dc11234', 'md5'],
    ['Django sha1$ (sha1(salt || password))', 'sha1$neGVPBmBgyVChXHUcIfom8$59249acae79483acdf21337dea404a05c4b86d04', 'ssha1'],
    ['Django unsalted_sha1', 'sha1$$2f9e53523b62abc141a2b4d6019d23cba835dbd0', 'ssha1'],
    ['Django unsalted_md5 / md5sum', '3cb4e732631f47e6eb961f34554b7cde', 'md5'],
  ];
  for (const [name, text, algorithm] of tools) {
    it(name, async () => {
      const h = detectHash(text);
      assert.equal(h.algorithm, algorithm);
      await assertVerifies(h, CH);
    });
  }
  it('RFC 1321 MD5 test suite', async () => {
    const suite: [string, string][] = [
      ['', 'd41d8cd98f00b204e9800998ecf8427e'],
      ['abc', '900150983cd24fb0d6963f7d28e17f72'],
      ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ];
    for (const [password, digest] of suite) {
      assert.equal(await verifyPassword(fromMd5(digest), password), true);
      assert.equal(await verifyPassword(fromMd5(hex(digest)), `${password}x`), false);
    }
  });
  it('fromSaltedSha with the salt before or after the password', async () => {
    // Django sha1$ parts: sha1(salt || password).
    const salt = Buffer.from('neGVPBmBgyVChXHUcIfom8');
    const hash = hex('59249acae79483acdf21337dea404a05c4b86d04');
    await assertVerifies(fromSaltedSha({ digest: 'sha1', salt, hash, saltPosition: 'prefix' }), CH);
    assert.equal(await verifyPassword(fromSaltedSha({ digest: 'sha1', salt, hash, saltPosition: 'suffix' }), CH), false);
    // Django md5$ parts via fromMd5 with a text salt.
    await assertVerifies(fromMd5('17df7a3f9079bc7cdc7007d00dc11234', 'x7rdb7IVNsbmlVO92uNalP', 'prefix'), CH);
  });
});
