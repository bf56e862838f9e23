import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeHash, encodeHash, PasswordIndex } from './password-index.js';

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomBcrypt(): string {
  const bytes = randomBytes(53);
  let body = '';
  for (const b of bytes) body += BCRYPT_ALPHABET[b % 64];
  return `$2${'abxy'[bytes[0]! % 4]}$${String(4 + (bytes[1]! % 28)).padStart(2, '0')}$${body}`;
}

describe('auth0 PasswordIndex', () => {
  it('packs bcrypt strings losslessly (44 bytes for 60 characters)', () => {
    for (let i = 0; i < 2000; i++) {
      const h = randomBcrypt();
      const packed = encodeHash(h);
      assert.equal(packed.length, 44);
      assert.equal(decodeHash(packed), h);
    }
    for (const other of ['$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', '{SSHA}abc=', 'plain', '$2b$10$tooshort']) {
      assert.equal(decodeHash(encodeHash(other)), other);
    }
  });

  it('takes a record once, remembers lines, and lists the ones nobody took', () => {
    const index = new PasswordIndex();
    const h1 = randomBcrypt();
    assert.equal(index.add('5dea9f9c82dd7c0e76e4ec93', h1, 1), undefined);
    assert.equal(index.add('euclid', undefined, 2), undefined);
    assert.equal(index.add('60425da93519d90068f82966', randomBcrypt(), 3), undefined);
    assert.equal(index.add('5dea9f9c82dd7c0e76e4ec93', randomBcrypt(), 4), 1, 'a duplicate key names the first line');
    assert.deepEqual(index.take('5dea9f9c82dd7c0e76e4ec93', 10), { hash: h1, line: 1, takenAt: undefined });
    assert.deepEqual(index.take('5dea9f9c82dd7c0e76e4ec93', 20), { hash: h1, line: 1, takenAt: 10 });
    assert.deepEqual(index.take('euclid'), { hash: undefined, line: 2, takenAt: undefined });
    assert.equal(index.take('nobody'), undefined);
    assert.deepEqual([...index.unmatched()], [{ key: '60425da93519d90068f82966', line: 3 }]);
  });
});
