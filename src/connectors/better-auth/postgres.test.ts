/**
 * The same target code on PostgreSQL (127.0.0.1:5432, database `test`, or FLAGLESS_TEST_PG),
 * in a fresh schema selected through the connection's search_path and dropped afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { hashPassword } from '../../model/password/index.js';
import type { Target } from '../../protocol/target.js';
import { person, signIn, WITH_HASH } from '../../../test/helpers/better-auth.js';
import { openFlaglessAuth, type FlaglessAuth } from './app.js';
import { target as betterAuthTarget } from './index.js';
import { isBetterAuthNativeHash } from './verifier.js';

const BASE = process.env.FLAGLESS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `flagless_ba_${randomBytes(4).toString('hex')}`;
const DB_URL = `${BASE}${BASE.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${SCHEMA}`)}`;

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: BASE, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query(`CREATE SCHEMA ${SCHEMA}`);
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const available = await reachable();

describe('Better Auth target on PostgreSQL', { skip: available ? false : `PostgreSQL not reachable at ${BASE}` }, () => {
  let target: Target;
  let app: FlaglessAuth;
  let closeApp: () => Promise<void>;

  before(async () => {
    target = await betterAuthTarget.open({ env: {}, db: DB_URL });
    const opened = await openFlaglessAuth(DB_URL, { secret: 'application-secret-0123456789-abcdefghijklmnop' });
    app = opened.auth;
    closeApp = () => opened.database.close();
  });
  after(async () => {
    await target?.close();
    await closeApp?.();
    const client = new pg.Client({ connectionString: BASE });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await client.end();
  });

  it('creates Better Auth tables in the schema', async () => {
    const client = new pg.Client({ connectionString: BASE });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
        [SCHEMA],
      );
      assert.deepEqual(rows.map((r) => r.table_name), ['account', 'invitation', 'member', 'organization', 'session', 'user', 'verification']);
    } finally {
      await client.end();
    }
  });

  for (const algorithm of ['bcrypt', 'argon2id', 'pbkdf2-sha256'] as const) {
    it(`${algorithm}: imported user signs in, is re-hashed, signs in again`, async () => {
      const password = `pg-${algorithm}-password`;
      const email = `pg.${algorithm}@example.com`;
      const ref = await target.createUser(person(`user_pg_${algorithm}`, email, { password: await hashPassword(algorithm, password) }), WITH_HASH);
      assert.equal((await signIn(app, email, 'wrong-password')).ok, false);
      assert.ok((await signIn(app, email, password)).ok);
      const ctx = await app.$context;
      const stored = (await ctx.internalAdapter.findCredentialAccount(ref.id))?.password;
      assert.ok(stored && isBetterAuthNativeHash(stored));
      assert.ok((await signIn(app, email, password)).ok);
      assert.deepEqual(await target.login(email, password), { ok: true, userId: ref.id });
    });
  }

  it('organizations, memberships and idempotent re-runs', async () => {
    const user = person('user_pg_org', 'pg.org@example.com', { password: await hashPassword('bcrypt', 'pg-org-pass') });
    user.identities = [{ provider: 'google', providerUserId: 'pg-g-1', kind: 'social' }];
    const ref = await target.createUser(user, WITH_HASH);
    const org = await target.createOrganization({ sourceId: 'org_pg', name: 'Postgres Org', metadata: { region: 'eu' } });
    assert.equal(await target.ensureMembership(ref, org, ['org:member']), 'created');
    const writes = target.stats.writes;
    await target.updateUser(ref, user, WITH_HASH);
    assert.equal(await target.ensureMembership(ref, org, ['org:member']), 'exists');
    assert.equal(target.stats.writes, writes);

    const session = await signIn(app, 'pg.org@example.com', 'pg-org-pass');
    assert.ok(session.ok);
    const full = await app.api.getFullOrganization({ headers: session.headers, query: { organizationId: 'org_pg' } });
    assert.deepEqual(full?.members.map((m) => [m.userId, m.role]), [['user_pg_org', 'member']]);

    const listed = [];
    for await (const u of target.listUsers()) listed.push(u);
    const mine = listed.find((u) => u.id === 'user_pg_org');
    assert.deepEqual(mine?.identities, [{ provider: 'google', providerUserId: 'pg-g-1' }]);
    assert.deepEqual(mine?.memberships, [{ organizationId: 'org_pg', organizationExternalId: 'org_pg', roles: ['member'] }]);
  });
});
