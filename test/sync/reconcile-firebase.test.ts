/**
 * `flagless sync reconcile` for a source without change webhooks: Firebase, listed from a fresh
 * `firebase auth:export` (flagless has no Firebase API reader). A renamed user is updated, a user
 * gone from the listing is deleted at the target, and `verify` against the new export is clean.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { flaglessAsync } from '../helpers/cli.js';
import { tempDir } from './helpers.js';

describe('sync reconcile from a fresh Firebase export', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  it('updates, deletes, and a second pass changes nothing it has not changed', async () => {
    const at = (f: string) => join(tmp.dir, f);
    const gen = await flaglessAsync(['generate', 'firebase', '--users', '30', '--out', at('users.json'), '--clean', '--quiet']);
    assert.equal(gen.code, 0, gen.stderr);
    const target = ['--to', 'better-auth', '--db', at('auth.db')];
    const source = (file: string) => ['--from', 'firebase', '--file', file, '--hash-config', at('users.hash-config.json')];
    const m = await flaglessAsync(['migrate', ...source(at('users.json')), ...target, '--state', at('state.db'), '--quiet']);
    assert.equal(m.code, 0, m.stderr);

    const data = JSON.parse(readFileSync(at('users.json'), 'utf8')) as { users: { localId: string; displayName?: string }[] };
    const renamed = data.users[0]!;
    renamed.displayName = 'Renamed Today';
    const gone = data.users.splice(1, 1)[0]!;
    writeFileSync(at('today.json'), JSON.stringify(data));

    const r = await flaglessAsync(['sync', 'reconcile', ...source(at('today.json')), ...target, '--state', at('state.db'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { listed: number; deleted: number; sync: { quarantined: number; pending: number } };
    assert.equal(out.listed, 29);
    assert.equal(out.deleted, 1);
    assert.deepEqual([out.sync.quarantined, out.sync.pending], [0, 0]);

    const v = await flaglessAsync(['verify', ...source(at('today.json')), ...target, '--json']);
    const report = JSON.parse(v.stdout) as { counts: Record<string, number>; extra: { externalId?: string }[] };
    assert.deepEqual([report.counts.missing, report.counts.extra, report.counts.mismatches], [0, 0, 0], v.stdout.slice(0, 2000));
    assert.ok(!report.extra.some((e) => e.externalId === gone.localId));

    const again = await flaglessAsync(['sync', 'reconcile', ...source(at('today.json')), ...target, '--state', at('state.db'), '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { deleted: number }).deleted, 0, 'the deletion is not repeated');
  });
});
