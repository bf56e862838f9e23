import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { fromBcrypt, hashPassword } from '../../model/password/index.js';
import type { HashAlgorithm, PasswordHash } from '../../model/password/types.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { Target } from '../../protocol/target.js';
import { openTargetAndApp, person, signIn, tempDir, WITH_HASH } from '../../../test/helpers/better-auth.js';
import type { FlaglessAuth } from './app.js';
import { isBetterAuthNativeHash } from './verifier.js';

// Firebase's documented sample hash config (console "Password hash parameters" format).
const FIREBASE = {
  signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  saltSeparator: 'Bw==',
  rounds: 8,
  memCost: 14,
};

/** One imported hash per case; `$2a$` is the same bcrypt under the older prefix (ASCII passwords). */
const CASES: { label: string; make: (pw: string) => Promise<PasswordHash> }[] = [
  { label: 'bcrypt $2b$', make: (pw) => hashPassword('bcrypt', pw) },
  { label: 'bcrypt $2a$', make: async (pw) => fromBcrypt((await bcryptHash(pw, 10)).replace(/^\$2b\$/, '$2a$')) },
  ...(['argon2id', 'argon2i', 'argon2d', 'scrypt', 'pbkdf2-sha1', 'pbkdf2-sha256', 'pbkdf2-sha512', 'ssha1', 'ssha256', 'ssha512', 'md5'] as HashAlgorithm[]).map(
    (alg) => ({ label: alg, make: (pw: string) => hashPassword(alg, pw) }),
  ),
  { label: 'firebase-scrypt', make: (pw) => hashPassword('firebase-scrypt', pw, FIREBASE) },
];

async function storedPassword(app: FlaglessAuth, userId: string): Promise<string | null | undefined> {
  const ctx = await app.$context;
  return (await ctx.internalAdapter.findCredentialAccount(userId))?.password;
}

describe('Better Auth target on SQLite', () => {
  const tmp = tempDir();
  const dbPath = path.join(tmp.dir, 'nested', 'ba.db');
  let target: Target;
  // The application: its own Better Auth instance on the same file, with its own secret.
  let app: FlaglessAuth;
  let closeApp: () => Promise<void>;

  before(async () => {
    ({ target, app, close: closeApp } = await openTargetAndApp(dbPath));
  });
  after(async () => {
    await closeApp();
    tmp.remove();
  });

  for (const [i, c] of CASES.entries()) {
    it(`${c.label}: signs in with the original password, re-hashes to native scrypt, signs in again`, async () => {
      const password = `Original pw ${i} ünïcødé`;
      const email = `User${i}@Example.COM`;
      const hash = await c.make(password);
      const ref = await target.createUser(person(`user_hash_${i}`, email, { password: hash }), WITH_HASH);
      assert.equal(ref.id, `user_hash_${i}`);
      assert.equal(ref.email, email.toLowerCase());
      assert.equal(await storedPassword(app, ref.id), hash.phc.reveal());

      const wrong = await signIn(app, email, `${password}x`);
      assert.deepEqual(wrong, { ok: false, status: 'UNAUTHORIZED', code: 'INVALID_EMAIL_OR_PASSWORD' });
      assert.equal(await storedPassword(app, ref.id), hash.phc.reveal(), 'a wrong password never re-hashes');

      const first = await signIn(app, email.toLowerCase(), password);
      assert.ok(first.ok, `first sign-in (${c.label}) failed: ${JSON.stringify(first)}`);
      assert.equal(first.userId, ref.id);
      const rehashed = await storedPassword(app, ref.id);
      assert.ok(typeof rehashed === 'string' && isBetterAuthNativeHash(rehashed), `${c.label} was not re-hashed to salt:key`);

      assert.ok((await signIn(app, email, password)).ok, 'second sign-in with the native hash');
      assert.equal((await signIn(app, email, 'Original pw')).ok, false, 'wrong password after re-hash');
    });
  }

  it('organization membership is visible through the organization plugin API', async () => {
    const pw = 'members-only-1';
    const user = person('user_org_1', 'org.member@example.com', { password: await hashPassword('bcrypt', pw) });
    user.memberships = [{ organizationId: 'org_acme', roles: ['org:admin'] }];
    const ref = await target.createUser(user, WITH_HASH);
    const org = await target.createOrganization({ sourceId: 'org_acme', name: 'Acme Inc.', metadata: { plan: 'pro' } });
    assert.deepEqual(org, { id: 'org_acme', externalId: 'org_acme', name: 'Acme Inc.' });
    // Same name, other org: gets a de-duplicated slug.
    const twin = await target.createOrganization({ sourceId: 'org_acme_2', name: 'Acme Inc.', metadata: {} });
    assert.equal(twin.id, 'org_acme_2');
    assert.equal(await target.ensureMembership(ref, org, ['org:admin']), 'created');

    const session = await signIn(app, 'org.member@example.com', pw);
    assert.ok(session.ok);
    const orgs = await app.api.listOrganizations({ headers: session.headers });
    assert.deepEqual(
      orgs.map((o) => [o.id, o.name, o.slug]),
      [['org_acme', 'Acme Inc.', 'acme-inc']],
    );
    const full = await app.api.getFullOrganization({ headers: session.headers, query: { organizationId: 'org_acme' } });
    assert.ok(full);
    assert.deepEqual(
      full.members.map((m) => [m.userId, m.role, m.user.email]),
      [['user_org_1', 'admin', 'org.member@example.com']],
    );
    // The organization plugin stores and returns metadata as a JSON string.
    assert.deepEqual(JSON.parse(String(full.metadata)), { plan: 'pro' });
    const twinFull = await app.api.getFullOrganization({ headers: session.headers, query: { organizationSlug: 'acme-inc-2' } }).catch((e: unknown) => e);
    // Not a member of the twin: Better Auth refuses, which also proves the slug exists.
    assert.ok(twinFull instanceof Error, 'non-member cannot read the twin organization');
  });

  it('is idempotent: a second pass of every call writes nothing and creates nothing twice', async () => {
    const user = person('user_idem', 'idem@example.com', { password: await hashPassword('bcrypt', 'idempotent-1') });
    user.identities = [{ provider: 'google', providerUserId: 'g-123', kind: 'social' }];
    user.metadata = { public: { tier: 'gold' }, private: { stripe: 'cus_1' } };
    assert.equal(await target.findUser({ externalId: 'user_idem', email: 'idem@example.com' }), undefined);
    const ref = await target.createUser(user, WITH_HASH);
    await assert.rejects(target.createUser(user, WITH_HASH), (e: unknown) => e instanceof FlaglessError && e.code === 'E_TARGET_CONFLICT' && e.errorClass === 'skippable');

    const found = await target.findUser({ externalId: 'user_idem' });
    assert.deepEqual(found, { id: 'user_idem', externalId: 'user_idem', email: 'idem@example.com' });
    const org = (await target.findOrganization({ externalId: 'org_idem', name: 'Idem' })) ?? (await target.createOrganization({ sourceId: 'org_idem', name: 'Idem', metadata: {} }));
    assert.equal(await target.ensureMembership(ref, org, ['member']), 'created');

    const writes = target.stats.writes;
    assert.deepEqual(await target.updateUser(ref, user, WITH_HASH), { id: 'user_idem', externalId: 'user_idem', email: 'idem@example.com' });
    assert.deepEqual(await target.findOrganization({ externalId: 'org_idem', name: 'Idem' }), { id: 'org_idem', externalId: 'org_idem', name: 'Idem' });
    assert.equal(await target.ensureMembership(ref, org, ['member']), 'exists');
    assert.equal(target.stats.writes, writes, 'second pass sent no writes');

    assert.equal(await target.ensureMembership(ref, org, ['org:admin', 'member']), 'updated');
    const view = await target.getUser(ref);
    assert.ok(view);
    assert.deepEqual(view.memberships, [{ organizationId: 'org_idem', organizationExternalId: 'org_idem', roles: ['admin', 'member'] }]);
    assert.deepEqual(view.identities, [{ provider: 'google', providerUserId: 'g-123' }]);
    assert.deepEqual(view.metadata, { public: { tier: 'gold' }, private: { stripe: 'cus_1' } });
    assert.equal(view.hasPassword, true);
    assert.equal(view.displayName, 'Ada Lovelace');
  });

  it('links a user who signed up in Better Auth (found by email), keeping their own password', async () => {
    await app.api.signUpEmail({ body: { email: 'early@example.com', password: 'my-own-password', name: 'Early Bird' } });
    const user = person('user_early', 'Early@Example.com', { password: await hashPassword('bcrypt', 'legacy-password') });
    user.identities = [{ provider: 'github', providerUserId: 'gh-9', kind: 'social' }];
    const ref = await target.findUser({ externalId: 'user_early', email: 'Early@Example.com' });
    assert.ok(ref && ref.id !== 'user_early');
    await target.updateUser(ref, user, WITH_HASH);
    assert.ok((await signIn(app, 'early@example.com', 'my-own-password')).ok, 'their Better Auth password still works');
    assert.equal((await signIn(app, 'early@example.com', 'legacy-password')).ok, false, 'the imported hash did not overwrite it');
    assert.deepEqual((await target.getUser(ref))?.identities, [{ provider: 'github', providerUserId: 'gh-9' }]);
  });

  it('login() signs in through Better Auth and leaves no session behind; social-only users fail cleanly', async () => {
    await target.createUser(person('user_login', 'login@example.com', { password: await hashPassword('argon2id', 'login-pass-1') }), WITH_HASH);
    assert.deepEqual(await target.login('LOGIN@example.com', 'login-pass-1'), { ok: true, userId: 'user_login' });
    assert.deepEqual(await target.login('login@example.com', 'nope-nope'), { ok: false, reason: 'INVALID_EMAIL_OR_PASSWORD' });
    assert.deepEqual(await target.login('nobody@example.com', 'login-pass-1'), { ok: false, reason: 'INVALID_EMAIL_OR_PASSWORD' });
    assert.equal((await target.login('not-an-email', 'x')).ok, false);
    const ctx = await app.$context;
    assert.equal((await ctx.internalAdapter.listSessions('user_login')).length, 0, 'the proof-of-login session was removed');

    const social = person('user_social', 'social@example.com', {
      identities: [{ provider: 'google', providerUserId: 'g-social', kind: 'social' }],
    });
    const ref = await target.createUser(social, WITH_HASH);
    const result = await target.login('social@example.com', 'anything-at-all');
    assert.deepEqual(result, { ok: false, reason: 'INVALID_EMAIL_OR_PASSWORD' });
    assert.equal((await target.getUser(ref))?.hasPassword, false);

    // The gateway's just-in-time move gives the social user a native password.
    await target.setPassword(ref, 'jit-plaintext-1');
    assert.deepEqual(await target.login('social@example.com', 'jit-plaintext-1'), { ok: true, userId: 'user_social' });
    const stored = await storedPassword(app, 'user_social');
    assert.ok(stored && isBetterAuthNativeHash(stored));
  });

  it('rejects a user without email and a social login owned by someone else as skippable; errors carry no hash', async () => {
    const hash = await hashPassword('bcrypt', 'secret-pw-1');
    const noEmail = person('user_noemail', 'x@example.com', { password: hash });
    noEmail.emails = [];
    await assert.rejects(target.createUser(noEmail, WITH_HASH), (e: unknown) => e instanceof FlaglessError && e.code === 'E_NO_EMAIL' && e.errorClass === 'skippable');

    const thief = person('user_thief', 'thief@example.com', { password: hash, identities: [{ provider: 'google', providerUserId: 'g-123', kind: 'social' }] });
    const err = await target.createUser(thief, WITH_HASH).catch((e: unknown) => e);
    assert.ok(err instanceof FlaglessError && err.code === 'E_TARGET_CONFLICT' && err.errorClass === 'skippable');
    assert.equal(await target.findUser({ externalId: 'user_thief' }), undefined, 'nothing of the rejected user was written');

    const dup = person('user_dup_email', 'IDEM@example.com', { password: hash });
    const dupErr = await target.createUser(dup, WITH_HASH).catch((e: unknown) => e);
    assert.ok(dupErr instanceof FlaglessError && dupErr.code === 'E_TARGET_CONFLICT', String(dupErr));
    for (const e of [err, dupErr]) {
      const text = `${(e as Error).message} ${JSON.stringify(e)} ${String((e as Error).stack)}`;
      assert.ok(!text.includes(hash.phc.reveal()) && !text.includes('secret-pw-1'), 'no secret in the error');
    }
  });

  it('lists every user page by page with memberships and identities', async () => {
    const before = new Set<string>();
    for await (const u of target.listUsers()) before.add(u.id);
    for (let i = 0; i < 230; i++) await target.createUser(person(`user_page_${String(i).padStart(3, '0')}`, `page${i}@example.com`), WITH_HASH);
    const seen: string[] = [];
    for await (const u of target.listUsers()) seen.push(u.id);
    assert.equal(seen.length, before.size + 230);
    assert.equal(new Set(seen).size, seen.length, 'no user listed twice');
    const acme = [];
    for await (const u of target.listUsers()) if (u.memberships.some((m) => m.organizationId === 'org_acme')) acme.push(u.id);
    assert.deepEqual(acme, ['user_org_1']);
  });
});
