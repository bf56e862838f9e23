/**
 * WorkOS as a sync target for organization updates: WorkOS documents no way to remove one metadata
 * key on `PUT /organizations/{id}` (metadata is "key/value pairs"; flagless cannot tell its keys from
 * the application's), so a key removed at the source stays. The target declares it
 * (`keepsRemovedOrganizationMetadata`) and sync's note for the update says so, while added and
 * changed keys and the name are applied.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkOS } from '@workos-inc/node';
import { target as workos } from '../../src/connectors/workos/index.js';
import { startWorkosSimulator, type WorkosSimulator } from '../../src/connectors/workos/sim/server.js';
import { applyEvent } from '../../src/engine/sync/apply-change.js';
import type { Organization } from '../../src/model/user.js';
import type { Target } from '../../src/protocol/target.js';
import { SqliteDriver } from '../../src/state/sqlite-driver.js';
import { SyncStore } from '../../src/state/sync/store.js';
import { tempDir } from './helpers.js';

describe('sync: organization metadata into WorkOS (simulator)', { timeout: 60_000 }, () => {
  const tmp = tempDir();
  let sim: WorkosSimulator;
  let target: Target & { close(): Promise<void> };
  let driver: SqliteDriver;

  before(async () => {
    sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0 });
    target = await workos.open({ env: { WORKOS_API_KEY: sim.apiKey, WORKOS_CLIENT_ID: sim.clientId }, url: sim.url });
    driver = new SqliteDriver(join(tmp.dir, 'state.db'));
  });
  after(async () => {
    await target?.close();
    await sim?.stop();
    await driver?.close();
    tmp.remove();
  });

  it('a rename with a key removed at the source: the name and changed keys applied, the removed key kept, and the note says so', async () => {
    assert.equal(target.capabilities.keepsRemovedOrganizationMetadata, true);
    const store = await SyncStore.attach(driver);
    const org: Organization = { sourceId: 'org_meta', name: 'Meta Co', metadata: { tier: 'gold', region: 'eu' } };
    const apply = (state: Organization, at: number) =>
      applyEvent(
        { vendor: 'clerk', target, store, onDelete: 'delete', decode: () => ({ kind: 'organization', organization: state, updatedAtMs: at }) },
        { id: `evt_${at}`, type: 'organization.updated', subject: `org:${org.sourceId}`, occurredAtMs: at, body: '{}' },
      );
    const created = await apply(org, 1_000);
    assert.equal(created.state, 'applied');
    assert.doesNotMatch(created.note, /keeps metadata/, 'a create carries every key');
    const updated = await apply({ ...org, name: 'Meta Corporation', metadata: { tier: 'platinum' } }, 2_000);
    assert.equal(updated.state, 'applied');
    assert.match(updated.note, /WorkOS keeps metadata keys removed at the source/);

    const u = new URL(sim.url);
    const sdk = new WorkOS(sim.apiKey, { apiHostname: u.hostname, port: Number(u.port), https: false });
    const at = await sdk.organizations.getOrganization(updated.organization!.state.targetId!);
    assert.equal(at.name, 'Meta Corporation');
    assert.equal(at.metadata.tier, 'platinum', 'a changed key is applied');
    assert.equal(at.metadata.region, 'eu', 'the key removed at the source stays at WorkOS (lossy, as the note says)');
  });
});
