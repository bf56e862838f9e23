import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../engine/fixtures.js';
import { flaglessAsync } from '../helpers/cli.js';

/**
 * `flagless status` on the demo: right after `flagless demo` (duplicates quarantined, users left
 * for a just-in-time move) it exits 1 with those reasons; once the duplicates are decided and
 * migrated and `finish` has sent the resets, it exits 0 and says "safe to switch off". A missing
 * state is exit 2.
 */
interface StatusDoc {
  safeToSwitchOff: boolean;
  verdict: string;
  checks: { name: string; state: string; ok: boolean; reasons: string[]; notes: string[]; counts: Record<string, number | string | null> }[];
}

const { dir, cleanup } = tempDir();
after(cleanup);

describe('flagless status (go/no-go for switching the legacy provider off)', () => {
  const demo = join(dir, 'demo');
  const state = join(demo, 'state.db');
  const db = join(demo, 'better-auth.db');

  it('a missing state is exit 2 (unusable), with what to do', async () => {
    const r = await flaglessAsync(['status', '--state', join(dir, 'nope.db')]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /no state at .*nope\.db/);
  });

  it('after `flagless demo`: exit 1, with the users left by reason', async () => {
    const d = await flaglessAsync(['demo', '--dir', demo, '--users', '40']);
    assert.ok(d.code === 0 || d.code === 1, d.stderr);
    const r = await flaglessAsync(['status', '--state', state, '--json']);
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as StatusDoc;
    assert.equal(doc.safeToSwitchOff, false);
    assert.equal(doc.verdict, 'not safe to switch off');
    const users = doc.checks.find((c) => c.name === 'users')!;
    assert.equal(users.state, 'attention');
    assert.ok(users.reasons.some((x) => /undecided duplicate-email groups/.test(x)), users.reasons.join('\n'));
    assert.ok(users.reasons.some((x) => /no usable hash at the target: `flagless finish/.test(x)), users.reasons.join('\n'));
    const human = await flaglessAsync(['status', '--state', state]);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /^NOT SAFE TO SWITCH OFF/);
    assert.match(human.stdout, /LEFT {4}users: /);
  });

  it('once the duplicates are decided, the phone-only user has an address and finish sent the resets: exit 0, "safe to switch off"', async () => {
    const csv = join(demo, readdirSync(demo).find((f) => f.endsWith('.csv') && f.startsWith('clerk'))!);
    const dump = readdirSync(demo).find((f) => f.endsWith('.api.json'));
    // A newer export: the phone-only user got an email address at the source (the reason status gave).
    const [head, ...rows] = readFileSync(csv, 'utf8').trimEnd().split('\n');
    const col = head!.split(',');
    const [primary, verified] = [col.indexOf('primary_email_address'), col.indexOf('verified_email_addresses')];
    let given = 0;
    const fixed = rows.map((line) => {
      const f = line.split(',');
      if (line.includes('"') || f[primary] !== '') return line;
      given++;
      f[primary] = f[verified] = `phone.user.${given}@example.com`;
      return f.join(',');
    });
    assert.ok(given >= 1, 'the demo export has a phone-only user');
    writeFileSync(csv, [head, ...fixed].join('\n') + '\n');
    const source = ['--from', 'clerk', '--file', csv, ...(dump ? ['--api-dump', join(demo, dump)] : [])];
    const decisions = join(dir, 'decisions.csv');
    const a = await flaglessAsync(['assess', ...source, '--decisions-out', decisions]);
    assert.ok(a.code === 0 || a.code === 1, a.stderr);
    const m = await flaglessAsync(['migrate', ...source, '--to', 'better-auth', '--db', db, '--state', state, '--decisions', decisions, '--retry-failed', '--json']);
    // Exit 1 for the export's planted problems (parse errors); every record is done or decided.
    assert.ok(m.code === 0 || m.code === 1, m.stderr);
    const summary = JSON.parse(m.stdout) as { complete: boolean; quarantine: unknown[] };
    assert.deepEqual([summary.complete, summary.quarantine.length], [true, 0]);
    const sender = join(dir, 'sender.mjs');
    writeFileSync(sender, `import { appendFileSync } from 'node:fs';\nexport async function sendResetPassword({ user }) { appendFileSync(${JSON.stringify(join(dir, 'mails.txt'))}, user.email + '\\n'); }\n`);
    const f = await flaglessAsync(['finish', '--to', 'better-auth', '--db', db, '--state', state, '--json'], { env: { BETTER_AUTH_RESET_SENDER: sender } });
    assert.equal(f.code, 0, f.stderr);
    const r = await flaglessAsync(['status', '--state', state, '--json']);
    const doc = JSON.parse(r.stdout) as StatusDoc;
    assert.equal(r.code, 0, JSON.stringify(doc.checks.filter((c) => !c.ok), null, 2));
    assert.equal(doc.safeToSwitchOff, true);
    assert.equal(doc.verdict, 'safe to switch off');
    assert.ok(doc.checks.every((c) => c.state === 'ok'));
    const human = await flaglessAsync(['status', '--state', state]);
    assert.match(human.stdout, /^SAFE TO SWITCH OFF/);
  });
});
