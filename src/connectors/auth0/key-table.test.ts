import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeKey, encodeKey, KeyTable } from './key-table.js';
import { decodeHash, encodeHash, PasswordIndex } from './password-index.js';

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomBcrypt(): string {
  const bytes = randomBytes(53);
  let body = '';
  for (const b of bytes) body += BCRYPT_ALPHABET[b % 64];
  return `$2${'abxy'[bytes[0]! % 4]}$${String(4 + (bytes[1]! % 28)).padStart(2, '0')}$${body}`;
}

describe('auth0 KeyTable', () => {
  it('round-trips keys, packing trailing ObjectIds to 12 bytes', () => {
    for (const key of ['5dea9f9c82dd7c0e76e4ec93', 'auth0|5dea9f9c82dd7c0e76e4ec93', 'euclid', 'legacy-42', 'ünïcødé|x', '5DEA9F9C82DD7C0E76E4EC93', 'abc5dea9f9c82dd7c0e76e4ec93', '']) {
      assert.equal(decodeKey(encodeKey(key)), key, key);
    }
    assert.equal(encodeKey('5dea9f9c82dd7c0e76e4ec93').length, 13);
    assert.equal(encodeKey('auth0|5dea9f9c82dd7c0e76e4ec93').length, 19);
  });

  it('finds exactly what was added, across growth, and keeps the first of two equal keys', () => {
    const table = new KeyTable();
    const keys: string[] = [];
    for (let i = 0; i < 50_000; i++) keys.push(i % 3 === 0 ? `auth0|${randomBytes(12).toString('hex')}` : `key-${i}-${randomBytes(3).toString('hex')}`);
    keys.forEach((k, i) => assert.equal(table.add(k, Buffer.from([i & 0xff]), i + 1), undefined));
    assert.equal(table.size, keys.length);
    for (let i = 0; i < keys.length; i += 997) {
      const ord = table.find(keys[i]!);
      assert.ok(ord !== undefined);
      assert.equal(table.line(ord), i + 1);
      assert.deepEqual([...table.value(ord)], [i & 0xff]);
      assert.equal(table.key(ord), keys[i]);
    }
    assert.equal(table.find('not-there'), undefined);
    assert.equal(table.find(`${keys[0]}x`), undefined);
    const again = table.add(keys[10]!, undefined, 999_999);
    assert.equal(again !== undefined && table.line(again), 11);
  });

  it('lists unmatched entries in insertion order', () => {
    const table = new KeyTable();
    for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) table.add(k, undefined, i + 1);
    assert.equal(table.markMatched(table.find('b')!, 7), undefined);
    assert.equal(table.markMatched(table.find('b')!, 9), 7);
    table.markMatched(table.find('d')!);
    assert.deepEqual([...table.unmatched()].map((o) => table.key(o)), ['a', 'c']);
  });
});

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
