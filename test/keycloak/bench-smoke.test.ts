import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runKeycloakBench } from '../../bench/keycloak.js';
import { releaseKeycloak } from './server-helper.js';

after(() => releaseKeycloak());

/** The benchmark's smoke mode, so `npm run bench:keycloak` cannot rot: 200 users, same code path. */
test('bench:keycloak --smoke: flagless and the direct partial import both land every user; sign-ins work', { timeout: 5 * 60_000 }, async () => {
  const r = await runKeycloakBench({ users: 200, rounds: 1, concurrency: 2 });
  for (const c of r.cases) {
    assert.equal(c.usersInRealm, 200, `${c.name}: every user in the realm`);
    assert.equal(c.quarantined, 0);
  }
  const flagless = r.cases.find((c) => c.name === 'flagless')!;
  assert.equal(flagless.requests, Math.ceil(200 / r.batchSize), 'one write request per batch');
  assert.deepEqual(r.signIns, { tried: 3, succeeded: 3 });
  // 200 users are a fraction of a second of work next to start-up costs: the full run measures the ratio.
  assert.ok(r.ratio > 0.2, `ratio ${r.ratio}`);
});
