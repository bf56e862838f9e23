/**
 * `sync reconcile` compares a listed organization's name with the names the target would store for
 * it (`Target.organizationNames`), not with the source's name as is: Keycloak appends the source id
 * to a name another organization holds, and an organization held under that form is unchanged, not
 * queued for a rename on every pass (regression: it was queued every time and applied nothing).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { keycloakOrganizationNames } from '../../src/connectors/keycloak/map.js';
import { reconcileSource } from '../../src/engine/sync/reconcile.js';
import type { Organization } from '../../src/model/user.js';
import type { SourceItem } from '../../src/protocol/source.js';
import type { Target, TargetOrgRef } from '../../src/protocol/target.js';
import { SqliteDriver } from '../../src/state/sqlite-driver.js';
import { SyncStore } from '../../src/state/sync/store.js';
import { FAKE_CAPABILITIES } from '../engine/fake-target.js';
import { tempDir } from './helpers.js';

async function* listing(orgs: Organization[]): AsyncIterable<SourceItem> {
  for (const organization of orgs) yield { type: 'organization', organization };
}

/** A target holding organizations by source id under the names given, as Keycloak's lookup answers. */
function holding(held: Map<string, string>, names?: (org: Organization) => readonly string[]): Target {
  return {
    capabilities: { ...FAKE_CAPABILITIES, updatesOrganizations: true },
    async findOrganization(key: { externalId: string }): Promise<TargetOrgRef | undefined> {
      const name = held.get(key.externalId);
      return name === undefined ? undefined : { id: `kc-${key.externalId}`, externalId: key.externalId, name };
    },
    async updateOrganization(ref: TargetOrgRef): Promise<TargetOrgRef> {
      return ref;
    },
    ...(names ? { organizationNames: names } : {}),
  } as unknown as Target;
}

describe('sync reconcile: organization names as the target stores them', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  it('an organization held under its disambiguated Keycloak name is unchanged; a real rename is still found', async () => {
    const driver = new SqliteDriver(join(tmp.dir, 'state.db'));
    try {
      const store = await SyncStore.attach(driver);
      const acme: Organization = { sourceId: 'org_acme2', name: 'Acme', slug: 'acme', metadata: {} };
      const spaced: Organization = { sourceId: 'org_spaced', name: '  Spaced Inc ', metadata: {} };
      const renamed: Organization = { sourceId: 'org_renamed', name: 'New Name', metadata: {} };
      const [disambiguated] = keycloakOrganizationNames(acme).slice(1);
      assert.equal(disambiguated, 'Acme (org_acme2)', 'the form Keycloak falls back to when another organization is named Acme');
      const held = new Map([
        [acme.sourceId, disambiguated!],
        [spaced.sourceId, 'Spaced Inc'],
        [renamed.sourceId, 'Old Name'],
      ]);
      const run = async (target: Target, nowMs: number) =>
        reconcileSource({ vendor: 'clerk', items: listing([acme, spaced, renamed]), store, target, nowMs });

      const first = await run(holding(held, keycloakOrganizationNames), 1_000);
      assert.equal(first.organizations, 3);
      assert.equal(first.organizationsChanged, 1, 'only the renamed organization is queued');
      const queued = (await store.all()).map((r) => r.subject);
      assert.deepEqual(queued, ['org:org_renamed']);
      // The rename applied (the target now holds the new name): a second pass finds nothing to do.
      held.set(renamed.sourceId, 'New Name');
      const second = await run(holding(held, keycloakOrganizationNames), 2_000);
      assert.equal(second.organizationsChanged, 0, 'a second pass reports every organization unchanged');

      // A target without organizationNames: the name as the source has it.
      const plain = await run(holding(new Map([[renamed.sourceId, 'New Name']])), 3_000);
      assert.equal(plain.organizationsChanged, 2, 'the two organizations missing at that target are queued to be created, the renamed one is not');
    } finally {
      await driver.close();
    }
  });
});
