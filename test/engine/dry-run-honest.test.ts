import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { SOURCE_MODULES } from '../../src/connectors/index.js';
import { startWorkosSimulator, type WorkosSimulator } from '../../src/connectors/workos/sim/server.js';
import type { DryRunReport } from '../../src/engine/dry-run.js';
import { duration } from '../../src/engine/estimate.js';
import type { MigrateSummary } from '../../src/engine/summary.js';
import { flaglessAsync } from '../helpers/cli.js';
import { tempDir } from './fixtures.js';

/**
 * Issue 14 §3: `--dry-run` reports exactly the loss the real run reports (the connector's own
 * notes included), predicts the duplicate-email quarantines, and says how long the import takes.
 * A generated Clerk export with its traps and API dump (metadata, extra addresses) into the WorkOS
 * simulator, through the CLI.
 */
describe('migrate --dry-run tells the truth about the real run', () => {
  const { dir, cleanup } = tempDir();
  let sim: WorkosSimulator;
  const file = join(dir, 'users.csv');
  before(async () => {
    const clerk = await SOURCE_MODULES.clerk();
    await clerk.generate({ users: 240, out: file, seed: 5 });
    sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0, seed: 5 });
  });
  after(async () => {
    await sim.stop();
    cleanup();
  });

  test('same lossy records and reasons, predicted quarantines, and a time at the limit', async () => {
    const env = { WORKOS_API_URL: sim.url, WORKOS_API_KEY: sim.apiKey, WORKOS_CLIENT_ID: sim.clientId };
    const args = ['migrate', '--from', 'clerk', '--file', file, '--api-dump', join(dir, 'users.api.json'), '--to', 'workos', '--state', join(dir, 'state.db'), '--json'];
    const dry = await flaglessAsync([...args, '--dry-run'], { env });
    assert.equal(dry.code, 1, 'predicted quarantines need attention: exit 1 like the real run');
    const plan = (JSON.parse(dry.stdout) as { plan: DryRunReport }).plan;
    assert.equal(sim.stats().writes, 0);

    const real = await flaglessAsync(args, { env });
    assert.equal(real.code, 1, real.stderr);
    const s = JSON.parse(real.stdout) as MigrateSummary;
    assert.ok(plan.users.lossy > 0);
    assert.equal(plan.users.lossy, s.plan!.users.lossy, 'lossy users: dry run = real run');
    assert.equal(plan.users.lossy, s.users.lossy);
    const reasons = (p: DryRunReport | MigrateSummary['plan']) => p!.reasons.map((r) => `${r.count} ${r.entity} ${r.field}: ${r.reason}`).sort();
    assert.deepEqual(reasons(plan), reasons(s.plan), 'every reason, with its count');

    const quarantinedDuplicates = s.quarantine.filter((q) => q.kind === 'user' && q.code === 'E_DUPLICATE_EMAIL').length;
    assert.ok(quarantinedDuplicates > 0, 'the generated traps include duplicate emails');
    assert.equal(plan.predictedQuarantines.duplicateEmail, quarantinedDuplicates);

    // 50 writes/s is WorkOS's documented limit; the estimate counts the writes the real run sent.
    assert.equal(plan.estimate.writeRate, 50);
    // Within 1 %: the plan does not know which memberships wait on a quarantined user.
    assert.ok(Math.abs(plan.estimate.writes - s.writes) <= Math.ceil(s.writes / 100), `estimated ${plan.estimate.writes} writes, the run sent ${s.writes}`);
    assert.match(plan.estimate.text, /^about \d+ (s|min) at 50 writes\/s$/);
    const human = await flaglessAsync(args.filter((a) => a !== '--json').concat('--dry-run'), { env });
    assert.match(human.stdout, /will quarantine \d+ users sharing an address/);
    assert.match(human.stdout, /time\s+about \d+ (s|min) at 50 writes\/s/);
  });

  test('durations read the way a team plans a window', () => {
    assert.equal(duration(0.2), '1 s');
    assert.equal(duration(59.2), '60 s');
    assert.equal(duration(3120), '52 min');
    assert.equal(duration(3 * 3600 + 600), '3 h 10 min');
  });
});
