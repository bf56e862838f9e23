import assert from 'node:assert/strict';
import { createHash, pbkdf2Sync, scryptSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { hashPassword, verifyPassword } from '../../model/password/index.js';
import { CLERK_PASSWORD_HASHERS, clerkPassword } from './hashers.js';

const PASSWORD = 'correct horse battery';

async function expectImports(hasher: string, digest: string, algorithm: string): Promise<void> {
  const r = clerkPassword(hasher, digest);
  assert.equal(r.problem, undefined, `${hasher}: ${r.problem?.message}`);
  assert.equal(r.plan, 'import');
  assert.equal(r.password?.algorithm, algorithm);
  assert.equal(await verifyPassword(r.password!, PASSWORD), true, `${hasher}: the right password verifies`);
  assert.equal(await verifyPassword(r.password!, `${PASSWORD}!`), false, `${hasher}: a wrong password does not`);
}

describe('clerk password_hasher mapping', () => {
  it('bcrypt, as Clerk exports it ($2a$ and $2b$)', async () => {
    const b = await bcryptHash(PASSWORD, 4);
    await expectImports('bcrypt', b, 'bcrypt');
    await expectImports('bcrypt', b.replace(/^\$2b\$/, '$2a$'), 'bcrypt');
    // Clerk writes no hasher on some rows: a self-describing digest still imports.
    await expectImports('', b, 'bcrypt');
  });

  it('argon2id and argon2i PHC strings', async () => {
    const id = await hashPassword('argon2id', PASSWORD, { m: 1024, t: 1, p: 1 });
    await expectImports('argon2id', id.phc.reveal(), 'argon2id');
    const i = await hashPassword('argon2i', PASSWORD, { m: 1024, t: 1, p: 1 });
    await expectImports('argon2i', i.phc.reveal(), 'argon2i');
    // The hasher must name what the digest is.
    const wrong = clerkPassword('argon2i', id.phc.reveal());
    assert.equal(wrong.plan, 'jit');
    assert.equal(wrong.problem?.code, 'E_HASH_MALFORMED');
  });

  it('pbkdf2_sha256: salt and hash base64', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const hash = pbkdf2Sync(PASSWORD, salt, 1000, 32, 'sha256');
    await expectImports('pbkdf2_sha256', `pbkdf2_sha256$1000$${salt.toString('base64')}$${hash.toString('base64')}`, 'pbkdf2-sha256');
  });

  it('pbkdf2_sha256_django: Django layout, salt as text', async () => {
    const hash = pbkdf2Sync(PASSWORD, 'djangosalt', 1200, 32, 'sha256');
    await expectImports('pbkdf2_sha256_django', `pbkdf2_sha256$1200$djangosalt$${hash.toString('base64')}`, 'pbkdf2-sha256');
  });

  it('pbkdf2_sha1: hex hash, salt hex when it is hex, raw otherwise, optional key length', async () => {
    const hexSalt = 'a1b2c3d4e5f60718';
    const h1 = pbkdf2Sync(PASSWORD, Buffer.from(hexSalt, 'hex'), 500, 32, 'sha1');
    await expectImports('pbkdf2_sha1', `pbkdf2_sha1$500$${hexSalt}$${h1.toString('hex')}`, 'pbkdf2-sha1');
    await expectImports('pbkdf2_sha1', `pbkdf2_sha1$500$${hexSalt}$${h1.toString('hex')}$32`, 'pbkdf2-sha1');
    const h2 = pbkdf2Sync(PASSWORD, 'not-hex-salt', 500, 20, 'sha1');
    await expectImports('pbkdf2_sha1', `pbkdf2_sha1$500$not-hex-salt$${h2.toString('hex')}`, 'pbkdf2-sha1');
    assert.equal(clerkPassword('pbkdf2_sha1', `pbkdf2_sha1$500$${hexSalt}$${h1.toString('hex')}$20`).problem?.code, 'E_HASH_MALFORMED');
  });

  it('pbkdf2_sha512 (salt as text, hash hex) and pbkdf2_sha512_hex (both hex)', async () => {
    const h = pbkdf2Sync(PASSWORD, 'plainsalt', 300, 64, 'sha512');
    await expectImports('pbkdf2_sha512', `pbkdf2_sha512$300$plainsalt$${h.toString('hex')}`, 'pbkdf2-sha512');
    const salt = Buffer.from('00ff10ee20dd', 'hex');
    const hx = pbkdf2Sync(PASSWORD, salt, 300, 64, 'sha512');
    await expectImports('pbkdf2_sha512_hex', `pbkdf2_sha512_hex$300$${salt.toString('hex')}$${hx.toString('hex')}`, 'pbkdf2-sha512');
  });

  it("scrypt_firebase: hash$salt$signer key$salt separator$rounds$memory cost (Firebase's published vector)", async () => {
    // github.com/firebase/scrypt README: password "user1password".
    const digest = [
      'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
      '42xEC+ixf3L2lw==',
      'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
      'Bw==',
      '8',
      '14',
    ].join('$');
    const r = clerkPassword('scrypt_firebase', digest);
    assert.equal(r.plan, 'import', r.problem?.message);
    assert.equal(r.password?.algorithm, 'firebase-scrypt');
    assert.equal(await verifyPassword(r.password!, 'user1password'), true);
    assert.equal(await verifyPassword(r.password!, 'user2password'), false);
    assert.equal(clerkPassword('scrypt_firebase', 'only$four$parts$here').problem?.code, 'E_HASH_MALFORMED');
  });

  it('scrypt_werkzeug: scrypt:N:r:p$salt$hexhash, with or without a leading $', async () => {
    const hash = scryptSync(PASSWORD, 'wzsalt', 64, { N: 1024, r: 8, p: 1 });
    await expectImports('scrypt_werkzeug', `scrypt:1024:8:1$wzsalt$${hash.toString('hex')}`, 'scrypt');
    await expectImports('scrypt_werkzeug', `$scrypt:1024:8:1$wzsalt$${hash.toString('hex')}`, 'scrypt');
  });

  it('sha256 (bare hex) and md5 (bare hex) import and are flagged insecure', async () => {
    const sha = createHash('sha256').update(PASSWORD).digest('hex');
    await expectImports('sha256', sha, 'ssha256');
    assert.equal(clerkPassword('sha256', sha).password?.insecure, true);
    const md5 = createHash('md5').update(PASSWORD).digest('hex');
    await expectImports('md5', md5, 'md5');
    assert.equal(clerkPassword('md5', md5).password?.insecure, true);
    assert.equal(clerkPassword('sha256', 'abc123').problem?.code, 'E_HASH_MALFORMED');
  });

  it('ldap_ssha: {SSHA}base64(sha1(password+salt)+salt)', async () => {
    const salt = Buffer.from('s4lty!');
    const digest = createHash('sha1').update(PASSWORD).update(salt).digest();
    await expectImports('ldap_ssha', `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`, 'ssha1');
  });

  it('every documented hasher flagless cannot verify is E_HASH_UNSUPPORTED with plan jit', () => {
    const unsupported = ['awscognito', 'bcrypt_peppered', 'bcrypt_sha256_django', 'hmac_sha256_utf16_b64', 'md5_phpass', 'phpass', 'md5_salted', 'sha256_salted', 'sha512_symfony'];
    for (const h of unsupported) assert.ok((CLERK_PASSWORD_HASHERS as readonly string[]).includes(h), `${h} is a documented hasher`);
    for (const h of unsupported) {
      const r = clerkPassword(h, 'SECRET-DIGEST-VALUE$abc');
      assert.equal(r.plan, 'jit', h);
      assert.equal(r.password, undefined, h);
      assert.equal(r.problem?.code, 'E_HASH_UNSUPPORTED', h);
      assert.ok(r.problem!.message.includes(h), `${h}: the message names the hasher`);
      assert.ok(!r.problem!.message.includes('SECRET-DIGEST-VALUE'), `${h}: the message never carries the digest`);
    }
    const unknown = clerkPassword('rot13', 'SECRET-DIGEST-VALUE');
    assert.equal(unknown.problem?.code, 'E_HASH_UNSUPPORTED');
    assert.ok(!unknown.problem!.message.includes('SECRET-DIGEST-VALUE'));
  });

  it('covers every hasher Clerk documents: each one imports, or says why not', () => {
    for (const h of CLERK_PASSWORD_HASHERS) {
      const r = clerkPassword(h, 'x');
      assert.ok(r.plan === 'import' || r.problem, `${h} gives a hash or a problem`);
    }
  });

  it('a malformed digest is E_HASH_MALFORMED, plan jit, and never echoed', () => {
    const r = clerkPassword('bcrypt', '$2b$10$tooShortSECRETPART');
    assert.equal(r.plan, 'jit');
    assert.equal(r.problem?.code, 'E_HASH_MALFORMED');
    assert.ok(!r.problem!.message.includes('SECRETPART'));
  });

  it('no digest is no password, whatever the hasher column says', () => {
    assert.deepEqual(clerkPassword('bcrypt', ''), { plan: 'none' });
    assert.deepEqual(clerkPassword('', '  '), { plan: 'none' });
    assert.deepEqual(clerkPassword(undefined, undefined), { plan: 'none' });
  });
});
