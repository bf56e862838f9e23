/**
 * Organizations renamed and deleted at Clerk while both providers run, into Better Auth (SQLite)
 * through `flagless serve`: `organization.updated` renames the organization the bulk import made,
 * `organization.deleted` deletes it with its memberships (the users stay), each event applied
 * once however often Svix delivers it, a late older state never undoes a newer one, and a
 * deleted organization never comes back. Then `sync reconcile` catches a rename and a deletion
 * whose webhooks never arrived: the rename applied, the deletion reported, and done only with
 * --delete-missing-orgs.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../../src/app/migrate.js';
import { serve, type ServeHandle } from '../../src/app/serve.js';
import { startClerkSimulator, type ClerkSimulator } from '../../src/connectors/clerk/sim/backend-api.js';
import { WebhookSigner, deliver, type SignedDelivery } from '../../src/connectors/clerk/sim/webhooks.js';
import { SqliteDriver } from '../../src/state/sqlite-driver.js';
import { SyncStore } from '../../src/state/sync/store.js';
import { flaglessAsync } from '../helpers/cli.js';
import { SECRET_KEY, WEBHOOK_SECRET, clerkEnv, clerkUser, drained, tempDir } from './helpers.js';

describe('Clerk organization renames and deletions into Better Auth (SQLite) through serve', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'auth.db');
  const state = join(tmp.dir, 'state.db');
  let sim: ClerkSimulator;
  let gw: ServeHandle;
  const env = clerkEnv();
  const users = Array.from({ length: 4 }, (_, i) => clerkUser(i + 1));
  const signer = new WebhookSigner(WEBHOOK_SECRET);

  before(async () => {
    sim = await startClerkSimulator(
      {
        users,
        organizations: [
          { id: 'org_acme', name: 'Acme', slug: 'acme' },
          { id: 'org_gone', name: 'Gone Inc', slug: 'gone-inc' },
          { id: 'org_later', name: 'Later Ltd', slug: 'later-ltd' },
          { id: 'org_lost', name: 'Lost LLC', slug: 'lost-llc' },
        ],
        memberships: [
          { role: 'org:admin', organization: { id: 'org_acme' }, public_user_data: { user_id: users[0]!.id } },
          { role: 'org:member', organization: { id: 'org_gone' }, public_user_data: { user_id: users[1]!.id } },
          { role: 'org:member', organization: { id: 'org_acme' }, public_user_data: { user_id: users[1]!.id } },
          { role: 'org:member', organization: { id: 'org_lost' }, public_user_data: { user_id: users[2]!.id } },
        ],
      },
      { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET },
    );
    // Day one: the bulk import, organizations and memberships included.
    await migrate({ source: { from: 'clerk', api: true, apiUrl: sim.url, env }, target: { to: 'better-auth', db, env }, state });
    gw = await serve({ from: 'clerk', legacy: 'api', source: { apiUrl: sim.url }, target: { to: 'better-auth', db }, state, env, port: 0, logLevel: 'silent', sync: { onDelete: 'delete' } });
  });
  after(async () => {
    await gw?.close();
    await sim?.close();
    tmp.remove();
  });

  const post = (d: SignedDelivery) => deliver(`${gw.url}/v1/sync/clerk`, d);
  const read = <T>(fn: (sqlite: Database.Database) => T): T => {
    const sqlite = new Database(db, { readonly: true });
    try {
      return fn(sqlite);
    } finally {
      sqlite.close();
    }
  };
  const org = (id: string) => read((s) => s.prepare('SELECT name, slug, metadata FROM organization WHERE id = ?').get(id) as { name: string; slug: string; metadata: string | null } | undefined);
  const members = (id: string) => read((s) => (s.prepare('SELECT userId FROM member WHERE organizationId = ? ORDER BY userId').all(id) as { userId: string }[]).map((r) => r.userId));
  const withStore = async <T>(fn: (store: SyncStore) => Promise<T>): Promise<T> => {
    const driver = new SqliteDriver(state);
    try {
      return await fn(await SyncStore.attach(driver));
    } finally {
      await driver.close();
    }
  };

  it('organization.updated renames an organization the bulk import made (regression: it was only created when missing)', async () => {
    assert.equal(org('org_acme')?.name, 'Acme', 'the import made it');
    sim.change.updateOrganization('org_acme', { name: 'Acme Corporation', slug: 'acme-corp', public_metadata: { tier: 'gold' } });
    const [renamed] = sim.outbox.splice(0);
    assert.equal(await post(renamed!), 200);
    await withStore((store) => drained(store));
    assert.deepEqual({ ...org('org_acme'), metadata: JSON.parse(org('org_acme')!.metadata ?? '{}') }, { name: 'Acme Corporation', slug: 'acme-corp', metadata: { tier: 'gold' } });
    assert.deepEqual(members('org_acme'), [users[0]!.id, users[1]!.id].sort(), 'its members stay members');
    sim.change.updateOrganization('org_acme', { public_metadata: {} });
    assert.equal(await post(sim.outbox.splice(0)[0]!), 200);
    await withStore((store) => drained(store));
    assert.equal(org('org_acme')?.metadata, null, 'metadata removed at Clerk is cleared, not stored as "null"');
  });

  it('renames and deletions delivered twice, newest first and late: applied once, newest state wins, a deleted organization stays deleted', async () => {
    const c = sim.change;
    c.updateOrganization('org_acme', { name: 'Acme Older' });
    c.updateOrganization('org_acme', { name: 'Acme Newest' });
    c.updateOrganization('org_gone', { name: 'Gone Before Deletion' });
    c.deleteOrganization('org_gone');
    const [older, newest, goneRenamed, goneDeleted] = sim.outbox.splice(0);
    // The newest rename and the deletion first, each twice (a Svix retry: same id, new signature).
    for (const d of [newest!, goneDeleted!]) {
      assert.equal(await post(d), 200);
      assert.equal(await post(signer.resign(d)), 200);
    }
    await withStore((store) => drained(store));
    // Then the older states, late.
    for (const d of [older!, goneRenamed!]) assert.equal(await post(d), 200);
    const stats = await withStore(async (store) => {
      const s = await drained(store);
      assert.equal(s.quarantined, 0, JSON.stringify(await store.quarantined()));
      const rows = (await store.all()).filter((r) => r.subject.startsWith('org:'));
      for (const r of rows) assert.equal(r.applications, 1, `${r.type} ${r.subject} applied exactly once`);
      assert.deepEqual(
        rows.filter((r) => r.id.endsWith(':' + older!.headers['svix-id']) || r.id.endsWith(':' + goneRenamed!.headers['svix-id'])).map((r) => r.state),
        ['stale', 'stale'],
        'the late older states are stale',
      );
      assert.equal((await store.orgState('clerk', 'org_gone'))?.status, 'deleted');
      return s;
    });
    assert.equal(stats.duplicate, 2, 'every second delivery was a no-op');
    assert.ok(stats.outOfOrder >= 2, 'the late states were found out of order');
    assert.equal(org('org_acme')?.name, 'Acme Newest', 'the late older rename did not win');
    assert.equal(org('org_gone'), undefined, 'the deleted organization is gone, and the late rename did not bring it back');
    assert.deepEqual(members('org_gone'), [], 'its memberships went with it');
    assert.ok(read((s) => s.prepare('SELECT 1 FROM user WHERE id = ?').get(users[1]!.id)), 'its member is still a user');
    assert.deepEqual(members('org_acme'), [users[0]!.id, users[1]!.id].sort(), 'other memberships are untouched');
  });

  it('`sync reconcile` renames an organization whose webhook never arrived; one gone from Clerk is reported, and deleted only with --delete-missing-orgs', async () => {
    sim.change.updateOrganization('org_later', { name: 'Later Intermediate' });
    sim.change.updateOrganization('org_later', { name: 'Later Renamed' });
    sim.change.deleteOrganization('org_lost');
    const [intermediate] = sim.outbox.splice(0); // lost (Clerk does not guarantee delivery), or delayed
    const args = ['sync', 'reconcile', '--from', 'clerk', '--api', '--source-url', sim.url, '--to', 'better-auth', '--db', db, '--state', state, '--json'];
    const first = await flaglessAsync(args, { env });
    assert.equal(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout) as { organizations: number; organizationsChanged: number; organizationsMissing: number; missingOrganizationIds: string[]; organizationsDeleted: number };
    assert.equal(out.organizations, 2, 'Acme and Later are listed');
    assert.equal(out.organizationsChanged, 1, 'the renamed one');
    assert.deepEqual([out.organizationsMissing, out.missingOrganizationIds, out.organizationsDeleted], [1, ['org_lost'], 0], 'the one gone from Clerk is reported, not deleted');
    assert.equal(org('org_later')?.name, 'Later Renamed');
    assert.equal(org('org_lost')?.name, 'Lost LLC', 'kept without --delete-missing-orgs');
    // The intermediate rename's webhook arrives after reconcile applied the newer state (regression:
    // reconcile's rename set no watermark, so this older state renamed it back).
    assert.equal(await post(intermediate!), 200);
    await withStore(async (store) => {
      await drained(store);
      const row = (await store.all()).find((r) => r.id.endsWith(':' + intermediate!.headers['svix-id']));
      assert.equal(row?.state, 'stale', 'a webhook older than the state reconcile saw is stale');
      assert.equal(row?.applications, 1);
    });
    assert.equal(org('org_later')?.name, 'Later Renamed', 'the late older webhook did not undo the rename reconcile applied');
    // Its member's memberships follow Clerk's, where the organization's memberships went with it.
    assert.deepEqual(members('org_lost'), []);

    const human = await flaglessAsync(args.filter((a) => a !== '--json'), { env });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /1 gone from the source and kept at the target \(org_lost; --delete-missing-orgs deletes them\)/);

    const deleting = await flaglessAsync([...args, '--delete-missing-orgs'], { env });
    assert.equal(deleting.code, 0, deleting.stderr);
    const d = JSON.parse(deleting.stdout) as { organizationsChanged: number; organizationsDeleted: number };
    assert.deepEqual([d.organizationsChanged, d.organizationsDeleted], [0, 1], 'nothing left to rename; the missing one deleted');
    assert.equal(org('org_lost'), undefined);
    assert.deepEqual(members('org_lost'), []);
    assert.ok(read((s) => s.prepare('SELECT 1 FROM user WHERE id = ?').get(users[2]!.id)), 'its member is still a user');

    // `ids export` shows the organizations sync deleted, as it shows deleted users (regression: only users were marked).
    const ids = await flaglessAsync(['ids', 'export', '--state', state, '--format', 'json']);
    assert.equal(ids.code, 0, ids.stderr);
    const orgRows = new Map(
      (JSON.parse(ids.stdout) as { kind: string; sourceId: string; targetId: string; status: string }[]).filter((r) => r.kind === 'organization').map((r) => [r.sourceId, r]),
    );
    assert.equal(orgRows.get('org_gone')?.status, 'deleted', 'deleted by its organization.deleted webhook');
    assert.equal(orgRows.get('org_lost')?.status, 'deleted', 'deleted by reconcile --delete-missing-orgs');
    assert.equal(orgRows.get('org_gone')?.targetId, 'org_gone', 'with the target id it had');
    assert.deepEqual([orgRows.get('org_acme')?.status, orgRows.get('org_later')?.status], ['present', 'present']);
    const csv = await flaglessAsync(['ids', 'export', '--state', state, '--format', 'csv']);
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout, /^organization,org_lost,org_lost,[^,\n]*,[^,\n]*,deleted$/m);

    const again = await flaglessAsync([...args, '--delete-missing-orgs'], { env });
    assert.equal(again.code, 0, again.stderr);
    const a = JSON.parse(again.stdout) as { organizationsChanged: number; organizationsMissing: number; organizationsDeleted: number };
    assert.deepEqual([a.organizationsChanged, a.organizationsMissing, a.organizationsDeleted], [0, 0, 0], 'a further pass finds nothing to do');
  });
});
