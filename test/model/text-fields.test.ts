import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nonBlank } from '../../src/model/build.js';
import { looksLikeEmail, normalizeEmail } from '../../src/model/email.js';

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

  it('compares an internationalised domain in its IDNA ASCII form: one mailbox, one duplicate group', () => {
    assert.equal(normalizeEmail('Ada@Bücher.example'), 'ada@xn--bcher-kva.example');
    assert.equal(normalizeEmail('ada@xn--bcher-kva.example'), 'ada@xn--bcher-kva.example');
    assert.equal(normalizeEmail('ada@BÜCHER.example'), normalizeEmail('ADA@xn--BCHER-kva.example'));
    assert.equal(normalizeEmail('jürgen@example.com'), 'jürgen@example.com', 'the local part is kept');
  });
});

describe('nonBlank', () => {
  it('keeps any string with a visible character as it is, and nothing else', () => {
    for (const v of ['a', ' a ', '\u00a0x', '\u3000x', 'é', '\ufeffx', '0']) assert.equal(nonBlank(v), v, JSON.stringify(v));
    for (const v of ['', ' ', '\t\n', '\u00a0', '\u3000\u2028', '\ufeff', undefined, null, 3, {}]) assert.equal(nonBlank(v), undefined, JSON.stringify(v));
  });
});

describe('looksLikeEmail', () => {
  it('one @ with something either side and no whitespace; plain ASCII takes a short cut to the same answer', () => {
    const full = (a: string) => /^[^\s@]+@[^\s@]+$/.test(a.trim());
    const yes = ['a@b', 'ada@example.com', ' ada@example.com ', 'é@example.com', 'x.y+z@sub.example.co'];
    const no = ['', '@', 'a@', '@b', 'a@b@c', 'ada', 'a b@c', 'a@b c', 'a@@b', '\u00a0@b', 'é@'];
    for (const a of yes) assert.equal(looksLikeEmail(a), true, JSON.stringify(a));
    for (const a of no) assert.equal(looksLikeEmail(a), false, JSON.stringify(a));
    // Every string of up to three characters over an alphabet that holds each case.
    const alphabet = ['a', '@', ' ', '.', 'é', '\t'];
    const all = [''];
    for (let n = 0; n < 3; n++) for (const s of all.splice(0)) for (const c of alphabet) all.push(s, s + c);
    for (const a of new Set(all)) assert.equal(looksLikeEmail(a), full(a), JSON.stringify(a));
  });
});
