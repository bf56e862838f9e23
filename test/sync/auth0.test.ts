/**
 * Auth0's Event Streams (CloudEvents, bearer token) and Log Streams (log records: signup, deletion,
 * password change) into Better Auth (SQLite) through `flagless serve --sync`: the events come from
 * the Auth0 simulator's changes and by hand, delivered twice, out of order and with a wrong token.
 * Afterwards `verify` against Auth0's latest state finds nothing missing or mismatched, the deleted
 * users are gone, and the user whose password changed at Auth0 is back on legacy at the gateway.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../../src/app/migrate.js';
import { serve, type ServeHandle } from '../../src/app/serve.js';
import { verify } from '../../src/app/verify.js';
import { startAuth0Simulator, type Auth0Simulator } from '../../src/connectors/auth0/sim/management-api.js';
import type { Auth0User } from '../../src/connectors/auth0/types.js';
import { SqliteDriver } from '../../src/state/sqlite-driver.js';
import { SyncStore } from '../../src/state/sync/store.js';
import { drained, tempDir } from './helpers.js';

const TOKEN = 'auth0-stream-token-for-tests';

function auth0User(n: number): Auth0User {
  const id = `a0${String(n).padStart(6, '0')}`;
  const at = new Date(1_700_000_000_000 + n * 1000).toISOString();
  return {
    user_id: `auth0|${id}`,
    email: `a0user${n}@example.com`,
    email_verified: true,
    given_name: `Given${n}`,
    family_name: `Family${n}`,
    name: `Given${n} Family${n}`,
    identities: [{ provider: 'auth0', connection: 'Username-Password-Authentication', user_id: id, isSocial: false }],
    user_metadata: { n },
    app_metadata: {},
    created_at: at,
    updated_at: at,
  };
}

function logRecord(id: string, type: string, userId: string, at = new Date()): Record<string, unknown> {
  return { log_id: id, data: { date: at.toISOString(), type, description: '', connection: 'Username-Password-Authentication', client_id: 'app', ip: '127.0.0.1', user_id: userId, log_id: id } };
}

describe('Auth0 event streams and log streams into Better Auth through serve', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'auth.db');
  const state = join(tmp.dir, 'state.db');
  const users = Array.from({ length: 6 }, (_, i) => auth0User(i + 1));
  let sim: Auth0Simulator;
  let gw: ServeHandle;
  let env: Record<string, string>;

  before(async () => {
    sim = await startAuth0Simulator({ users });
    env = { AUTH0_DOMAIN: sim.domain, AUTH0_CLIENT_ID: sim.clientId, AUTH0_CLIENT_SECRET: sim.clientSecret, AUTH0_WEBHOOK_TOKEN: TOKEN };
    await migrate({ source: { from: 'auth0', api: true, apiUrl: sim.url, env }, target: { to: 'better-auth', db, env }, state });
    gw = await serve({ from: 'auth0', legacy: 'api', source: { apiUrl: sim.url }, target: { to: 'better-auth', db }, state, env, port: 0, logLevel: 'silent', sync: { onDelete: 'delete' } });
  });
  after(async () => {
    await gw?.close();
    await sim?.close();
    tmp.remove();
  });

  const post = async (body: unknown, auth = `Bearer ${TOKEN}`, type = 'application/json') => {
    const res = await fetch(`${gw.url}/v1/sync/auth0`, { method: 'POST', headers: { authorization: auth, 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  };

  it('refuses a wrong or missing token with 401 and stores nothing', async () => {
    const event = { specversion: '1.0', type: 'user.deleted', id: 'evt_forged', source: 'urn:auth0:x', time: new Date().toISOString(), data: { object: { user_id: users[0]!.user_id } } };
    for (const auth of ['Bearer not-the-token', '', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`]) {
      const r = await post(event, auth);
      assert.equal(r.status, 401, auth);
      assert.ok(!r.text.includes(TOKEN));
    }
    const sqlite = new Database(state, { readonly: true });
    assert.equal((sqlite.prepare('SELECT COUNT(*) AS n FROM sync_inbox').get() as { n: number }).n, 0);
    sqlite.close();
  });

  it('CloudEvents and log records, twice and out of order: Better Auth ends equal to Auth0', async () => {
    const c = sim.change;
    c.updateUser(users[0]!.user_id!, { given_name: 'Ada', name: 'Ada Family1' });
    c.updateUser(users[0]!.user_id!, { given_name: 'Adeline', name: 'Adeline Family1', user_metadata: { plan: 'pro' } });
    c.createUser(auth0User(100));
    c.deleteUser(users[1]!.user_id!);
    const streamed = sim.outbox.splice(0);
    // Changes reported only by the log stream: a signup, a deletion, a password change.
    c.createUser(auth0User(101));
    c.deleteUser(users[2]!.user_id!);
    sim.outbox.splice(0);
    const logs = [
      logRecord('90020250101000000000000001', 'ss', auth0User(101).user_id!),
      logRecord('90020250101000000000000002', 'sdu', users[2]!.user_id!),
      logRecord('90020250101000000000000003', 'scp', users[3]!.user_id!),
      logRecord('90020250101000000000000004', 'slo', users[4]!.user_id!),
    ];

    // The newer update first, every CloudEvent twice, the older update last.
    for (const e of [streamed[1]!, streamed[2]!, streamed[3]!]) assert.equal((await post(e)).status, 200);
    assert.equal((await post(logs)).status, 200, 'a JSON array of log records');
    for (const e of streamed.slice(1)) assert.equal((await post(e)).status, 200);
    assert.equal((await post(logs.map((l) => JSON.stringify(l)).join('\n'), TOKEN, 'application/x-ndjson')).status, 200, 'JSON lines, the token sent verbatim');
    const driver = new SqliteDriver(state);
    const store = await SyncStore.attach(driver);
    try {
      // The older update arrives late, after the newer one was applied.
      await drained(store);
      assert.equal((await post(streamed[0]!)).status, 200);
      const stats = await drained(store);
      assert.equal(stats.quarantined, 0, JSON.stringify(await store.quarantined()));
      assert.equal(stats.duplicate, 3 + 4);
      assert.ok(stats.outOfOrder >= 1, JSON.stringify((await store.all()).map((r) => [r.type, r.subject, r.state, r.lastError]), null, 0));
      const rows = await store.all();
      assert.equal(rows.length, 4 + 4);
      for (const r of rows) assert.equal(r.applications, 1, `${r.type} ${r.subject} applied once`);
      assert.equal(rows.find((r) => r.type === 'log.slo')?.state, 'ignored', 'a log type sync does not act on is ignored');
    } finally {
      await driver.close();
    }

    const report = await verify({ source: { from: 'auth0', api: true, apiUrl: sim.url, env }, target: { to: 'better-auth', db, env } });
    assert.equal(report.counts.missing, 0, JSON.stringify(report.missing));
    assert.equal(report.counts.extra, 0, JSON.stringify(report.extra));
    assert.equal(report.counts.mismatches, 0, JSON.stringify(report.mismatches));

    const app = new Database(db, { readonly: true });
    const gwState = new Database(state, { readonly: true });
    try {
      const has = (id: string) => app.prepare('SELECT 1 FROM user WHERE id = ?').get(id) !== undefined;
      assert.equal(has(users[1]!.user_id!), false, 'deleted by its CloudEvent');
      assert.equal(has(users[2]!.user_id!), false, 'deleted by its log record');
      assert.equal(has(auth0User(101).user_id!), true, 'a signup from the log stream, read from the API');
      const row = gwState.prepare('SELECT state FROM gateway_users WHERE source_id = ?').get(users[3]!.user_id!) as { state: string } | undefined;
      assert.equal(row?.state, 'legacy', 'a password changed at Auth0 puts the user back on legacy');
      const ident = gwState.prepare('SELECT source_id FROM gateway_identifiers WHERE identifier = ?').get('a0user4@example.com') as { source_id: string } | undefined;
      assert.equal(ident?.source_id, users[3]!.user_id, 'the login resolves to that row, not to the bulk shortcut');
    } finally {
      app.close();
      gwState.close();
    }
  });

  it('organization CloudEvents (created, updated, deleted; shapes of auth0 7.1 EventStreamCloudEventOrg*), twice and the older rename late: created, renamed, deleted once each', async () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const orgEvent = (id: string, type: string, time: string, object: Record<string, unknown>) => ({
      specversion: '1.0',
      type,
      source: 'urn:auth0:tenant.example.auth0.com',
      id,
      time,
      data: { object },
      a0tenant: 'tenant',
      a0stream: 'est_1',
    });
    const created = orgEvent('evt_org_1', 'organization.created', at(1), { id: 'org_a0sync', name: 'globex', display_name: 'Globex', metadata: { tier: 'gold' } });
    const older = orgEvent('evt_org_2', 'organization.updated', at(2), { id: 'org_a0sync', name: 'globex', display_name: 'Globex Older' });
    const newer = orgEvent('evt_org_3', 'organization.updated', at(3), { id: 'org_a0sync', name: 'globex-corp', display_name: 'Globex Corporation', metadata: { tier: 'platinum' } });
    const doomed = orgEvent('evt_org_4', 'organization.created', at(4), { id: 'org_a0doomed', name: 'doomed', display_name: 'Doomed' });
    const deleted = orgEvent('evt_org_5', 'organization.deleted', at(5), { id: 'org_a0doomed', name: 'doomed', display_name: 'Doomed' });
    const org = (id: string) => {
      const app = new Database(db, { readonly: true });
      try {
        return app.prepare('SELECT name, slug, metadata FROM organization WHERE id = ?').get(id) as { name: string; slug: string; metadata: string | null } | undefined;
      } finally {
        app.close();
      }
    };
    for (const e of [created, newer, doomed, deleted]) {
      assert.equal((await post(e)).status, 200);
      assert.equal((await post(e)).status, 200, 'a redelivery');
    }
    const driver = new SqliteDriver(state);
    const store = await SyncStore.attach(driver);
    try {
      await drained(store);
      assert.equal((await post(older)).status, 200, 'the older rename, late');
      const stats = await drained(store);
      assert.equal(stats.quarantined, 0, JSON.stringify(await store.quarantined()));
      const rows = (await store.all()).filter((r) => r.subject.startsWith('org:'));
      assert.equal(rows.length, 5);
      for (const r of rows) assert.equal(r.applications, 1, `${r.type} ${r.subject} applied once`);
      assert.equal(rows.find((r) => r.id === 'auth0:evt:evt_org_2')?.state, 'stale', 'the older rename is stale');
    } finally {
      await driver.close();
    }
    const globex = org('org_a0sync');
    assert.deepEqual([globex?.name, globex?.slug, JSON.parse(globex?.metadata ?? '{}')], ['Globex Corporation', 'globex-corp', { tier: 'platinum' }], 'display_name is the name, name the slug');
    assert.equal(org('org_a0doomed'), undefined, 'the deleted organization is gone');
  });
});

describe('Auth0 organization membership events (member added/deleted, role assigned/deleted) into Better Auth through serve', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'auth.db');
  const state = join(tmp.dir, 'state.db');
  const [u1, u2, u3] = [auth0User(201), auth0User(202), auth0User(203)];
  const admin = { id: 'rol_admin', name: 'admin' };
  const member = { id: 'rol_member', name: 'member' };
  let sim: Auth0Simulator;
  let gw: ServeHandle;
  let env: Record<string, string>;

  before(async () => {
    sim = await startAuth0Simulator({
      users: [u1, u2, u3],
      organizations: [
        { id: 'org_a0acme', name: 'acme', display_name: 'Acme' },
        { id: 'org_a0globex', name: 'globex', display_name: 'Globex' },
      ],
      memberships: [
        { organization_id: 'org_a0acme', user_id: u1.user_id, roles: [member] },
        { organization_id: 'org_a0acme', user_id: u2.user_id, roles: [admin] },
      ],
    });
    env = { AUTH0_DOMAIN: sim.domain, AUTH0_CLIENT_ID: sim.clientId, AUTH0_CLIENT_SECRET: sim.clientSecret, AUTH0_WEBHOOK_TOKEN: TOKEN };
    await migrate({ source: { from: 'auth0', api: true, apiUrl: sim.url, env }, target: { to: 'better-auth', db, env }, state });
    gw = await serve({ from: 'auth0', legacy: 'api', source: { apiUrl: sim.url }, target: { to: 'better-auth', db }, state, env, port: 0, logLevel: 'silent', sync: { onDelete: 'delete' } });
  });
  after(async () => {
    await gw?.close();
    await sim?.close();
    tmp.remove();
  });

  const post = async (body: unknown) => (await fetch(`${gw.url}/v1/sync/auth0`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
  const roles = () => {
    const app = new Database(db, { readonly: true });
    try {
      const rows = app.prepare('SELECT userId, organizationId, role FROM member ORDER BY userId, organizationId').all() as { userId: string; organizationId: string; role: string }[];
      return rows.map((r) => `${r.userId} ${r.organizationId} ${r.role}`);
    } finally {
      app.close();
    }
  };

  it('added, role changed, removed: each applied once however often delivered, a late older event does not undo a newer state', async () => {
    assert.deepEqual(roles(), [`${u1.user_id} org_a0acme member`, `${u2.user_id} org_a0acme admin`], 'the bulk import moved the memberships');
    const c = sim.change;
    c.addMember('org_a0globex', u3.user_id!, [member]); // added, with a role
    c.assignMemberRoles('org_a0acme', u1.user_id!, [admin]); // role changed: member → admin
    c.removeMemberRoles('org_a0acme', u1.user_id!, [member.id]);
    c.removeMember('org_a0acme', u2.user_id!); // removed
    c.addMember('org_a0globex', u2.user_id!); // added, then removed again
    c.removeMember('org_a0globex', u2.user_id!);
    const events = sim.outbox.splice(0) as { type: string; id: string; data: { object: Record<string, unknown> } }[];
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'organization.member.added',
        'organization.member.role.assigned',
        'organization.member.role.assigned',
        'organization.member.role.deleted',
        'organization.member.deleted',
        'organization.member.added',
        'organization.member.deleted',
      ],
    );
    // The shapes of the auth0 SDK's EventStreamCloudEventOrgMember*CloudEvent.
    assert.deepEqual(events[0]!.data.object, { organization: { id: 'org_a0globex', name: 'globex' }, user: { user_id: u3.user_id } });
    assert.deepEqual(events[3]!.data.object, { organization: { id: 'org_a0acme' }, user: { user_id: u1.user_id }, role: member });

    const lateAdd = events[5]!;
    // Newest first (the removals before the additions and role changes), every event twice; u2's addition to Globex late.
    const order = [events[6]!, events[4]!, events[3]!, events[2]!, events[1]!, events[0]!];
    for (const e of order) assert.equal(await post(e), 200);
    for (const e of order) assert.equal(await post(e), 200, 'a redelivery');
    const driver = new SqliteDriver(state);
    const store = await SyncStore.attach(driver);
    try {
      await drained(store);
      assert.equal(await post(lateAdd), 200, 'the addition that a later removal undid, late');
      assert.equal(await post(lateAdd), 200);
      const stats = await drained(store);
      assert.equal(stats.quarantined, 0, JSON.stringify(await store.quarantined()));
      assert.equal(stats.duplicate, 7, 'every second delivery was a no-op');
      const rows = await store.all();
      assert.equal(rows.length, 7);
      for (const r of rows) {
        assert.equal(r.applications, 1, `${r.type} ${r.subject} applied once`);
        assert.equal(r.state, 'applied', `${r.type} ${r.subject}: ${r.lastError ?? ''}`);
      }
      assert.deepEqual([...new Set(rows.map((r) => r.subject))].sort(), [u1.user_id, u2.user_id, u3.user_id].sort(), 'each event is about its member');
    } finally {
      await driver.close();
    }
    assert.deepEqual(roles(), [`${u1.user_id} org_a0acme admin`, `${u3.user_id} org_a0globex member`], 'u1 is an admin now, u2 a member of nothing, u3 a member of Globex');

    const report = await verify({ source: { from: 'auth0', api: true, apiUrl: sim.url, env }, target: { to: 'better-auth', db, env } });
    assert.equal(report.counts.missing, 0, JSON.stringify(report.missing));
    assert.equal(report.counts.mismatches, 0, JSON.stringify(report.mismatches));
    assert.equal(report.counts.missingMemberships, 0, JSON.stringify(report.missingMemberships));
  });
});
