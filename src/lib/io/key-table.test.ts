import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeKey, encodeKey, KeyTable } from './key-table.js';

describe('KeyTable', () => {
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
