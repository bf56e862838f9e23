// Cost ceilings: the cost bombs an export can hold are named, the defaults and common costs pass,
// and `--max-hash-cost` moves a ceiling.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_HASH_COST_CEILING,
  formatHashCostCeiling,
  hashCostExcess,
  hashPassword,
  ignoresPartOf,
  parseHashCostCeiling,
  parsePhc,
} from '../../src/model/password/index.js';

const SALT = Buffer.alloc(16, 7).toString('base64').replace(/=+$/, '');
const KEY = Buffer.alloc(32, 9).toString('base64').replace(/=+$/, '');

/** The four cost bombs of the hardening issue, as an export would carry them. */
const COST_BOMBS = {
  bcrypt31: '$2b$31$' + 'a'.repeat(53),
  argon2Time: `$argon2id$v=19$m=19456,t=4000000000,p=1$${SALT}$${KEY}`,
  pbkdf2Max: `$pbkdf2-sha256$i=2147483647,l=32$${SALT}$${KEY}`,
  argon2GiB: `$argon2id$v=19$m=1048576,t=1,p=1$${SALT}$${KEY}`,
} as const;

describe('hash cost ceilings', () => {
  it('names every cost bomb: bcrypt 31, argon2 t=4e9, PBKDF2 2^31-1, argon2 m=1 GiB', () => {
    const bcrypt = hashCostExcess(parsePhc(COST_BOMBS.bcrypt31));
    assert.match(bcrypt ?? '', /bcrypt cost 31 is above the ceiling 14 \(--max-hash-cost bcrypt=/);
    assert.match(hashCostExcess(parsePhc(COST_BOMBS.argon2Time)) ?? '', /argon2id work \(m·t, KiB\) .* above the ceiling 1048576/);
    assert.match(hashCostExcess(parsePhc(COST_BOMBS.pbkdf2Max)) ?? '', /pbkdf2-sha256 iterations 2147483647 is above the ceiling 2000000/);
    assert.match(hashCostExcess(parsePhc(COST_BOMBS.argon2GiB)) ?? '', /argon2id memory \(m, KiB\) 1048576 is above the ceiling 262144/);
    for (const text of Object.values(COST_BOMBS)) assert.ok(!(hashCostExcess(parsePhc(text)) ?? '').includes(text.slice(-20)), 'no hash bytes in the message');
  });

  it('lets defaults and common production costs through', async () => {
    for (const h of [
      await hashPassword('bcrypt', 'pw', { cost: 4 }),
      parsePhc('$2b$14$' + 'a'.repeat(53)),
      parsePhc(`$argon2id$v=19$m=262144,t=4,p=4$${SALT}$${KEY}`),
      parsePhc(`$argon2id$v=19$m=19456,t=2,p=1$${SALT}$${KEY}`),
      parsePhc(`$pbkdf2-sha1$i=1300000,l=32$${SALT}$${KEY}`),
      parsePhc(`$scrypt$ln=17,r=8,p=1$${SALT}$${KEY}`),
      await hashPassword('md5', 'pw'),
    ]) {
      assert.equal(hashCostExcess(h), undefined, h.algorithm);
    }
    assert.match(hashCostExcess(parsePhc(`$scrypt$ln=20,r=8,p=1$${SALT}$${KEY}`)) ?? '', /scrypt work .* 1024 is above the ceiling 256/);
  });

  it('--max-hash-cost moves one ceiling and keeps the others; bad text is refused with the accepted names', () => {
    const parsed = parseHashCostCeiling('bcrypt=31, pbkdf2=3000000000');
    assert.ok(parsed.ok);
    assert.equal(hashCostExcess(parsePhc(COST_BOMBS.bcrypt31), parsed.ceiling), undefined);
    assert.equal(hashCostExcess(parsePhc(COST_BOMBS.pbkdf2Max), parsed.ceiling), undefined);
    assert.ok(hashCostExcess(parsePhc(COST_BOMBS.argon2GiB), parsed.ceiling));
    assert.equal(formatHashCostCeiling(DEFAULT_HASH_COST_CEILING), 'bcrypt=14,argon2-m=262144,argon2=1048576,pbkdf2=2000000,scrypt=256');
    for (const bad of ['bcrypt', 'bcrypt=x', 'md5=3', 'bcrypt=0']) {
      const r = parseHashCostCeiling(bad);
      assert.equal(r.ok, false, bad);
    }
  });

  it('bcrypt ignores what follows the first 72 UTF-8 bytes; other algorithms read the whole password', () => {
    assert.equal(ignoresPartOf('bcrypt', 'x'.repeat(72)), false);
    assert.equal(ignoresPartOf('bcrypt', 'x'.repeat(73)), true);
    assert.equal(ignoresPartOf('bcrypt', 'é'.repeat(37)), true, '74 bytes in 37 characters');
    assert.equal(ignoresPartOf('argon2id', 'x'.repeat(500)), false);
  });
});
