import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nonBlank } from '../../src/model/build.js';
import { normalizeEmail } from '../../src/model/email.js';

describe('normalizeEmail', () => {
  it('trims, composes (NFC) and case-folds; plain ASCII takes a short cut to the same result', () => {
    const cases: [string, string][] = [
      ['Ada@Example.COM', 'ada@example.com'],
      ['  ada@example.com\t', 'ada@example.com'],
      ['\u00a0ada@example.com\u3000', 'ada@example.com'],
      ['e\u0301@example.com', '\u00e9@example.com'], // decomposed é → composed
      ['\u00c9@Example.com', '\u00e9@example.com'],
      ['ａ@example.com', 'ａ@example.com'], // fullwidth letters are not folded to ASCII (NFC, not NFKC)
      ['', ''],
    ];
    for (const [input, expected] of cases) {
      assert.equal(normalizeEmail(input), expected, JSON.stringify(input));
      assert.equal(normalizeEmail(input), input.trim().normalize('NFC').toLowerCase());
    }
  });
});

describe('nonBlank', () => {
  it('keeps any string with a visible character as it is, and nothing else', () => {
    for (const v of ['a', ' a ', '\u00a0x', '\u3000x', 'é', '\ufeffx', '0']) assert.equal(nonBlank(v), v, JSON.stringify(v));
    for (const v of ['', ' ', '\t\n', '\u00a0', '\u3000\u2028', '\ufeff', undefined, null, 3, {}]) assert.equal(nonBlank(v), undefined, JSON.stringify(v));
  });
});
