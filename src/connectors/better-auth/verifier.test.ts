import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { hashPassword as betterAuthHash } from 'better-auth/crypto';
import { hashPassword } from '../../model/password/index.js';
import type { Target } from '../../protocol/target.js';
import { person, signIn, tempDir, WITH_HASH } from '../../../test/helpers/better-auth.js';
import { target as betterAuthTarget } from './index.js';
import { flaglessImport, flaglessPasswords, importedHash, isBetterAuthNativeHash } from './verifier.js';

describe('flagless/better-auth verifier', () => {
  const tmp = tempDir();
  const dbPath = path.join(tmp.dir, 'app.db');
  let target: Target;
  const logs: string[] = [];
  let failHashing = false;
  let sqlite: Database.Database;
  let appAuth: ReturnType<typeof makeApp>;

  // An application's own config: the two lines are the import and `flaglessImport()` below.
  function makeApp() {
    return betterAuth({
      database: sqlite,
      secret: 'an-application-secret-with-enough-entropy-1234567890',
      baseURL: 'http://127.0.0.1:3000',
      emailAndPassword: {
        enabled: true,
        password: {
          hash: async (pw: string) => {
            if (failHashing) throw new Error('hashing unavailable');
            return betterAuthHash(pw);
          },
        },
      },
      plugins: [flaglessImport()],
      telemetry: { enabled: false },
      logger: { level: 'debug', log: (level, message, ...args) => logs.push(`${level} ${message} ${JSON.stringify(args)}`) },
    });
  }

  before(async () => {
    target = await betterAuthTarget.open({ env: {}, db: dbPath });
    sqlite = new Database(dbPath);
    appAuth = makeApp();
  });
  after(async () => {
    await target.close();
    sqlite.close();
    tmp.remove();
  });

  it('tells Better Auth native hashes from imported ones', async () => {
    const native = await betterAuthHash('pw-123456');
    assert.ok(isBetterAuthNativeHash(native));
    assert.equal(importedHash(native), undefined);
    assert.equal(importedHash((await hashPassword('bcrypt', 'pw')).phc.reveal())?.algorithm, 'bcrypt');
    assert.equal(importedHash('not a hash at all'), undefined);
  });

  it('flaglessPasswords() verifies native and imported hashes and rejects wrong ones without throwing', async () => {
    const { hash, verify } = flaglessPasswords();
    const native = await hash('right-password');
    assert.ok(isBetterAuthNativeHash(native));
    assert.equal(await verify({ hash: native, password: 'right-password' }), true);
    assert.equal(await verify({ hash: native, password: 'wrong-password' }), false);
    const argon = (await hashPassword('argon2id', 'right-password')).phc.reveal();
    assert.equal(await verify({ hash: argon, password: 'right-password' }), true);
    assert.equal(await verify({ hash: argon, password: 'wrong-password' }), false);
  });

  it('the two-line config: imported users sign in, are re-hashed once, and no log line holds a secret', async () => {
    const password = 'Plaintext-Never-Logged-42';
    const hash = await hashPassword('pbkdf2-sha256', password);
    await target.createUser(person('user_app_1', 'app1@example.com', { password: hash }), WITH_HASH);
    logs.length = 0;
    assert.equal((await signIn(appAuth, 'app1@example.com', 'Wrong-Password-17')).ok, false);
    assert.equal(await credential('user_app_1'), hash.phc.reveal(), 'wrong password: no re-hash');
    const ok = await signIn(appAuth, 'app1@example.com', password);
    assert.ok(ok.ok);
    const stored = await credential('user_app_1');
    assert.ok(stored && isBetterAuthNativeHash(stored));
    assert.ok(logs.length > 0, 'debug logging was on');
    for (const secret of [password, 'Wrong-Password-17', hash.phc.reveal(), stored]) {
      assert.ok(!logs.some((l) => l.includes(secret)), 'a log line holds a password or hash');
    }
  });

  it('a failed re-hash leaves the imported hash in place and the sign-in still succeeds', async () => {
    const password = 'rehash-fails-1';
    const hash = await hashPassword('bcrypt', password);
    await target.createUser(person('user_app_2', 'app2@example.com', { password: hash }), WITH_HASH);
    logs.length = 0;
    failHashing = true;
    try {
      assert.ok((await signIn(appAuth, 'app2@example.com', password)).ok);
    } finally {
      failHashing = false;
    }
    assert.equal(await credential('user_app_2'), hash.phc.reveal());
    assert.ok(logs.some((l) => l.includes('flagless-import: could not re-hash')));
    assert.ok(!logs.some((l) => l.includes(password)));
    assert.ok((await signIn(appAuth, 'app2@example.com', password)).ok);
    assert.ok(isBetterAuthNativeHash((await credential('user_app_2')) ?? ''));
  });

  it('concurrent first sign-ins both succeed and leave one native hash', async () => {
    const password = 'two-tabs-at-once';
    await target.createUser(person('user_app_3', 'app3@example.com', { password: await hashPassword('argon2id', password) }), WITH_HASH);
    const results = await Promise.all([signIn(appAuth, 'app3@example.com', password), signIn(appAuth, 'app3@example.com', password)]);
    assert.ok(results.every((r) => r.ok));
    const stored = await credential('user_app_3');
    assert.ok(stored && isBetterAuthNativeHash(stored));
    assert.ok((await signIn(appAuth, 'app3@example.com', password)).ok);
  });

  it('public metadata is returned with the user, private metadata never is', async () => {
    const user = person('user_app_4', 'app4@example.com', { password: await hashPassword('bcrypt', 'metadata-pw') });
    user.metadata = { public: { theme: 'dark' }, private: { internalNote: 'vip' } };
    await target.createUser(user, WITH_HASH);
    const res = await appAuth.api.signInEmail({ body: { email: 'app4@example.com', password: 'metadata-pw' }, returnHeaders: true });
    const returned = res.response.user as Record<string, unknown>;
    assert.equal(returned.publicMetadata, JSON.stringify({ theme: 'dark' }));
    assert.equal('privateMetadata' in returned, false);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const session = await appAuth.api.getSession({ headers: new Headers({ cookie }) });
    assert.ok(session, 'the session cookie works');
    assert.equal((session.user as Record<string, unknown>).publicMetadata, JSON.stringify({ theme: 'dark' }));
    assert.equal('privateMetadata' in (session.user as Record<string, unknown>), false);
  });

  it('a bcrypt user signing in with a variant of a long password (same first 72 bytes) keeps the bcrypt hash: the real password still works', async () => {
    const real = `${'L'.repeat(72)}-the-real-tail`;
    const variant = `${'L'.repeat(72)}-another-tail`;
    const hash = await hashPassword('bcrypt', real, { cost: 4 });
    await target.createUser(person('user_app_72', 'app72@example.com', { password: hash }), WITH_HASH);
    logs.length = 0;
    assert.ok((await signIn(appAuth, 'app72@example.com', variant)).ok, 'bcrypt accepts the variant (it reads 72 bytes)');
    assert.equal(await credential('user_app_72'), hash.phc.reveal(), 'not re-hashed from a text bcrypt only partly checked');
    assert.ok(logs.some((l) => l.includes('kept the imported bcrypt hash')));
    assert.ok((await signIn(appAuth, 'app72@example.com', real)).ok, 'the real password still signs in');
    assert.equal(await credential('user_app_72'), hash.phc.reveal());
    // A password bcrypt reads whole is re-hashed as before.
    const short = await hashPassword('bcrypt', 'short-enough', { cost: 4 });
    await target.createUser(person('user_app_73', 'app73@example.com', { password: short }), WITH_HASH);
    assert.ok((await signIn(appAuth, 'app73@example.com', 'short-enough')).ok);
    assert.ok(isBetterAuthNativeHash((await credential('user_app_73')) ?? ''));
  });

  it('a hash above the cost ceiling ($2b$31$) is refused at once, never verified', async () => {
    const bomb = (await hashPassword('bcrypt', 'bomb-pw', { cost: 4 })).phc.reveal().replace('$04$', '$31$');
    await target.createUser(person('user_app_bomb', 'bomb@example.com', { password: importedHash(bomb)! }), WITH_HASH);
    const started = Date.now();
    assert.equal((await signIn(appAuth, 'bomb@example.com', 'bomb-pw')).ok, false);
    assert.ok(Date.now() - started < 5000, `answered in ${Date.now() - started} ms`);
  });

  async function credential(userId: string): Promise<string | null | undefined> {
    const ctx = await appAuth.$context;
    return (await ctx.internalAdapter.findCredentialAccount(userId))?.password;
  }
});
