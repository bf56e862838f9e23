/**
 * bcrypt reads only the first 72 bytes of a password (issue #13). A sign-in with a variant of a
 * long password (same first 72 bytes, different after) is accepted by bcrypt; the gateway must
 * not then make that variant the user's password in the target, or the real one stops working.
 * The verified hash is kept instead (or, where the target cannot take it, the user stays on
 * legacy), and the metrics say so.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { betterAuthCapabilities } from '../../src/connectors/better-auth/capabilities.js';
import { buildExportIndex, type ExportIndex } from '../../src/gateway/legacy/export-index.js';
import { ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import { normalizeEmail } from '../../src/model/email.js';
import { hashPassword } from '../../src/model/password/index.js';
import { emptyUser, type CanonicalUser } from '../../src/model/user.js';
import type { Source, SourceItem } from '../../src/protocol/source.js';
import type { Target } from '../../src/protocol/target.js';
import { countTargetUsers, openBetterAuth, startGateway, tempDir } from './helpers.js';

const REAL = `${'L'.repeat(72)}-the-real-tail`;
const VARIANT = `${'L'.repeat(72)}-a-guessed-tail`;

async function person(id: string, email: string, password: string): Promise<CanonicalUser> {
  const u = emptyUser(id);
  u.emails = [{ address: email, normalized: normalizeEmail(email), verified: true, primary: true }];
  u.password = await hashPassword('bcrypt', password, { cost: 4 });
  u.passwordPlan = 'import';
  return u;
}

async function indexOf(users: CanonicalUser[]): Promise<ExportIndex> {
  const source: Source = {
    vendor: 'clerk',
    async *read(): AsyncIterable<SourceItem> {
      for (const user of users) yield { type: 'user', user };
    },
  };
  return buildExportIndex(source);
}

/** The same Better Auth, told it cannot import bcrypt: the gateway has no hash it may write. */
function withoutBcrypt(target: Target): Target {
  const capabilities = { ...betterAuthCapabilities, extensionHashes: betterAuthCapabilities.extensionHashes.filter((a) => a !== 'bcrypt') };
  return new Proxy(target, {
    get: (t, k) => {
      if (k === 'capabilities') return capabilities;
      const v = Reflect.get(t, k, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

describe('gateway JIT (native mode) with a password bcrypt checked only in part', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  let users: CanonicalUser[];
  // The gateway closes the index it is given: each gateway gets its own.
  const freshIndex = () => indexOf(users);

  before(async () => {
    users = [await person('user_long', 'long@example.com', REAL), await person('user_short', 'short@example.com', 'short-password-1')];
  });

  it('signs in with the variant first, keeps the bcrypt hash, and the real password still works', async () => {
    const target = await openBetterAuth(path.join(tmp.dir, 'kept.db'));
    const index = await freshIndex();
    const gw = await startGateway({ state: path.join(tmp.dir, 'kept-state.db'), legacy: new ExportVerifier(index), target, index });
    try {
      const first = await gw.post('/v1/login', { identifier: 'long@example.com', password: VARIANT });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const real = await gw.post('/v1/login', { identifier: 'long@example.com', password: REAL });
      assert.equal(real.status, 200, `the real password is refused after a variant's sign-in: ${JSON.stringify(real.body)}`);
      assert.equal((await target.login('long@example.com', REAL)).ok, true, 'the target itself accepts the real password');
      const metrics = (await gw.get('/metrics')).text;
      assert.match(metrics, /flagless_gateway_partly_verified_passwords_total\{action="hash_kept"\} 1/);
      // A password bcrypt reads whole still moves natively.
      const short = await gw.post('/v1/login', { identifier: 'short@example.com', password: 'short-password-1' });
      assert.equal(short.status, 200);
      assert.equal(short.body.migration, 'jit');
    } finally {
      await gw.close();
      await target.close();
    }
  });

  it('a target that cannot take the hash: the user stays on legacy, nothing is written, both passwords keep working', async () => {
    const inner = await openBetterAuth(path.join(tmp.dir, 'deferred.db'));
    const target = withoutBcrypt(inner);
    const index = await freshIndex();
    const gw = await startGateway({ state: path.join(tmp.dir, 'deferred-state.db'), legacy: new ExportVerifier(index), target, index });
    try {
      const variant = await gw.post('/v1/login', { identifier: 'long@example.com', password: VARIANT });
      assert.equal(variant.status, 200, JSON.stringify(variant.body));
      assert.equal(await countTargetUsers(inner), 0, 'not moved with a password that was checked in part');
      assert.equal((await gw.post('/v1/login', { identifier: 'long@example.com', password: REAL })).status, 200);
      assert.equal((await gw.store.get('user_long'))?.state, 'legacy');
      assert.match((await gw.get('/metrics')).text, /flagless_gateway_partly_verified_passwords_total\{action="not_moved"\} 2/);
    } finally {
      await gw.close();
      await inner.close();
    }
  });
});
