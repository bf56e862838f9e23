import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonTextNestsDeeperThan, MAX_METADATA_DEPTH, nestsDeeperThan } from '../../src/model/build.js';

/** The definition, written plainly: the number of object/array levels on the deepest path. */
function depthOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  let deepest = 0;
  for (const c of Array.isArray(v) ? v : Object.values(v)) deepest = Math.max(deepest, depthOf(c));
  return deepest + 1;
}

function nested(levels: number, leaf: unknown = 1): unknown {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

describe('nestsDeeperThan', () => {
  it('agrees with the plain definition on random shapes, at and around the limit', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const build = (left: number): unknown => {
      const r = rnd();
      if (left === 0 || r < 0.2) return r < 0.1 ? null : 'x';
      const n = 1 + Math.floor(rnd() * 3);
      if (r < 0.6) return Array.from({ length: n }, () => build(left - 1));
      return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, build(left - 1)]));
    };
    for (let i = 0; i < 2000; i++) {
      const v = build(1 + Math.floor(rnd() * 9));
      const d = depthOf(v);
      for (const max of [0, 1, d - 1, d, d + 1].filter((m) => m >= 0)) {
        assert.equal(nestsDeeperThan(v, max), d > max, `depth ${d}, max ${max}: ${JSON.stringify(v)}`);
      }
    }
  });

  it('scalars and null nest 0 levels; {} and [] nest 1', () => {
    for (const v of [null, 1, 'a', true, undefined]) assert.equal(nestsDeeperThan(v, 0), false);
    assert.equal(nestsDeeperThan({}, 0), true);
    assert.equal(nestsDeeperThan([], 1), false);
  });

  it('stops at the limit whatever the real depth (no stack overflow at 200,000 levels)', () => {
    const deep = nested(200_000);
    assert.equal(nestsDeeperThan(deep, MAX_METADATA_DEPTH + 1), true);
    assert.equal(nestsDeeperThan(nested(MAX_METADATA_DEPTH + 1), MAX_METADATA_DEPTH + 1), false);
    assert.equal(nestsDeeperThan(nested(MAX_METADATA_DEPTH + 2), MAX_METADATA_DEPTH + 1), true);
  });

  it('ignores inherited properties', () => {
    const proto = { deep: nested(10) };
    const v = Object.create(proto) as Record<string, unknown>;
    v.own = 1;
    assert.equal(nestsDeeperThan(v, 1), false);
  });
});

describe('jsonTextNestsDeeperThan', () => {
  it('agrees with the parsed value\'s depth, brackets inside strings and escapes included', () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const strings = ['plain', '{[{[', '\\\\"]}', 'a\\"{b', ']]]}}}'];
    const build = (left: number): unknown => {
      const r = rnd();
      if (left === 0 || r < 0.25) return strings[Math.floor(rnd() * strings.length)];
      const n = 1 + Math.floor(rnd() * 3);
      if (r < 0.6) return Array.from({ length: n }, () => build(left - 1));
      return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}${strings[i % strings.length]}`, build(left - 1)]));
    };
    for (let i = 0; i < 2000; i++) {
      const v = build(1 + Math.floor(rnd() * 9));
      const text = JSON.stringify(v);
      const d = depthOf(v);
      for (const max of [0, 1, d - 1, d, d + 1].filter((m) => m >= 0)) {
        assert.equal(jsonTextNestsDeeperThan(text, max), d > max, `depth ${d}, max ${max}: ${text}`);
      }
    }
  });

  it('many brackets inside strings alone are not nesting', () => {
    assert.equal(jsonTextNestsDeeperThan(JSON.stringify({ a: '{'.repeat(500) + '['.repeat(500) }), 64), false);
    assert.equal(jsonTextNestsDeeperThan('['.repeat(65) + ']'.repeat(65), 64), true);
    assert.equal(jsonTextNestsDeeperThan('['.repeat(64) + ']'.repeat(64), 64), false);
  });
});
