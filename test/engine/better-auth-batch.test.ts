/**
 * The batched path of the Better Auth target (createUsers, ensureMemberships), on SQLite and on
 * PostgreSQL (127.0.0.1:5432 `test`, or FLAGLESS_TEST_PG; a fresh schema, dropped after):
 *
 * - field by field, a user created through Better Auth's own API (signUpEmail), one imported in a
 *   batch and one imported alone hold the same kinds of values in every column (ids' form, dates,
 *   booleans, JSON columns, the plugin's columns; their accounts and memberships too), the batch and
 *   the single import are identical but for ids and email, and all of them sign in through
 *   Better Auth's API;
 * - through the engine: a batch with one bad record (a social login already linked to someone else,
 *   an email twice in the export) quarantines that record and commits the rest, and a re-run
 *   writes nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { migrate } from '../../src/engine/run.js';
import { hashPassword } from '../../src/model/password/index.js';
import type { CanonicalUser, Organization } from '../../src/model/user.js';
import type { Source, SourceItem } from '../../src/protocol/source.js';
import type { Target } from '../../src/protocol/target.js';
import { openStateStore } from '../../src/state/ledger/open.js';
import { person, signIn, tempDir, WITH_HASH } from '../helpers/better-auth.js';
import { openFlaglessAuth, type BetterAuthDatabase, type FlaglessAuth } from '../../src/connectors/better-auth/app.js';
import { target as betterAuthTarget } from '../../src/connectors/better-auth/index.js';

const PG_BASE = process.env.FLAGLESS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = 'application-secret-0123456789-abcdefghijklmnop';
const BETTER_AUTH_ID = /^[A-Za-z0-9]{32}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function pgAvailable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_BASE, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}
const havePg = await pgAvailable();

interface Place {
  /** `--db` for the target and the application. */
  db: string;
  /** `--state` for the engine's ledger (same kind as the database). */
  state: string;
  cleanup(): Promise<void>;
}

async function sqlitePlace(): Promise<Place> {
  const tmp = tempDir();
  return { db: path.join(tmp.dir, 'auth.db'), state: path.join(tmp.dir, 'state.db'), cleanup: async () => tmp.remove() };
}

async function pgPlace(): Promise<Place> {
  const schema = `flagless_ba_batch_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_BASE });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const sep = PG_BASE.includes('?') ? '&' : '?';
  return {
    db: `${PG_BASE}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    state: `${PG_BASE}${sep}schema=${schema}_ledger`,
    cleanup: async () => {
      const c = new pg.Client({ connectionString: PG_BASE });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.query(`DROP SCHEMA IF EXISTS ${schema}_ledger CASCADE`);
      await c.end();
    },
  };
}

type Row = Record<string, unknown>;

async function rows(database: BetterAuthDatabase, table: string, where: string, value: string): Promise<Row[]> {
  if (database.kind === 'sqlite') return (database.handle as Database.Database).prepare(`SELECT * FROM "${table}" WHERE "${where}" = ? ORDER BY "id"`).all(value) as Row[];
  return (await (database.handle as pg.Pool).query(`SELECT * FROM "${table}" WHERE "${where}" = $1 ORDER BY "id"`, [value])).rows as Row[];
}

/** The form of a stored value: what must match between Better Auth's row and ours. */
function form(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Date) return 'Date';
  if (typeof v === 'string' && ISO.test(v)) return 'iso-date';
  if (typeof v === 'string' && BETTER_AUTH_ID.test(v)) return 'id-or-string';
  return typeof v;
}

/** Same columns; every column both hold a value in has the same form; `nullable` may be null on one side only. */
function assertSameForms(ours: Row, theirs: Row, label: string): void {
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort(), `${label}: columns`);
  for (const col of Object.keys(theirs)) {
    const [a, b] = [form(ours[col]), form(theirs[col])];
    if (a === 'null' || b === 'null') continue;
    // A source id is a plain string where Better Auth generates a 32-character id; both are text.
    const norm = (f: string) => (f === 'id-or-string' ? 'string' : f);
    assert.equal(norm(a), norm(b), `${label}.${col}: ${a} vs Better Auth's ${b}`);
  }
}

function omit(row: Row, keys: string[]): Row {
  return Object.fromEntries(Object.entries(row).filter(([k]) => !keys.includes(k)));
}

function source(users: CanonicalUser[], orgs: Organization[]): Source {
  return {
    vendor: 'clerk',
    async *read(): AsyncIterable<SourceItem> {
      for (const organization of orgs) yield { type: 'organization', organization };
      for (const user of users) yield { type: 'user', user };
    },
  };
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`Better Auth batched writes on ${kind}`, { skip: kind === 'postgres' && !havePg ? `PostgreSQL not reachable at ${PG_BASE}` : false }, () => {
    let place: Place;
    let target: Target;
    let app: FlaglessAuth;
    let appDb: BetterAuthDatabase;

    before(async () => {
      place = kind === 'sqlite' ? await sqlitePlace() : await pgPlace();
      target = await betterAuthTarget.open({ env: {}, db: place.db });
      ({ auth: app, database: appDb } = await openFlaglessAuth(place.db, { secret: SECRET }));
    });
    after(async () => {
      await target?.close();
      await appDb?.close();
      await place?.cleanup();
    });

    it('declares a batch size and both bulk methods', () => {
      assert.ok(target.capabilities.batchSize > 1);
      assert.equal(typeof target.createUsers, 'function');
      assert.equal(typeof target.ensureMemberships, 'function');
      assert.equal(typeof target.createOrganizations, 'function');
    });

    it("writes, field by field, the rows Better Auth's own API writes; every user signs in through Better Auth", async () => {
      const native = await app.api.signUpEmail({ body: { email: 'api.user@example.com', password: 'api-password-123', name: 'Api User' } });
      const apiId = native.user.id;
      const bcrypt = await hashPassword('bcrypt', 'imported-password-123');
      const shape = (id: string, email: string) =>
        person(id, email, {
          password: bcrypt,
          identities: [{ provider: 'github', providerUserId: `gh-${id}`, kind: 'social' }],
          metadata: { public: { plan: 'pro', seats: 3 }, private: { note: 'from the export' } },
          createdAt: '2024-02-03T04:05:06.789Z',
          updatedAt: '2024-03-04T05:06:07.890Z',
        });
      const inBatch = shape('user_batch_1', 'batch.one@example.com');
      const alone = shape('user_alone_1', 'alone.one@example.com');
      const refs = await target.createUsers!([
        { user: inBatch, options: WITH_HASH },
        { user: person('user_batch_2', 'batch.two@example.com', { password: bcrypt }), options: WITH_HASH },
      ]);
      assert.deepEqual(refs.map((r) => r.id), ['user_batch_1', 'user_batch_2']);
      await target.createUser(alone, WITH_HASH);

      const [apiUser] = await rows(appDb, 'user', 'id', apiId);
      const [batchUser] = await rows(appDb, 'user', 'id', 'user_batch_1');
      const [aloneUser] = await rows(appDb, 'user', 'id', 'user_alone_1');
      assert.ok(apiUser && batchUser && aloneUser);
      assertSameForms(batchUser, apiUser, 'user');
      // The batch and the adapter's own create: the same row but for id and email.
      assert.deepEqual(omit(batchUser, ['id', 'email']), omit(aloneUser, ['id', 'email']));
      assert.equal(form(batchUser.createdAt), kind === 'sqlite' ? 'iso-date' : 'Date');
      assert.equal(form(apiUser.createdAt), form(batchUser.createdAt));
      assert.equal(typeof batchUser.emailVerified, typeof apiUser.emailVerified);
      assert.equal(batchUser.publicMetadata, JSON.stringify({ plan: 'pro', seats: 3 }));
      assert.equal(batchUser.privateMetadata, JSON.stringify({ note: 'from the export' }));

      const apiAccounts = await rows(appDb, 'account', 'userId', apiId);
      const batchAccounts = await rows(appDb, 'account', 'userId', 'user_batch_1');
      const aloneAccounts = await rows(appDb, 'account', 'userId', 'user_alone_1');
      assert.equal(apiAccounts.length, 1);
      assert.equal(batchAccounts.length, 2);
      const credential = (list: Row[]) => list.find((a) => a.providerId === 'credential')!;
      const social = (list: Row[]) => list.find((a) => a.providerId === 'github')!;
      assertSameForms(credential(batchAccounts), credential(apiAccounts), 'credential account');
      assertSameForms(social(batchAccounts), credential(apiAccounts), 'social account');
      for (const a of [...apiAccounts, ...batchAccounts]) assert.match(String(a.id), BETTER_AUTH_ID, 'account ids are Better Auth-generated');
      // Better Auth's email account: accountId is the user id.
      assert.equal(credential(apiAccounts).accountId, apiId);
      assert.equal(credential(batchAccounts).accountId, 'user_batch_1');
      assert.deepEqual(omit(credential(batchAccounts), ['id', 'userId', 'accountId']), omit(credential(aloneAccounts), ['id', 'userId', 'accountId']));
      assert.deepEqual(omit(social(batchAccounts), ['id', 'userId', 'accountId']), omit(social(aloneAccounts), ['id', 'userId', 'accountId']));

      // Read back through Better Auth's adapter: the same fields and types as its own user.
      const ctx = await app.$context;
      const seenApi = await ctx.internalAdapter.findUserById(apiId);
      const seenBatch = await ctx.internalAdapter.findUserById('user_batch_1');
      assert.ok(seenApi && seenBatch);
      assert.deepEqual(Object.keys(seenBatch).sort(), Object.keys(seenApi).sort());
      assert.ok(seenBatch.createdAt instanceof Date && seenApi.createdAt instanceof Date);
      assert.equal(seenBatch.createdAt.toISOString(), '2024-02-03T04:05:06.789Z');
      assert.equal(typeof seenBatch.emailVerified, 'boolean');

      // Memberships: one Better Auth made (the creator of an organization is its owner) against ours.
      const session = await signIn(app, 'api.user@example.com', 'api-password-123');
      assert.ok(session.ok);
      const org = await app.api.createOrganization({ body: { name: 'Field Test', slug: 'field-test' }, headers: session.headers });
      assert.ok(org);
      const outcomes = await target.ensureMemberships!([
        { user: { id: 'user_batch_1' }, org: { id: org.id, name: org.name }, roles: ['org:admin'] },
        { user: { id: 'user_batch_2' }, org: { id: org.id, name: org.name }, roles: [] },
      ]);
      assert.deepEqual(outcomes, ['created', 'created']);
      assert.equal(await target.ensureMembership({ id: 'user_alone_1' }, { id: org.id, name: org.name }, ['org:admin']), 'created');
      const [apiMember] = await rows(appDb, 'member', 'userId', apiId);
      const [batchMember] = await rows(appDb, 'member', 'userId', 'user_batch_1');
      const [aloneMember] = await rows(appDb, 'member', 'userId', 'user_alone_1');
      assert.ok(apiMember && batchMember && aloneMember);
      assertSameForms(batchMember, apiMember, 'member');
      assert.match(String(batchMember.id), BETTER_AUTH_ID);
      assert.equal(batchMember.role, 'admin');
      assert.equal((await rows(appDb, 'member', 'userId', 'user_batch_2'))[0]?.role, 'member');
      assert.deepEqual(omit(batchMember, ['id', 'userId', 'createdAt']), omit(aloneMember, ['id', 'userId', 'createdAt']));
      // A membership written with its new user (createUsers, capabilities.membershipsWithUsers): the same row.
      await target.createUsers!([{ user: person('user_batch_3', 'batch.three@example.com', { password: bcrypt }), options: WITH_HASH, memberships: [{ org: { id: org.id, name: org.name }, roles: ['org:admin'] }] }]);
      const [withUserMember] = await rows(appDb, 'member', 'userId', 'user_batch_3');
      assert.ok(withUserMember);
      assertSameForms(withUserMember, apiMember, 'member');
      assert.match(String(withUserMember.id), BETTER_AUTH_ID);
      assert.deepEqual(omit(withUserMember, ['id', 'userId', 'createdAt']), omit(aloneMember, ['id', 'userId', 'createdAt']));
      // Ensuring again is idempotent: nothing new.
      assert.deepEqual(
        await target.ensureMemberships!([{ user: { id: 'user_batch_1' }, org: { id: org.id, name: org.name }, roles: ['org:admin'] }]),
        ['exists'],
      );
      assert.equal((await rows(appDb, 'member', 'userId', 'user_batch_1')).length, 1);

      // Organizations: Better Auth's createOrganization against a batch and a single import.
      const orgRefs = await target.createOrganizations!([
        { sourceId: 'org_batch_1', name: 'Batch Org', slug: 'batch-org', metadata: { tier: 'gold' }, createdAt: '2024-05-06T07:08:09.000Z' },
        { sourceId: 'org_batch_2', name: 'Batch Org Two', metadata: {} },
      ]);
      assert.deepEqual(orgRefs.map((o) => o.id), ['org_batch_1', 'org_batch_2']);
      await target.createOrganization({ sourceId: 'org_alone_1', name: 'Alone Org', slug: 'alone-org', metadata: { tier: 'gold' }, createdAt: '2024-05-06T07:08:09.000Z' });
      const [apiOrg] = await rows(appDb, 'organization', 'id', org.id);
      const [batchOrg] = await rows(appDb, 'organization', 'id', 'org_batch_1');
      const [aloneOrg] = await rows(appDb, 'organization', 'id', 'org_alone_1');
      assert.ok(apiOrg && batchOrg && aloneOrg);
      assertSameForms(batchOrg, apiOrg, 'organization');
      assert.deepEqual(omit(batchOrg, ['id', 'name', 'slug']), omit(aloneOrg, ['id', 'name', 'slug']));
      assert.equal(batchOrg.slug, 'batch-org');
      assert.equal((await rows(appDb, 'organization', 'id', 'org_batch_2'))[0]?.metadata, null);
      // A batch with a taken slug is refused whole, nothing written.
      await assert.rejects(target.createOrganizations!([{ sourceId: 'org_batch_3', name: 'Three', metadata: {} }, { sourceId: 'org_batch_4', name: 'Four', slug: 'batch-org', metadata: {} }]), /taken/);
      assert.equal((await rows(appDb, 'organization', 'id', 'org_batch_3')).length, 0);

      // Everyone signs in through Better Auth's own API: the native user, the batch, the single import.
      for (const [email, pw] of [
        ['api.user@example.com', 'api-password-123'],
        ['batch.one@example.com', 'imported-password-123'],
        ['batch.two@example.com', 'imported-password-123'],
        ['alone.one@example.com', 'imported-password-123'],
      ] as const) {
        const r = await signIn(app, email, pw);
        assert.ok(r.ok, `${email} signs in`);
      }
      const wrong = await signIn(app, 'batch.one@example.com', 'not-the-password');
      assert.equal(wrong.ok, false);
    });

    it('a batch with one bad record quarantines that record and commits the rest (engine, batched path)', async () => {
      const bcrypt = await hashPassword('bcrypt', 'engine-password-123');
      // Already in Better Auth: an account holding the Google login `g-taken`.
      await target.createUser(person('user_holder', 'holder@example.com', { identities: [{ provider: 'google', providerUserId: 'g-taken', kind: 'social' }] }), WITH_HASH);
      const org: Organization = { sourceId: 'org_engine', name: 'Engine Org', metadata: {} };
      // An organization made by hand in Better Auth with the name of one in the export: linked, not doubled.
      await target.createOrganization({ sourceId: 'org_by_hand', name: 'Hand Made', metadata: {} });
      const handMade: Organization = { sourceId: 'org_export_hand', name: 'Hand Made', metadata: {} };
      const users: CanonicalUser[] = Array.from({ length: 30 }, (_, i) =>
        person(`user_e_${String(i).padStart(2, '0')}`, `engine.${i}@example.com`, { password: bcrypt, memberships: [{ organizationId: 'org_engine', roles: ['member'] }] }),
      );
      users[4]!.identities = [{ provider: 'google', providerUserId: 'g-taken', kind: 'social' }];
      // The export holds one email twice: the second record is a duplicate, never merged.
      users[17]!.emails = [{ ...users[16]!.emails[0]! }];
      const calls = { createUsers: 0, createUser: 0, ensureMemberships: 0, createOrganizations: 0 };
      const counted = new Proxy(target, {
        get(obj, prop) {
          const v = Reflect.get(obj, prop) as unknown;
          if (typeof v !== 'function') return v;
          return (...args: unknown[]) => {
            if (typeof prop === 'string' && prop in calls) calls[prop as keyof typeof calls]++;
            return (v as (...a: unknown[]) => unknown).apply(obj, args);
          };
        },
      });
      const run = async () => {
        const store = await openStateStore(place.state);
        try {
          return await migrate({ source: source(users, [org, handMade, { sourceId: 'org_engine_2', name: 'Engine Org Two', metadata: {} }]), runKey: 'batch-test', sourceFingerprint: 'memory', target: counted, targetLabel: 'better-auth', store, concurrency: 4 });
        } finally {
          await store.close();
        }
      };
      const s = await run();
      assert.ok(calls.createUsers >= 1, 'the users went in a batch');
      assert.ok(calls.ensureMemberships >= 1, 'the memberships went in a batch');
      assert.ok(calls.createOrganizations >= 1, 'the organizations went in a batch');
      assert.equal(s.organizations.linked, 1, 'the hand-made organization is linked');
      assert.equal(s.organizations.created, 2);
      assert.equal((await rows(appDb, 'organization', 'name', 'Hand Made')).length, 1);
      assert.equal(s.users.created, 28, JSON.stringify(s.quarantine));
      const quarantined = new Map(s.quarantine.map((q) => [q.sourceId, q.code]));
      assert.equal(quarantined.get('user_e_04'), 'E_TARGET_CONFLICT');
      assert.equal(quarantined.get('user_e_17'), 'E_DUPLICATE_EMAIL');
      for (let i = 0; i < 30; i++) {
        const id = `user_e_${String(i).padStart(2, '0')}`;
        const present = (await rows(appDb, 'user', 'id', id)).length;
        assert.equal(present, i === 4 || i === 17 ? 0 : 1, id);
        if (i !== 4 && i !== 17) assert.equal((await rows(appDb, 'member', 'userId', id)).length, 1, `${id} is a member once`);
      }
      assert.equal((await rows(appDb, 'account', 'accountId', 'g-taken')).length, 1, 'the taken login still has one owner');
      for (const i of [0, 5, 16, 29]) assert.ok((await signIn(app, `engine.${i}@example.com`, 'engine-password-123')).ok, `engine.${i} signs in`);

      const again = await run();
      assert.equal(again.writes, 0, 'a finished run writes nothing');
    });

    it('writes the memberships of new users in their batch; the memberships phase then sends nothing', async () => {
      assert.equal(target.capabilities.membershipsWithUsers, true);
      const bcrypt = await hashPassword('bcrypt', 'fold-password-123');
      const orgs: Organization[] = [
        { sourceId: 'org_fold_1', name: 'Fold Org One', metadata: {} },
        { sourceId: 'org_fold_2', name: 'Fold Org Two', metadata: {} },
      ];
      const users = Array.from({ length: 25 }, (_, i) =>
        person(`user_f_${String(i).padStart(2, '0')}`, `fold.${i}@example.com`, {
          password: bcrypt,
          memberships: [
            { organizationId: 'org_fold_1', roles: [i === 0 ? 'org:admin' : 'org:member'] },
            ...(i % 2 ? [{ organizationId: 'org_fold_2', roles: ['org:member'] }] : []),
          ],
        }),
      );
      const calls = { createUsers: 0, ensureMemberships: 0, ensureMembership: 0 };
      const counted = new Proxy(target, {
        get(obj, prop) {
          const v = Reflect.get(obj, prop) as unknown;
          if (typeof v !== 'function') return v;
          return (...args: unknown[]) => {
            if (typeof prop === 'string' && prop in calls) calls[prop as keyof typeof calls]++;
            return (v as (...a: unknown[]) => unknown).apply(obj, args);
          };
        },
      });
      const store = await openStateStore(place.state);
      try {
        const run = () => migrate({ source: source(users, orgs), runKey: 'fold-test', sourceFingerprint: 'memory', target: counted, targetLabel: 'better-auth', store, batchSize: 10 });
        const s = await run();
        assert.ok(s.complete, JSON.stringify(s.quarantine));
        assert.ok(calls.createUsers >= 3, 'the users went in batches');
        assert.deepEqual([calls.ensureMemberships, calls.ensureMembership], [0, 0], 'no membership was sent apart from its user');
        assert.equal(s.users.created, 25);
        assert.equal(s.memberships.created, 25 + 12);
        for (const u of users) {
          const mine = await rows(appDb, 'member', 'userId', u.sourceId);
          assert.deepEqual(mine.map((m) => m.organizationId).sort(), u.memberships.map((m) => m.organizationId).sort(), u.sourceId);
        }
        assert.equal((await rows(appDb, 'member', 'userId', 'user_f_00'))[0]?.role, 'admin');
        const again = await run();
        assert.equal(again.writes, 0, 'a finished run writes nothing');
      } finally {
        await store.close();
      }
    });

    it('a user a second read of the export brings is moved by the next run; a user twice in the export is one row and one account', async () => {
      const bcrypt = await hashPassword('bcrypt', 'sequence-password-1');
      const org: Organization = { sourceId: 'org_seq', name: 'Sequence Org', metadata: {} };
      const mk = (id: string) => person(id, `${id}@example.com`, { password: bcrypt, memberships: [{ organizationId: 'org_seq', roles: ['member'] }] });
      const first = Array.from({ length: 10 }, (_, i) => mk(`user_seq_${i}`));
      // The second read brings a user the plan pass never saw, in the middle (an API source that changed).
      const second = [...first.slice(0, 5), mk('user_seq_new'), ...first.slice(5)];
      let reads = 0;
      const changing: Source = {
        vendor: 'clerk',
        async *read(): AsyncIterable<SourceItem> {
          const users = reads++ === 0 ? first : second;
          yield { type: 'organization', organization: org };
          for (const user of users) yield { type: 'user', user };
        },
      };
      // The same user in two batches of the plan pass: one ledger row, no shortcut at all.
      const twice = [mk('user_dup_0'), mk('user_dup_1'), mk('user_dup_2'), mk('user_dup_3'), mk('user_dup_1'), mk('user_dup_4')];
      const store = await openStateStore(place.state);
      try {
        const s = await migrate({ source: changing, runKey: 'sequence-test', sourceFingerprint: 'memory', target, targetLabel: 'better-auth', store, batchSize: 3 });
        assert.ok(s.complete, JSON.stringify(s.quarantine));
        assert.equal(s.users.created, 10);
        assert.equal(s.memberships.created, 10);
        assert.equal((await rows(appDb, 'user', 'id', 'user_seq_new')).length, 0, 'a user the plan never saw is not written');
        for (const u of first) assert.equal((await rows(appDb, 'member', 'userId', u.sourceId)).length, 1, u.sourceId);
        // The next run plans it and moves it.
        const next = await migrate({ source: changing, runKey: 'sequence-test', sourceFingerprint: 'memory', target, targetLabel: 'better-auth', store, batchSize: 3 });
        assert.equal(next.users.created, 11);
        assert.equal((await rows(appDb, 'member', 'userId', 'user_seq_new')).length, 1);

        const d = await migrate({ source: source(twice, [org]), runKey: 'dup-test', sourceFingerprint: 'memory', target, targetLabel: 'better-auth', store, batchSize: 3 });
        assert.ok(d.complete, JSON.stringify(d.quarantine));
        assert.equal(d.users.created, 5);
        assert.equal((await rows(appDb, 'user', 'id', 'user_dup_1')).length, 1);
        assert.equal((await rows(appDb, 'member', 'userId', 'user_dup_1')).length, 1);
      } finally {
        await store.close();
      }
    });

    it('reports progress while the import runs (a synchronous driver still lets the timer fire)', async () => {
      const bcrypt = await hashPassword('bcrypt', 'progress-password-1');
      const users = Array.from({ length: 1500 }, (_, i) => person(`user_p_${String(i).padStart(4, '0')}`, `progress.${i}@example.com`, { password: bcrypt }));
      const phases: string[] = [];
      const store = await openStateStore(place.state);
      try {
        const s = await migrate({
          source: source(users, []),
          runKey: 'progress-test',
          sourceFingerprint: 'memory',
          target,
          targetLabel: 'better-auth',
          store,
          onProgress: (p) => phases.push(p.phase),
          progressIntervalMs: 5,
        });
        assert.equal(s.users.created, 1500);
      } finally {
        await store.close();
      }
      assert.ok(phases.some((p) => p !== 'done'), `progress only at the end: ${phases.join(',')}`);
    });
  });
}
