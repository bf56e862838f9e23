/**
 * Clerk webhooks (svix-signed) applied to the real Keycloak through `flagless serve --sync`:
 * delivered twice, out of order and late; then `verify` against Clerk's latest state finds nothing
 * missing, extra or mismatched and the deleted user is gone from the realm.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { migrate } from '../../src/app/migrate.js';
import { serve, type ServeHandle } from '../../src/app/serve.js';
import { verify } from '../../src/app/verify.js';
import { connectKeycloak } from '../../src/connectors/keycloak/admin-client.js';
import { KeycloakAdminHttp } from '../../src/connectors/keycloak/admin-http.js';
import type { ClerkSimulator } from '../../src/connectors/clerk/sim/backend-api.js';
import { WebhookSigner, deliver } from '../../src/connectors/clerk/sim/webhooks.js';
import { SqliteDriver } from '../../src/state/sqlite-driver.js';
import { SyncStore } from '../../src/state/sync/store.js';
import { releaseKeycloak, useKeycloak } from '../keycloak/server-helper.js';
import { WEBHOOK_SECRET, clerkEnv, clerkSim, clerkUser, drained, tempDir } from './helpers.js';

describe('Clerk webhooks into the real Keycloak through serve', { timeout: 15 * 60_000 }, () => {
  const tmp = tempDir();
  const state = join(tmp.dir, 'state.db');
  const realm = `flagless-sync-${process.pid}-${randomBytes(3).toString('hex')}`;
  let sim: ClerkSimulator;
  let gw: ServeHandle | undefined;
  let env: Record<string, string>;
  let kcUrl = '';
  let dropRealm: (() => Promise<unknown>) | undefined;
  const users = Array.from({ length: 6 }, (_, i) => clerkUser(i + 1));

  before(async () => {
    const kc = await useKeycloak();
    kcUrl = kc.url;
    const conn = await connectKeycloak({ url: kc.url, username: kc.username, password: kc.password });
    dropRealm = () => new KeycloakAdminHttp(kc.url, realm, () => conn.admin.getAccessToken(), 120_000).request('DELETE', '', { what: 'delete realm', accept: [404] });
    env = { ...clerkEnv(), KEYCLOAK_ADMIN_USERNAME: kc.username, KEYCLOAK_ADMIN_PASSWORD: kc.password, KEYCLOAK_TIMEOUT_MS: '120000' };
    sim = await clerkSim(users, [{ id: 'org_acme', name: 'Acme', slug: 'acme' }]);
    const target = { to: 'keycloak', url: kc.url, realm, env };
    await migrate({ source: { from: 'clerk', api: true, apiUrl: sim.url, env }, target, state });
    gw = await serve({ from: 'clerk', legacy: 'api', source: { apiUrl: sim.url }, target, state, env, port: 0, logLevel: 'silent', sync: { onDelete: 'delete' } });
  });
  after(async () => {
    await gw?.close();
    await sim?.close();
    await dropRealm?.().catch(() => undefined);
    await releaseKeycloak();
    tmp.remove();
  });

  it('applies the storm exactly once; Keycloak ends equal to Clerk', async () => {
    const c = sim.change;
    c.updateUser(users[0]!.id, { first_name: 'Ada' });
    c.updateUser(users[0]!.id, { first_name: 'Adeline', public_metadata: { plan: 'pro' } });
    c.createUser(clerkUser(100));
    c.deleteUser(users[1]!.id);
    c.setMembership(users[2]!.id, 'org_acme', 'org:admin');
    c.setMembership(users[3]!.id, 'org_acme', 'org:admin');
    c.removeMembership(users[3]!.id, 'org_acme');
    c.updateUser(users[4]!.id, {
      email_addresses: [{ id: 'idn_new5', email_address: 'moved5@example.com', verification: { status: 'verified', strategy: 'email_code' } }],
      primary_email_address_id: 'idn_new5',
    });
    const events = sim.outbox.splice(0);
    const signer = new WebhookSigner(WEBHOOK_SECRET);
    const url = `${gw!.url}/v1/sync/clerk`;
    // The newer update of user 1 first, the older one last; everything twice.
    for (const d of [events[1]!, ...events.slice(2)]) assert.equal(await deliver(url, d), 200);
    for (const d of events.slice(1)) assert.equal(await deliver(url, signer.resign(d)), 200);
    assert.equal(await deliver(url, events[0]!), 200);

    const driver = new SqliteDriver(state);
    const store = await SyncStore.attach(driver);
    try {
      const stats = await drained(store, 5 * 60_000);
      assert.equal(stats.quarantined, 0, JSON.stringify(await store.quarantined()));
      assert.equal(stats.duplicate, events.length - 1);
      for (const r of await store.all()) assert.equal(r.applications, 1, `${r.type} ${r.subject} applied once`);
    } finally {
      await driver.close();
    }

    const report = await verify({ source: { from: 'clerk', api: true, apiUrl: sim.url, env }, target: { to: 'keycloak', url: kcUrl, realm, env } });
    assert.equal(report.counts.missing, 0, JSON.stringify(report.missing));
    assert.equal(report.counts.extra, 0, JSON.stringify(report.extra));
    assert.equal(report.counts.mismatches, 0, JSON.stringify(report.mismatches));
    assert.equal(report.counts.missingMemberships, 0, JSON.stringify(report.missingMemberships));
    assert.equal(report.users.target, users.length - 1 + 1, 'the deleted user is gone, the new one is there');
  });

  it('organization.updated renames the Keycloak organization and organization.deleted deletes one, each applied once', async () => {
    const c = sim.change;
    c.createOrganization({ id: 'org_beta', name: 'Beta', slug: 'beta' });
    c.updateOrganization('org_acme', { name: 'Acme Renamed' });
    c.deleteOrganization('org_beta');
    const events = sim.outbox.splice(0);
    const signer = new WebhookSigner(WEBHOOK_SECRET);
    const url = `${gw!.url}/v1/sync/clerk`;
    for (const d of events) {
      assert.equal(await deliver(url, d), 200);
      assert.equal(await deliver(url, signer.resign(d)), 200);
    }
    const driver = new SqliteDriver(state);
    const store = await SyncStore.attach(driver);
    try {
      const stats = await drained(store, 5 * 60_000);
      assert.equal(stats.quarantined, 0, JSON.stringify(await store.quarantined()));
      for (const r of (await store.all()).filter((x) => x.subject.startsWith('org:'))) assert.equal(r.applications, 1, `${r.type} ${r.subject} applied once`);
    } finally {
      await driver.close();
    }
    const { target } = await import('../../src/connectors/keycloak/index.js');
    const kc = await target.open({ env, url: kcUrl, realm });
    try {
      const acme = await kc.findOrganization({ externalId: 'org_acme', name: '' });
      assert.equal(acme?.name, 'Acme Renamed', 'renamed in place');
      assert.equal(await kc.findOrganization({ externalId: 'org_beta', name: 'Beta' }), undefined, 'deleted');
      const member = await kc.findUser({ externalId: users[2]!.id });
      assert.ok(member);
      assert.ok((await kc.getUser(member))?.memberships.some((m) => m.organizationId === acme!.id), 'the members of the renamed organization stay');
    } finally {
      await kc.close();
    }
  });

  it('--on-delete disable: a user deleted at Clerk is disabled in Keycloak, and the id map says so', async () => {
    const { target } = await import('../../src/connectors/keycloak/index.js');
    const { applyEvent } = await import('../../src/engine/sync/apply-change.js');
    const { decodeClerkEvent } = await import('../../src/connectors/clerk/webhook.js');
    const kc = await target.open({ env, url: kcUrl, realm });
    const driver = new SqliteDriver(state);
    try {
      const store = await SyncStore.attach(driver);
      const id = users[5]!.id;
      const event = { id: 'msg_disable', type: 'user.deleted', subject: id, occurredAtMs: Date.now(), body: JSON.stringify({ type: 'user.deleted', object: 'event', data: { object: 'user', id, deleted: true } }) };
      const result = await applyEvent({ vendor: 'clerk', target: kc, store, decode: decodeClerkEvent, onDelete: 'disable' }, event);
      assert.equal(result.state, 'applied');
      assert.equal(result.user?.state.status, 'disabled');
      const ref = await kc.findUser({ externalId: id });
      assert.ok(ref, 'the account is kept');
      assert.equal((await kc.getUser(ref))?.disabled, true, 'and disabled');
    } finally {
      await driver.close();
      await kc.close();
    }
  });
});
