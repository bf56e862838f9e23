// hashPassword, describeHash and redaction: every algorithm hashes, verifies and describes itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  describeHash,
  HASH_ALGORITHMS,
  HashError,
  hashParts,
  hashPassword,
  parsePhc,
  verifyPassword,
  type HashAlgorithm,
} from '../../src/model/password/index.js';

const FIREBASE_CONFIG = {
  signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  saltSeparator: 'Bw==',
  rounds: 8,
  memCost: 14,
};
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('hashPassword with defaults', () => {
  const expected: Record<HashAlgorithm, { params: Record<string, string | number>; describe: string; insecure: boolean }> = {
    bcrypt: { params: { variant: '2b', cost: 10 }, describe: 'bcrypt (cost 10)', insecure: false },
    argon2id: { params: { version: 19, memoryCost: 19456, timeCost: 2, parallelism: 1, keyLength: 32 }, describe: 'argon2id (m=19456, t=2, p=1)', insecure: false },
    argon2i: { params: { version: 19, memoryCost: 19456, timeCost: 2, parallelism: 1, keyLength: 32 }, describe: 'argon2i (m=19456, t=2, p=1)', insecure: false },
    argon2d: { params: { version: 19, memoryCost: 19456, timeCost: 2, parallelism: 1, keyLength: 32 }, describe: 'argon2d (m=19456, t=2, p=1)', insecure: false },
    scrypt: { params: { logN: 14, blockSize: 8, parallelization: 1, keyLength: 32 }, describe: 'scrypt (ln=14, r=8, p=1)', insecure: false },
    'firebase-scrypt': { params: { rounds: 8, memCost: 14 }, describe: 'firebase-scrypt (rounds 8, mem_cost 14)', insecure: false },
    'pbkdf2-sha1': { params: { digest: 'sha1', iterations: 27500, keyLength: 20 }, describe: 'pbkdf2-sha1 (27500 iterations)', insecure: false },
    'pbkdf2-sha256': { params: { digest: 'sha256', iterations: 27500, keyLength: 32 }, describe: 'pbkdf2-sha256 (27500 iterations)', insecure: false },
    'pbkdf2-sha512': { params: { digest: 'sha512', iterations: 27500, keyLength: 64 }, describe: 'pbkdf2-sha512 (27500 iterations)', insecure: false },
    ssha1: { params: { digest: 'sha1', saltPosition: 'suffix', saltLength: 8 }, describe: 'ssha1 (8-byte salt; insecure)', insecure: true },
    ssha256: { params: { digest: 'sha256', saltPosition: 'suffix', saltLength: 8 }, describe: 'ssha256 (8-byte salt)', insecure: false },
    ssha512: { params: { digest: 'sha512', saltPosition: 'suffix', saltLength: 8 }, describe: 'ssha512 (8-byte salt)', insecure: false },
    md5: { params: { digest: 'md5', saltPosition: 'suffix', saltLength: 0 }, describe: 'md5 (unsalted; insecure)', insecure: true },
  };
  for (const algorithm of HASH_ALGORITHMS) {
    it(`${algorithm}: hash → verify, canonical round trip, no secret in JSON`, async () => {
      const params = algorithm === 'firebase-scrypt' ? FIREBASE_CONFIG : {};
      const password = 'pässwörd 🔑';
      const h = await hashPassword(algorithm, password, params);
      assert.equal(h.algorithm, algorithm);
      assert.deepEqual(h.params, expected[algorithm].params);
      assert.equal(h.insecure, expected[algorithm].insecure);
      assert.equal(describeHash(h), expected[algorithm].describe);
      assert.equal(await verifyPassword(h, password), true);
      assert.equal(await verifyPassword(h, 'passwörd 🔑'), false);
      const again = parsePhc(h.phc.reveal());
      assert.equal(again.phc.reveal(), h.phc.reveal());
      assert.deepEqual(again.params, h.params);
      const parts = hashParts(h);
      const serialised = [JSON.stringify(h), inspect(h, { depth: 5 }), `${h.phc}`];
      for (const text of serialised) {
        assert.ok(!text.includes(h.phc.reveal()), 'canonical string leaked');
        for (const bytes of [parts.hash, parts.salt].filter((b) => b.length >= 6)) {
          assert.ok(!text.includes(bytes.toString('base64').replace(/=+$/, '').slice(0, 8)), 'hash bytes leaked');
          assert.ok(!text.includes(bytes.toString('hex').slice(0, 12)), 'hash bytes leaked');
        }
      }
      if (algorithm !== 'md5') {
        // Fresh random salt each time.
        const other = await hashPassword(algorithm, password, params);
        assert.notEqual(other.phc.reveal(), h.phc.reveal());
      }
    });
  }
});

describe('hashPassword with explicit parameters', () => {
  it('reproduces RFC 7914 scrypt with a fixed salt', async () => {
    const h = await hashPassword('scrypt', 'password', { salt: b64('NaCl'), ln: 10, r: 8, p: 16, keyLength: 64 });
    assert.equal(
      hashParts(h).hash.toString('hex'),
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
    );
    assert.equal((await hashPassword('scrypt', 'password', { salt: b64('NaCl'), N: 1024, blockSize: 8, parallelization: 16, keyLength: 64 })).phc.reveal(), h.phc.reveal());
  });

  it('reproduces the firebase/scrypt README hash with its salt', async () => {
    const h = await hashPassword('firebase-scrypt', 'user1password', { ...FIREBASE_CONFIG, salt: '42xEC+ixf3L2lw==' });
    assert.equal(
      hashParts(h).hash.toString('base64'),
      'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
    );
  });

  it('reproduces RFC 6070 PBKDF2-SHA1 and sets l from the key length', async () => {
    const h = await hashPassword('pbkdf2-sha1', 'password', { salt: b64('salt'), iterations: 4096 });
    assert.equal(hashParts(h).hash.toString('hex'), '4b007901b765489abead49d926f721d065a429c1');
    assert.match(h.phc.reveal(), /^\$pbkdf2-sha1\$i=4096,l=20\$c2FsdA\$/);
  });

  it('reproduces the argon2 reference README example with its salt', async () => {
    const h = await hashPassword('argon2i', 'password', { salt: b64('somesalt'), m: 65536, t: 2, p: 4, keyLength: 24 });
    assert.equal(h.phc.reveal(), '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG');
  });

  it('honours low costs for fast fixtures', async () => {
    const b = await hashPassword('bcrypt', 'pw', { cost: 4 });
    assert.match(b.phc.reveal(), /^\$2b\$04\$/);
    const a = await hashPassword('argon2id', 'pw', { memoryCost: 64, timeCost: 1 });
    assert.equal(describeHash(a), 'argon2id (m=64, t=1, p=1)');
    const s = await hashPassword('ssha512', 'pw', { saltLength: 16, saltPosition: 'prefix' });
    assert.equal(describeHash(s), 'ssha512 (16-byte salt first)');
    assert.equal(await verifyPassword(s, 'pw'), true);
    const m = await hashPassword('md5', 'pw', { saltLength: 4 });
    assert.equal(describeHash(m), 'md5 (4-byte salt; insecure)');
    assert.equal(await verifyPassword(m, 'pw'), true);
  });

  it('rejects bad options with E_HASH_MALFORMED', async () => {
    const bad: [HashAlgorithm, Record<string, string | number>, RegExp][] = [
      ['bcrypt', { cost: 3 }, /cost/],
      ['bcrypt', { costt: 10 }, /unknown option 'costt'/],
      ['argon2id', { memoryCost: 4 }, /memoryCost/],
      ['scrypt', { N: 1000 }, /power of two/],
      ['firebase-scrypt', { rounds: 8, memCost: 14 }, /signerKey/],
      ['ssha256', { saltPosition: 'middle' }, /saltPosition/],
    ];
    for (const [algorithm, params, message] of bad) {
      await assert.rejects(hashPassword(algorithm, 'pw', params), (e: unknown) => {
        assert.ok(e instanceof HashError);
        assert.equal(e.code, 'E_HASH_MALFORMED');
        assert.match(e.message, message);
        return true;
      });
    }
  });
});
