// WorkOS's firebase-scrypt string (moved here from the model's password tests with the code it tests).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectHash, fromFirebaseScrypt, HashError, parsePhc, verifyPassword, type PasswordHash } from '../../model/password/index.js';
import { FIREBASE_SAMPLE as FIREBASE, FIREBASE_SAMPLE_PASSWORD } from '../../../test/helpers/vectors.js';
import { parseWorkosFirebaseScrypt, toWorkosFirebaseScrypt } from './firebase-scrypt-form.js';
import { decodeWorkosHash } from './hash-types.js';

const WORKOS_FORM =
  `$firebase-scrypt$hash=${FIREBASE.hash}$salt=${FIREBASE.salt}$sk=${FIREBASE.signerKey}$ss=${FIREBASE.saltSeparator}$r=8$m=14`;

function sameHash(a: PasswordHash, b: PasswordHash): void {
  assert.equal(a.algorithm, b.algorithm);
  assert.equal(a.phc.reveal(), b.phc.reveal());
  assert.deepEqual(a.params, b.params);
  assert.equal(a.insecure, b.insecure);
}

function assertNoLeak(text: string, input: string): void {
  for (const token of input.split(/[${},:=]+/)) {
    if (token.length >= 8 && !/^[a-z0-9_-]+$/.test(token)) assert.ok(!text.includes(token), `leaked a part of the input: ${text}`);
  }
}

function hashError(fn: () => unknown, input: string, mention?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof HashError, `expected a HashError, got ${String(caught)}`);
  assert.equal(caught.code, 'E_HASH_MALFORMED', caught.message);
  assertNoLeak(caught.message, input);
  if (mention) assert.match(caught.message, mention);
}

describe('WorkOS firebase-scrypt string', () => {
  it('writes the WorkOS form with padded standard base64 and reads it back', () => {
    const h = fromFirebaseScrypt(FIREBASE);
    assert.equal(toWorkosFirebaseScrypt(h), WORKOS_FORM);
    sameHash(parseWorkosFirebaseScrypt(WORKOS_FORM), h);
    assert.equal(toWorkosFirebaseScrypt(parseWorkosFirebaseScrypt(WORKOS_FORM)), WORKOS_FORM);
  });

  it('reads as firebase-scrypt, round-trips through the canonical string and verifies', async () => {
    const h = decodeWorkosHash('firebase-scrypt', WORKOS_FORM);
    assert.equal(h.algorithm, 'firebase-scrypt');
    sameHash(parsePhc(h.phc.reveal()), h);
    assert.equal(await verifyPassword(h, FIREBASE_SAMPLE_PASSWORD), true);
    assert.equal(await verifyPassword(h, `${FIREBASE_SAMPLE_PASSWORD}x`), false);
  });

  it('refuses to write a WorkOS firebase form for another algorithm', () => {
    hashError(() => toWorkosFirebaseScrypt(detectHash('3cb4e732631f47e6eb961f34554b7cde')), '');
  });

  const malformedInputs: [string, string, RegExp][] = [
    // The WorkOS importer's own unit-test string is synthetic: its "hash" is not a signer key's length.
    ['firebase hash not the signer key length', '$firebase-scrypt$hash=aGFzaA==$salt=c2FsdA==$sk=a2V5$ss=c2Vw$r=8$m=14', /signer key/],
    ['firebase WorkOS form with a missing field', `$firebase-scrypt$hash=${FIREBASE.hash}$salt=${FIREBASE.salt}$sk=${FIREBASE.signerKey}$r=8$m=14`, /six fields/],
  ];
  for (const [name, input, mention] of malformedInputs) {
    it(`${name} → E_HASH_MALFORMED`, () => hashError(() => parseWorkosFirebaseScrypt(input), input, mention));
  }
});
