import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveDecisions } from '../../src/engine/decisions/resolve.js';
import { decidedIndex } from '../../src/gateway/legacy/decided-index.js';
import { buildExportIndex } from '../../src/gateway/legacy/export-index.js';
import { ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import { makeFixture, memorySource } from '../engine/fixtures.js';

/** `serve --decisions`: a decided duplicate follows the decision (issue 14 §1). */
describe('the gateway with duplicate-account decisions', () => {
  it('the shared address signs in as the kept account only, which carries its linked account\'s links and memberships', async () => {
    const f = makeFixture({ users: 10, organizations: 3 });
    const shared = f.users[2]!.emails[0]!;
    for (const i of [5, 8]) f.users[i]!.emails = [{ ...shared }];
    f.users[8]!.identities = [{ provider: 'github', providerUserId: 'gh-8', kind: 'social' }];
    f.users[8]!.memberships = [{ organizationId: 'org_1', roles: ['admin'] }];
    f.users[5]!.memberships = [{ organizationId: 'org_2', roles: ['member'] }];
    const password = (i: number) => [...f.passwords.values()][i % 4]!;
    const row = (i: number, decision: 'keep' | 'skip' | 'link') => ({ email: shared.address, sourceId: f.users[i]!.sourceId, decision, reason: '' });
    const decisions = await resolveDecisions(memorySource(f), [row(2, 'skip'), row(5, 'keep'), row(8, 'link')], 'd.csv');

    const plain = new ExportVerifier(await buildExportIndex(memorySource(f), 'memory'));
    const decided = new ExportVerifier(decidedIndex(await buildExportIndex(memorySource(f), 'memory'), decisions));

    const kept = await decided.verify(shared.address, password(5));
    assert.ok(kept.ok, JSON.stringify(kept));
    assert.equal(kept.sourceId, f.users[5]!.sourceId);
    assert.deepEqual(kept.user!.identities.map((i) => i.providerUserId), ['gh-8']);
    assert.deepEqual(kept.user!.memberships.map((m) => m.organizationId).sort(), ['org_1', 'org_2']);

    // The skipped account's own password no longer signs in with the address it gave up.
    const skipped = await decided.verify(shared.address, password(2));
    assert.equal(skipped.ok, false);
    // Without decisions the address names several accounts: the right password is answered with a request for a decision (never a guess).
    const before = await plain.verify(shared.address, password(2));
    assert.ok(!before.ok && before.reason === 'needs_decision', JSON.stringify(before));
    assert.equal((await decided.lookup(shared.address))?.sourceId, f.users[5]!.sourceId, 'the address names one account');
  });
});
