import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromPbkdf2, hashPassword, parsePhc, type PasswordHash } from '../../model/password/index.js';
import type { HashAlgorithm } from '../../model/password/types.js';
import { checkKratosHash, toKratosHash } from './hash-format.js';
import { compareKratosHash } from './sim/compare.js';

const FIREBASE = {
  signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  saltSeparator: 'Bw==',
  rounds: 8,
  memCost: 14,
};

// Published test vectors of Kratos's own comparator (ory/kratos hash/hasher_test.go): the
// simulator must read each format exactly as Kratos does, or a sign-in test proves nothing.
const KRATOS_VECTORS: [string, string][] = [
  ['test', '$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw'],
  ['test', '$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c'],
  ['test', '$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI'],
  ['test', '$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc'],
  ['test', '$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE='],
  [
    '8x4WjoDbSxJZdR',
    '$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw==',
  ],
  ['test123', '{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a'],
  ['test123', '{SSHA256}czO44OTV17PcF1cRxWrLZLy9xHd7CWyVYplr1rOhuMlx/7IK'],
  ['test123', '{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M='],
  ['test', '$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ='],
  ['test', '$sha1$pf=e1BBU1NXT1JEfSUle1NBTFR9$NW9wbWtnejAzcg==$YX0AW8/MW5ojUlnzTaR43ucHCog='],
];

describe('Kratos hash formats', () => {
  it("reads Kratos's own test vectors as Kratos does (right password matches, wrong one does not)", async () => {
    for (const [password, hash] of KRATOS_VECTORS) {
      assert.equal(checkKratosHash(hash), undefined, hash.slice(0, 14));
      assert.equal(await compareKratosHash(password, hash), 'match', hash.slice(0, 14));
      assert.equal(await compareKratosHash(`${password}x`, hash), 'mismatch', hash.slice(0, 14));
    }
  });

  const cases: { label: string; make: (pw: string) => Promise<PasswordHash>; prefix: RegExp }[] = [
    { label: 'bcrypt', make: (pw) => hashPassword('bcrypt', pw), prefix: /^\$2b\$10\$/ },
    { label: 'argon2id', make: (pw) => hashPassword('argon2id', pw), prefix: /^\$argon2id\$v=19\$/ },
    { label: 'argon2i', make: (pw) => hashPassword('argon2i', pw), prefix: /^\$argon2i\$v=19\$/ },
    ...(['pbkdf2-sha1', 'pbkdf2-sha256', 'pbkdf2-sha512'] as HashAlgorithm[]).map((a) => ({ label: a, make: (pw: string) => hashPassword(a, pw), prefix: new RegExp(`^\\$${a}\\$i=27500,l=`) })),
    { label: 'scrypt (ln holds N)', make: (pw) => hashPassword('scrypt', pw), prefix: /^\$scrypt\$ln=16384,r=8,p=1\$/ },
    { label: 'firebase-scrypt', make: (pw) => hashPassword('firebase-scrypt', pw, FIREBASE), prefix: /^\$firescrypt\$ln=14,r=8,p=1\$/ },
    { label: 'ssha1 (suffix)', make: (pw) => hashPassword('ssha1', pw), prefix: /^\{SSHA\}/ },
    { label: 'ssha256 (suffix)', make: (pw) => hashPassword('ssha256', pw), prefix: /^\{SSHA256\}/ },
    { label: 'ssha512 (suffix)', make: (pw) => hashPassword('ssha512', pw), prefix: /^\{SSHA512\}/ },
    { label: 'sha256 salt first', make: (pw) => hashPassword('ssha256', pw, { saltPosition: 'prefix' }), prefix: /^\$sha256\$pf=e1NBTFR9e1BBU1NXT1JEfQ==\$/ },
    { label: 'sha1 unsalted', make: (pw) => hashPassword('ssha1', pw, { saltLength: 0 }), prefix: /^\$sha1\$pf=/ },
    { label: 'md5 unsalted', make: (pw) => hashPassword('md5', pw), prefix: /^\$md5\$[^$]+$/ },
    { label: 'md5 salted', make: (pw) => hashPassword('md5', pw, { saltLength: 6 }), prefix: /^\$md5\$pf=/ },
  ];
  for (const c of cases) {
    it(`${c.label}: converts to the form Kratos verifies, and that form verifies the original password`, async () => {
      const h = await c.make('correct horse battery');
      const k = toKratosHash(h);
      assert.ok(k.ok, k.ok ? '' : k.reason);
      assert.match(k.hash, c.prefix);
      assert.equal(await compareKratosHash('correct horse battery', k.hash), 'match');
      assert.equal(await compareKratosHash('correct horse batterY', k.hash), 'mismatch');
    });
  }

  it('argon2d, and parameters beyond the bounds Kratos enforces, are refused locally (they would sink the whole batch)', async () => {
    assert.equal(toKratosHash(await hashPassword('argon2d', 'pw')).ok, false);
    assert.equal(toKratosHash(parsePhc('$scrypt$ln=18,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA')).ok, false);
    assert.equal(toKratosHash(fromPbkdf2({ digest: 'sha256', iterations: 10_000_001, salt: Buffer.from('salt'), hash: Buffer.alloc(32, 1) })).ok, false);
    assert.equal(toKratosHash(fromPbkdf2({ digest: 'sha256', iterations: 10_000_000, salt: Buffer.from('salt'), hash: Buffer.alloc(32, 1) })).ok, true);
    assert.match(checkKratosHash(`$2b$16$${'a'.repeat(53)}`) ?? '', /bounds/);
    assert.match(checkKratosHash('$argon2id$v=19$m=65536,t=11,p=1$c2FsdHNhbHQ$aGFzaA') ?? '', /bounds/);
    assert.match(checkKratosHash('$unknown$x') ?? '', /does not match any known hash format/);
    assert.match(checkKratosHash('$scrypt$ln=16384,r=8,p=1$bad!$x') ?? '', /could not be parsed/);
    // Kratos decodes scrypt's fields with padded base64: an unpadded salt is refused.
    assert.match(checkKratosHash('$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=') ?? '', /could not be parsed/);
  });
});
