import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startKratosSimulator, type KratosSimulator } from '../../src/connectors/kratos/sim/server.js';
import { tempDir } from '../engine/fixtures.js';
import { flaglessAsync } from '../helpers/cli.js';
import type { FinishDoc } from './helpers.js';

/**
 * `flagless finish --to kratos` against the Kratos simulator: Kratos's courier mails each user
 * without a usable hash one recovery code (native recovery flow), once; with --links-out the admin
 * API's recovery links and codes go to the file instead and nothing is mailed.
 */
const { dir, cleanup } = tempDir();
after(cleanup);

describe('flagless finish --to kratos (Kratos simulator)', () => {
  let sim: KratosSimulator;
  let env: Record<string, string>;
  const file = join(dir, 'cognito.json');
  before(async () => {
    sim = await startKratosSimulator({ bcryptCost: 4 });
    env = { KRATOS_ADMIN_URL: sim.url, KRATOS_PUBLIC_URL: sim.url, KETO_WRITE_URL: sim.url, KETO_READ_URL: sim.url };
    const g = await flaglessAsync(['generate', 'cognito', '--users', '12', '--out', file, '--clean']);
    assert.equal(g.code, 0, g.stderr);
  });
  after(async () => sim?.stop());

  it('mails one recovery code per user through the recovery flow; a re-run mails nobody', async () => {
    const state = join(dir, 'a.db');
    const m = await flaglessAsync(['migrate', '--from', 'cognito', '--file', file, '--to', 'kratos', '--state', state], { env });
    assert.ok(m.code === 0 || m.code === 1, m.stderr);
    const first = await flaglessAsync(['finish', '--to', 'kratos', '--state', state, '--json'], { env });
    assert.equal(first.code, 0, first.stderr);
    const doc = JSON.parse(first.stdout) as FinishDoc;
    assert.ok(doc.resets.sent > 0);
    assert.ok(doc.entries.every((e) => e.result !== 'sent' || e.via === 'kratos:recovery-code-email'));
    const mailed = sim.outbox().map((x) => x.to);
    assert.equal(mailed.length, doc.resets.sent);
    assert.equal(new Set(mailed).size, mailed.length);
    const again = await flaglessAsync(['finish', '--to', 'kratos', '--state', state, '--json'], { env });
    assert.equal((JSON.parse(again.stdout) as FinishDoc).resets.alreadySent, doc.resets.sent);
    assert.equal(sim.outbox().length, mailed.length);
  });

  it('--links-out: the admin API recovery links and codes go to the 0600 file, with a warning; Kratos mails nothing', async () => {
    const state = join(dir, 'b.db');
    const m = await flaglessAsync(['migrate', '--from', 'cognito', '--file', file, '--to', 'kratos', '--state', state], { env });
    assert.ok(m.code === 0 || m.code === 1, m.stderr);
    const before = sim.outbox().length;
    const links = join(dir, 'links.csv');
    const r = await flaglessAsync(['finish', '--to', 'kratos', '--state', state, '--json', '--links-out', links], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: --links-out/);
    const doc = JSON.parse(r.stdout) as FinishDoc;
    const rows = readFileSync(links, 'utf8').trim().split('\n');
    assert.equal(rows[0], 'source_id,email,link,code,expires_at');
    assert.equal(rows.length - 1, doc.resets.sent);
    for (const row of rows.slice(1)) {
      const [, , link, code] = row.split(',');
      assert.match(link!, /\/self-service\/recovery\?flow=/);
      assert.match(code!, /^\d{6}$/);
      assert.ok(!r.stdout.includes(link!) && !r.stderr.includes(link!), 'no recovery link in the output');
    }
    assert.equal(sim.outbox().length, before, 'the admin API mails nothing');
  });
});
