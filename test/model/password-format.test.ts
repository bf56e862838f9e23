// Parsing, detection, canonical round trips, errors and redaction of password hashes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  detectHash,
  fromBcrypt,
  fromFirebaseScrypt,
  fromMd5,
  HashError,
  hashParts,
  parsePhc,
  firebaseScryptInput,
  verifyPassword,
  type PasswordHash,
} from '../../src/model/password/index.js';
import { Secret } from '../../src/model/secret.js';
import { FIREBASE_SAMPLE } from '../helpers/vectors.js';

const CH = 'correct horse';
const FIREBASE = FIREBASE_SAMPLE;
/** The sample's fields as one text, for leak checks (WorkOS's string form of them: src/connectors/workos/firebase-scrypt-form.ts). */
const FIREBASE_FIELDS = Object.values(FIREBASE).join('$');

/** Every form detectHash reads, with the algorithm it must map to (password: 'correct horse' unless noted). */
const PASSWORDS: Record<string, string> = {
  'bcrypt $2a$': 'U*U',
  'argon2i PHC': 'password',
  'LDAP {CRYPT} bcrypt': 'Tr0ub4dor&3',
  'Django bcrypt$': 'Tr0ub4dor&3',
};
const FORMS: [string, string, string][] = [
  ['bcrypt $2a$', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'bcrypt'],
  ['bcrypt $2y$', '$2y$10$2dc3iRYySQkSdkscHFBfbuXsC9YL5tbDoEur2/dA6yqIljK1peygO', 'bcrypt'],
  ['argon2i PHC', '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG', 'argon2i'],
  ['argon2id PHC', '$argon2id$v=19$m=1024,t=2,p=1$c2FsdHNhbHQxMg$4nKTEpNvTDwsZlRxeWc4U1tryegeV6xInHLR4yPmr4E', 'argon2id'],
  ['argon2d PHC', '$argon2d$v=19$m=256,t=1,p=2$c2FsdHNhbHQxMg$pSdY7g/Np9rbZc+ulfbS4SqWq9+tEH7EufXkb6NMJwM', 'argon2d'],
  ['scrypt PHC', '$scrypt$ln=10,r=8,p=1$AeB8b03JuRdCqDVGKIWw9g$/sZi05fG9qvFac20AL1o5NxrQH6lCl8vI5wb9RVwwbI', 'scrypt'],
  [
    'Werkzeug scrypt',
    'scrypt:1024:8:1$vL6ROt0eLk5c8J1F$d8685680765795f493ca9a563790df3be4f374a4b58d94059d34f81bd3ea809cd373e47d766955ef8c3d81952224e7c2939b338903b740fc4afef11842fee593',
    'scrypt',
  ],
  ['PBKDF2 PHC', '$pbkdf2-sha256$i=1000,l=32$Qag1JqTU+j/HmFOKMQYgxA$5YGF1WMGDwXk/BPp8VH0w7pHE0zJom15jL8Oyt+xG0o', 'pbkdf2-sha256'],
  ['passlib pbkdf2-sha256', '$pbkdf2-sha256$1000$Qag1JqTU.j/HmFOKMQYgxA$5YGF1WMGDwXk/BPp8VH0w7pHE0zJom15jL8Oyt.xG0o', 'pbkdf2-sha256'],
  ['passlib pbkdf2 (sha1)', '$pbkdf2$1000$wZgzBoDwHoNwjnGude793w$kN2qtzJy4ppKt22yCpIH08oEmKg', 'pbkdf2-sha1'],
  ['Django pbkdf2_sha256', 'pbkdf2_sha256$1000$sK0s8HDHFDjn6QAQBPwV5g$myL4jnBmDuMck6gaeDkxSQcam6dkwQ7a5TVQ5wSXNiI=', 'pbkdf2-sha256'],
  ['Django pbkdf2_sha1', 'pbkdf2_sha1$1000$gFmfYaH7ZPHc7IwgHaL7zd$BsEe23PB9G/HmcMfRAUq3g0gOcc=', 'pbkdf2-sha1'],
  ['Werkzeug pbkdf2', 'pbkdf2:sha256:1000$C5OhrfLVfpTI2ckG$be076fe596c1881a92cc38d99dc7d6479a11127df42fb85a5e4d7fb37d0a1079', 'pbkdf2-sha256'],
  ['LDAP {SSHA}', '{SSHA}djp4trmkZRpYg2+ae/wnHn2rjp3AoF8D', 'ssha1'],
  ['LDAP {SSHA256}', '{SSHA256}L8kwIMFIPS2jfC+rO9Cvh82asQWqDyLYDMDzRxh+DvsROggL4wcCbQ==', 'ssha256'],
  ['LDAP {SSHA512}', '{SSHA512}Vv4XC+3BCsz/NmI+yNDQ27MsbZQKacmhm9yO7T80CUoD+N0Qg4xG/nBQVvE7NJ411ZNqqy/xpyoS3l0HpNkJtFHT4wIJfPI/', 'ssha512'],
  ['LDAP {SHA}', '{SHA}L55TUjtiq8FBorTWAZ0jy6g129A=', 'ssha1'],
  ['LDAP {MD5}', '{MD5}PLTnMmMfR+brlh80VUt83g==', 'md5'],
  ['LDAP {CRYPT} bcrypt', '{CRYPT}$2y$05$pZxaXYBXJICMOtyIlGU0me/BlfMDgB94pPZCDHTWdw/MYAjRKC5ei', 'bcrypt'],
  ['Django md5$', 'md5$x7rdb7IVNsbmlVO92uNalP$17df7a3f9079bc7cdc7007d00dc11234', 'md5'],
  ['Django sha1$', 'sha1$neGVPBmBgyVChXHUcIfom8$59249acae79483acdf21337dea404a05c4b86d04', 'ssha1'],
  ['Django argon2$', 'argon2$argon2id$v=19$m=1024,t=2,p=1$c2FsdHNhbHQxMg$4nKTEpNvTDwsZlRxeWc4U1tryegeV6xInHLR4yPmr4E', 'argon2id'],
  ['Django bcrypt$', 'bcrypt$$2y$05$pZxaXYBXJICMOtyIlGU0me/BlfMDgB94pPZCDHTWdw/MYAjRKC5ei', 'bcrypt'],
  ['bare MD5 hex', '3cb4e732631f47e6eb961f34554b7cde', 'md5'],
];

function sameHash(a: PasswordHash, b: PasswordHash): void {
  assert.equal(a.algorithm, b.algorithm);
  assert.equal(a.phc.reveal(), b.phc.reveal());
  assert.deepEqual(a.params, b.params);
  assert.equal(a.insecure, b.insecure);
}

/** Long tokens of the input (salts, hashes, keys) must not appear in a message or serialisation. */
function assertNoLeak(text: string, input: string): void {
  for (const token of input.split(/[${},:=]+/)) {
    if (token.length >= 8 && !/^[a-z0-9_-]+$/.test(token)) assert.ok(!text.includes(token), `leaked a part of the input: ${text}`);
  }
}

function hashError(fn: () => unknown, code: HashError['code'], input: string, mention?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof HashError, `expected a HashError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assertNoLeak(caught.message, input);
  if (mention) assert.match(caught.message, mention);
}

describe('detectHash and the canonical string', () => {
  for (const [name, text, algorithm] of FORMS) {
    it(`${name}: detects, round-trips through parsePhc and verifies`, async () => {
      const h = detectHash(text);
      assert.equal(h.algorithm, algorithm);
      sameHash(parsePhc(h.phc.reveal()), h);
      sameHash(detectHash(h.phc.reveal()), h);
      // The canonical string is stable: formatting a parsed canonical string changes nothing.
      assert.equal(parsePhc(parsePhc(h.phc.reveal()).phc.reveal()).phc.reveal(), h.phc.reveal());
      const password = PASSWORDS[name] ?? CH;
      assert.equal(await verifyPassword(parsePhc(h.phc.reveal()), password), true);
      assert.equal(await verifyPassword(parsePhc(h.phc.reveal()), `${password}?`), false);
    });
  }

  it('keeps bcrypt strings byte for byte, whatever the variant', () => {
    for (const mcf of [
      '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
      '$2y$10$2dc3iRYySQkSdkscHFBfbuXsC9YL5tbDoEur2/dA6yqIljK1peygO',
      '$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e',
    ]) {
      assert.equal(detectHash(mcf).phc.reveal(), mcf);
      assert.equal(fromBcrypt(mcf).phc.reveal(), mcf);
      assert.equal(parsePhc(mcf).params.variant, mcf.slice(1, 3));
    }
  });

  it('keeps canonical PHC strings as given and strips base64 padding from others', async () => {
    const argon = '$argon2id$v=19$m=1024,t=2,p=1$c2FsdHNhbHQxMg$4nKTEpNvTDwsZlRxeWc4U1tryegeV6xInHLR4yPmr4E';
    assert.equal(parsePhc(argon).phc.reveal(), argon);
    const padded = '$argon2id$v=19$m=1024,t=2,p=1$c2FsdHNhbHQxMg==$4nKTEpNvTDwsZlRxeWc4U1tryegeV6xInHLR4yPmr4E=';
    assert.equal(parsePhc(padded).phc.reveal(), argon);
    assert.equal(await verifyPassword(parsePhc(padded), CH), true);
    const scrypt = '$scrypt$ln=10,r=8,p=1$AeB8b03JuRdCqDVGKIWw9g$/sZi05fG9qvFac20AL1o5NxrQH6lCl8vI5wb9RVwwbI';
    assert.equal(parsePhc(scrypt).phc.reveal(), scrypt);
  });

  it('gives the documented canonical forms', () => {
    assert.equal(
      detectHash('{SSHA}djp4trmkZRpYg2+ae/wnHn2rjp3AoF8D').phc.reveal(),
      `$ssha1$pos=suffix$${Buffer.from('djp4trmkZRpYg2+ae/wnHn2rjp3AoF8D', 'base64').subarray(20).toString('base64').replace(/=+$/, '')}$` +
        Buffer.from('djp4trmkZRpYg2+ae/wnHn2rjp3AoF8D', 'base64').subarray(0, 20).toString('base64').replace(/=+$/, ''),
    );
    assert.equal(detectHash('{MD5}PLTnMmMfR+brlh80VUt83g==').phc.reveal(), '$md5$pos=suffix$$PLTnMmMfR+brlh80VUt83g');
    assert.equal(
      detectHash('$pbkdf2$1000$wZgzBoDwHoNwjnGude793w$kN2qtzJy4ppKt22yCpIH08oEmKg').phc.reveal(),
      '$pbkdf2-sha1$i=1000,l=20$wZgzBoDwHoNwjnGude793w$kN2qtzJy4ppKt22yCpIH08oEmKg',
    );
    const fb = fromFirebaseScrypt(FIREBASE);
    assert.equal(
      fb.phc.reveal(),
      '$firebase-scrypt$r=8,m=14,sk=jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA,ss=Bw' +
        '$42xEC+ixf3L2lw$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ',
    );
  });

  it('trims surrounding whitespace, as CSV cells carry it', () => {
    assert.equal(detectHash('  3cb4e732631f47e6eb961f34554b7cde\n').algorithm, 'md5');
  });
});

describe('firebase-scrypt and its Firebase inputs', () => {
  it('gives back the Firebase inputs as padded standard base64, the inverse of fromFirebaseScrypt', () => {
    const h = fromFirebaseScrypt(FIREBASE);
    assert.deepEqual(firebaseScryptInput(h), { ...FIREBASE });
    sameHash(fromFirebaseScrypt(firebaseScryptInput(h)), h);
  });

  it('accepts URL-safe base64 from the Firebase CLI and numeric strings from CSV', async () => {
    const urlSafe = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const h = fromFirebaseScrypt({
      hash: urlSafe(FIREBASE.hash),
      salt: urlSafe(FIREBASE.salt),
      signerKey: urlSafe(FIREBASE.signerKey),
      saltSeparator: urlSafe(FIREBASE.saltSeparator),
      rounds: '8',
      memCost: '14',
    });
    sameHash(h, fromFirebaseScrypt(FIREBASE));
    assert.equal(await verifyPassword(h, 'user1password'), true);
  });

  it('keeps the signer key out of params, parts, JSON and inspect', () => {
    const h = fromFirebaseScrypt(FIREBASE);
    assert.deepEqual(h.params, { rounds: 8, memCost: 14 });
    const parts = hashParts(h);
    assert.deepEqual(parts.salt, Buffer.from(FIREBASE.salt, 'base64'));
    assert.deepEqual(parts.hash, Buffer.from(FIREBASE.hash, 'base64'));
    assert.deepEqual(parts.params, { rounds: 8, memCost: 14 });
    for (const text of [JSON.stringify(h), inspect(h, { depth: 5 }), String(h.phc), JSON.stringify(parts.params)]) {
      assertNoLeak(text, FIREBASE_FIELDS);
      assert.ok(!text.includes('jxspr8Ki0RYyc'));
    }
  });

  it('refuses to give Firebase inputs for another algorithm', () => {
    hashError(() => firebaseScryptInput(detectHash('3cb4e732631f47e6eb961f34554b7cde')), 'E_HASH_MALFORMED', '');
  });
});

describe('hashParts', () => {
  it('decodes LDAP {SSHA} into a 20-byte SHA-1 digest and the trailing salt', () => {
    const raw = Buffer.from('djp4trmkZRpYg2+ae/wnHn2rjp3AoF8D', 'base64');
    const p = hashParts(detectHash('{SSHA}djp4trmkZRpYg2+ae/wnHn2rjp3AoF8D'));
    assert.deepEqual(p.hash, raw.subarray(0, 20));
    assert.deepEqual(p.salt, raw.subarray(20));
    assert.deepEqual(p.params, { digest: 'sha1', saltPosition: 'suffix', saltLength: 4 });
  });

  it('decodes Django pbkdf2 with the salt as its text bytes', () => {
    const p = hashParts(detectHash('pbkdf2_sha256$1000$sK0s8HDHFDjn6QAQBPwV5g$myL4jnBmDuMck6gaeDkxSQcam6dkwQ7a5TVQ5wSXNiI='));
    assert.deepEqual(p.salt, Buffer.from('sK0s8HDHFDjn6QAQBPwV5g'));
    assert.deepEqual(p.hash, Buffer.from('myL4jnBmDuMck6gaeDkxSQcam6dkwQ7a5TVQ5wSXNiI=', 'base64'));
    assert.deepEqual(p.params, { digest: 'sha256', iterations: 1000, keyLength: 32 });
  });

  it('decodes argon2 and bcrypt', () => {
    const a = hashParts(detectHash('$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG'));
    assert.equal(a.salt.toString(), 'somesalt');
    assert.equal(a.hash.length, 24);
    assert.deepEqual(a.params, { version: 19, memoryCost: 65536, timeCost: 2, parallelism: 4, keyLength: 24 });
    const b = hashParts(detectHash('$2y$10$2dc3iRYySQkSdkscHFBfbuXsC9YL5tbDoEur2/dA6yqIljK1peygO'));
    assert.equal(b.salt.length, 16);
    assert.equal(b.hash.length, 23);
    assert.deepEqual(b.params, { variant: '2y', cost: 10 });
    // All-'.' bcrypt base64 is all-zero bits.
    assert.deepEqual(hashParts(fromBcrypt(`$2b$04$${'.'.repeat(22)}${'.'.repeat(31)}`)).salt, Buffer.alloc(16));
  });
});

describe('errors', () => {
  const unsupportedInputs: [string, string, RegExp?][] = [
    ['plain text', 'not a hash at all'],
    ['openssl passwd -6', '$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDfMib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0', /sha512-crypt/],
    ['openssl passwd -5', '$5$saltsalt$myjXcpMpE2Ofk7fj9hqyNYSn6lmWG4Mqnjx.KIRRr4/', /sha256-crypt/],
    ['openssl passwd -1', '$1$saltsalt$NuzA7WTAelpl95xgBGWN60', /md5-crypt/],
    ['openssl passwd -apr1', '$apr1$saltsalt$EGVZDNN6gOqijy.tv9axG/', /apr1/],
    ['bcrypt $2x$ (Openwall)', '$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e', /2x/],
    ['phpass', '$P$984478476IagS59wHZvyQMArzfx58u.', /phpass/],
    ['bare SHA-1 hex', '2f9e53523b62abc141a2b4d6019d23cba835dbd0', /ambiguous/],
    ['LDAP {CLEARTEXT}', '{CLEARTEXT}hunter2hunter2', /CLEARTEXT/],
    ['Werkzeug pbkdf2 without iterations', 'pbkdf2:sha256$C5OhrfLVfpTI2ckG$be076fe596c1881a92cc38d99dc7d6479a11127df42fb85a5e4d7fb37d0a1079', /iteration/],
    ['Django bcrypt_sha256', 'bcrypt_sha256$$2b$12$LZSJchsWG/DrBy1erNs4eeYo6tZNlLFQmONdTN9Fws2fAKUOMKcyq'],
    ['argon2 with associated data', '$argon2id$v=19$m=1024,t=2,p=1,data=YWJjZGVm$c2FsdHNhbHQxMg$4nKTEpNvTDwsZlRxeWc4U1tryegeV6xInHLR4yPmr4E'],
    ['argon2 needing 2 GiB', '$argon2id$v=19$m=2097152,t=2,p=1$c2FsdHNhbHQxMg$4nKTEpNvTDwsZlRxeWc4U1tryegeV6xInHLR4yPmr4E', /memory/],
    ['scrypt needing 4 GiB', '$scrypt$ln=22,r=8,p=1$AeB8b03JuRdCqDVGKIWw9g$/sZi05fG9qvFac20AL1o5NxrQH6lCl8vI5wb9RVwwbI', /MiB/],
  ];
  for (const [name, input, mention] of unsupportedInputs) {
    // Scheme names may be quoted back; the value after an LDAP {SCHEME} prefix may not.
    const secretPart = input.replace(/^\{[A-Z]+\}/, '');
    it(`${name} → E_HASH_UNSUPPORTED`, () => hashError(() => detectHash(input), 'E_HASH_UNSUPPORTED', secretPart, mention));
  }

  const malformedInputs: [string, string, RegExp?][] = [
    ['empty', '   '],
    ['truncated bcrypt', '$2b$10$2dc3iRYySQkSdkscHFBfbuXsC9YL5tbDoEur2', /bcrypt/],
    ['bcrypt cost 3', '$2b$03$2dc3iRYySQkSdkscHFBfbuXsC9YL5tbDoEur2/dA6yqIljK1peygO', /cost/],
    ['argon2 salt not base64', '$argon2id$v=19$m=1024,t=2,p=1$c2FsdHNh!HQxMg$4nKTEpNvTDwsZlRxeWc4U1tryegeV6xInHLR4yPmr4E', /salt/],
    ['argon2 without t', '$argon2id$v=19$m=1024,p=1$c2FsdHNhbHQxMg$4nKTEpNvTDwsZlRxeWc4U1tryegeV6xInHLR4yPmr4E', /'t'/],
    ['argon2 salt too short', '$argon2id$v=19$m=1024,t=2,p=1$c2FsdA$4nKTEpNvTDwsZlRxeWc4U1tryegeV6xInHLR4yPmr4E', /8 bytes/],
    ['scrypt ln=0', '$scrypt$ln=0,r=8,p=1$AeB8b03JuRdCqDVGKIWw9g$/sZi05fG9qvFac20AL1o5NxrQH6lCl8vI5wb9RVwwbI', /ln/],
    ['scrypt missing hash', '$scrypt$ln=10,r=8,p=1$AeB8b03JuRdCqDVGKIWw9g', /layout/],
    ['pbkdf2 l does not match', '$pbkdf2-sha256$i=1000,l=64$Qag1JqTU+j/HmFOKMQYgxA$5YGF1WMGDwXk/BPp8VH0w7pHE0zJom15jL8Oyt+xG0o', /length/],
    ['pbkdf2 iterations 0', '$pbkdf2-sha256$i=0,l=32$Qag1JqTU+j/HmFOKMQYgxA$5YGF1WMGDwXk/BPp8VH0w7pHE0zJom15jL8Oyt+xG0o', /iterations/],
    ['Django pbkdf2 with a missing field', 'pbkdf2_sha256$1000$myL4jnBmDuMck6gaeDkxSQcam6dkwQ7a5TVQ5wSXNiI=', /Django/],
    ['LDAP {SSHA} shorter than a digest', '{SSHA}djp4trmkZRpYg2+ae/wnHn2r', /length/],
    ['LDAP {SHA} not base64', '{SHA}L55TUjtiq8FBorTWAZ0jy6g129A*', /base64/],
    ['Werkzeug hash not hex', 'scrypt:1024:8:1$vL6ROt0eLk5c8J1F$zz685680765795f493ca9a563790df3b', /hex/],
    ['Werkzeug scrypt N not a power of two', 'scrypt:1000:8:1$vL6ROt0eLk5c8J1F$d8685680765795f493ca9a563790df3b', /power of two/],
  ];
  for (const [name, input, mention] of malformedInputs) {
    it(`${name} → E_HASH_MALFORMED`, () => hashError(() => detectHash(input), 'E_HASH_MALFORMED', input, mention));
  }

  it('parsePhc reads only canonical strings', () => {
    const django = 'pbkdf2_sha256$1000$sK0s8HDHFDjn6QAQBPwV5g$myL4jnBmDuMck6gaeDkxSQcam6dkwQ7a5TVQ5wSXNiI=';
    hashError(() => parsePhc(django), 'E_HASH_UNSUPPORTED', django, /detectHash/);
    hashError(() => parsePhc('{SSHA}djp4trmkZRpYg2+ae/wnHn2rjp3AoF8D'), 'E_HASH_UNSUPPORTED', '{SSHA}djp4trmkZRpYg2+ae/wnHn2rjp3AoF8D');
    hashError(() => parsePhc(''), 'E_HASH_MALFORMED', '');
  });

  it('fromFirebaseScrypt and fromMd5 report bad input without echoing it', () => {
    const bad = { ...FIREBASE, signerKey: 'not base64 at all!!' };
    hashError(() => fromFirebaseScrypt(bad), 'E_HASH_MALFORMED', bad.signerKey, /signer key/);
    hashError(() => fromFirebaseScrypt({ ...FIREBASE, rounds: 0 }), 'E_HASH_MALFORMED', '', /rounds/);
    hashError(() => fromMd5('3cb4e732631f47e6eb961f34554b7c'), 'E_HASH_MALFORMED', '3cb4e732631f47e6eb961f34554b7c', /md5/);
  });

  it('verifyPassword rejects a PasswordHash whose algorithm does not match its string', async () => {
    const forged: PasswordHash = { algorithm: 'argon2id', phc: new Secret('$2y$05$pZxaXYBXJICMOtyIlGU0me/BlfMDgB94pPZCDHTWdw/MYAjRKC5ei'), params: {}, insecure: false };
    await assert.rejects(verifyPassword(forged, CH), (e: unknown) => e instanceof HashError && e.code === 'E_HASH_MALFORMED');
  });
});
