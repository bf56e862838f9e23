import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startKratosSimulator, type KratosSimulator } from '../../src/connectors/kratos/sim/server.js';
import { ORG_MARKER } from '../../src/connectors/kratos/target.js';
import { flaglessAsync } from '../helpers/cli.js';
import { tempDir } from '../engine/fixtures.js';

/**
 * The whole CLI against the Kratos simulator: generated Clerk, Auth0 and Firebase exports migrate
 * in 1,000-identity batches, every user signs in through the native login flow with the original
 * password (verify --logins), organization roles land as Keto tuples, a re-run writes nothing, and
 * a migrate killed with SIGKILL while a batch is in flight resumes without creating anyone twice.
 */

function envFor(sim: KratosSimulator): Record<string, string> {
  return { KRATOS_ADMIN_URL: sim.url, KRATOS_PUBLIC_URL: sim.url, KETO_WRITE_URL: sim.url, KETO_READ_URL: sim.url };
}

/** The counts of the summary's users line. */
function usersLine(out: string): { total: number; created: number; linked: number; updated: number; recovered: number; skipped: number; quarantined: number } {
  const m = /users\s+(\d+) total: (\d+) created, (\d+) linked, (\d+) updated, (\d+) recovered, (\d+) skipped, (\d+) lossy, (\d+) quarantined/.exec(out);
  assert.ok(m, `no users line in:\n${out}`);
  const [total, created, linked, updated, recovered, skipped, , quarantined] = m.slice(1).map(Number) as number[];
  return { total: total!, created: created!, linked: linked!, updated: updated!, recovered: recovered!, skipped: skipped!, quarantined: quarantined! };
}

function thisRunWrites(stderrOrStdout: string): number {
  const m = /this run: (\d+) writes/.exec(stderrOrStdout);
  assert.ok(m, `no "this run" line in:\n${stderrOrStdout}`);
  return Number(m[1]);
}

describe('migrate into Ory Kratos (simulator) through the CLI', () => {
  const tmp = tempDir();
  let sim: KratosSimulator;
  before(async () => {
    sim = await startKratosSimulator({ bcryptCost: 4 });
  });
  after(async () => {
    await sim.stop();
    tmp.cleanup();
  });

  it('Clerk (CSV + API dump): users, Keto tuples for every membership, logins, and a re-run that writes nothing', async () => {
    const dir = tmp.dir;
    const gen = await flaglessAsync(['generate', 'clerk', '--users', '120', '--out', join(dir, 'clerk.csv'), '--plaintexts', join(dir, 'clerk-logins.csv'), '--clean', '--seed', '3']);
    assert.equal(gen.code, 0, gen.stderr);
    const args = ['--from', 'clerk', '--file', join(dir, 'clerk.csv'), '--api-dump', join(dir, 'clerk.api.json'), '--to', 'kratos'];
    const first = await flaglessAsync(['migrate', ...args, '--state', join(dir, 'clerk.db')], { env: envFor(sim) });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const u = usersLine(first.stdout + first.stderr);
    assert.equal(u.total, 120);
    assert.equal(u.quarantined, 0);
    assert.equal(u.created + u.skipped, 120, 'every user is created or skipped by the plan (users it cannot sign in)');
    assert.equal(sim.stats().identities, u.created);
    // Every source membership is one tuple per role, orgs:<org>#<role>@<identity>; every source
    // organization is one marker tuple orgs:<org>#exists@flagless (ORG_MARKER), and nothing else is written.
    const dump = JSON.parse(readFileSync(join(dir, 'clerk.api.json'), 'utf8')) as {
      organizations?: { id: string }[];
      memberships?: { organization: { id: string }; public_user_data: { user_id: string }; role: string }[];
    };
    const memberships = dump.memberships ?? [];
    assert.ok(memberships.length > 0, 'the generated dump has memberships');
    const idOf = new Map([...sim.store.identities.values()].map((i) => [i.external_id, i.id]));
    const want = new Set(memberships.filter((m) => idOf.has(m.public_user_data.user_id)).map((m) => JSON.stringify(['orgs', m.organization.id, m.role.replace(/^org:/, ''), idOf.get(m.public_user_data.user_id)])));
    const tuples = [...sim.store.tuples.values()];
    const isMarker = (t: { relation: string; subject_id: string }) => t.relation === ORG_MARKER.relation && t.subject_id === ORG_MARKER.subject_id;
    const have = new Set(tuples.filter((t) => !isMarker(t)).map((t) => JSON.stringify([t.namespace, t.object, t.relation, t.subject_id])));
    assert.deepEqual(have, want, 'the membership tuples are exactly the source memberships');
    const orgIds = (dump.organizations ?? []).map((o) => o.id);
    assert.ok(orgIds.length > 0, 'the generated dump has organizations');
    const markers = tuples.filter(isMarker);
    assert.equal(markers.length, orgIds.length, 'one marker per source organization');
    assert.deepEqual(new Set(markers.map((t) => `${t.namespace}:${t.object}`)), new Set(orgIds.map((id) => `orgs:${id}`)));
    assert.equal(tuples.length, want.size + orgIds.length, 'no other tuple');

    const again = await flaglessAsync(['migrate', ...args, '--state', join(dir, 'clerk.db')], { env: envFor(sim) });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(thisRunWrites(again.stdout + again.stderr), 0);
    // A fresh ledger against the same Kratos finds everyone by external_id: still nothing created.
    const before = sim.stats().identities;
    const fresh = await flaglessAsync(['migrate', ...args, '--state', join(dir, 'clerk-fresh.db')], { env: envFor(sim) });
    assert.equal(fresh.code, 0, fresh.stdout + fresh.stderr);
    assert.equal(sim.stats().identities, before);

    const verify = await flaglessAsync(['verify', ...args, '--logins', join(dir, 'clerk-logins.csv')], { env: envFor(sim) });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout + verify.stderr, /logins (\d+)\/\1 succeeded/);

    // Nothing secret in any output: no imported hash, no TOTP secret, no password.
    const secrets = [...sim.store.identities.values()].flatMap((i) => [i.credentials.password?.config.hashed_password, i.credentials.totp && new URL(i.credentials.totp.config.totp_url).searchParams.get('secret')]).filter((x): x is string => !!x);
    assert.ok(secrets.some((x) => x.startsWith('$')) && secrets.some((x) => /^[A-Z2-7]+$/.test(x)), 'the export carried hashes and TOTP secrets');
    const passwords = readFileSync(join(dir, 'clerk-logins.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.slice(l.indexOf(',') + 1));
    const outputs = [first, again, fresh, verify].map((r) => r.stdout + r.stderr).join('\n');
    for (const s of [...secrets, ...passwords]) assert.ok(!outputs.includes(s), 'a secret reached the output');
  });

  for (const vendor of ['auth0', 'firebase'] as const) {
    it(`${vendor}: every hash signs in through the native login flow with the original password`, async () => {
      const s = await startKratosSimulator({ bcryptCost: 4 });
      try {
        const out = join(tmp.dir, `${vendor}.export`);
        const gen = await flaglessAsync(['generate', vendor, '--users', '40', '--out', out, '--plaintexts', join(tmp.dir, `${vendor}-logins.csv`), '--clean', '--seed', '5']);
        assert.equal(gen.code, 0, gen.stderr);
        const side = vendor === 'auth0' ? ['--passwords', `${out}.passwords.ndjson`] : ['--hash-config', join(tmp.dir, `${vendor}.hash-config.json`)];
        const args = ['--from', vendor, '--file', out, ...side, '--to', 'kratos'];
        const m = await flaglessAsync(['migrate', ...args, '--state', join(tmp.dir, `${vendor}.db`)], { env: envFor(s) });
        assert.equal(m.code, 0, m.stdout + m.stderr);
        const hashes = [...s.store.identities.values()].map((i) => i.credentials.password?.config.hashed_password).filter(Boolean) as string[];
        assert.ok(hashes.length > 0);
        if (vendor === 'firebase') assert.ok(hashes.every((h) => h.startsWith('$firescrypt$')), 'Firebase hashes import as $firescrypt$');
        const v = await flaglessAsync(['verify', ...args, '--logins', join(tmp.dir, `${vendor}-logins.csv`)], { env: envFor(s) });
        assert.equal(v.code, 0, v.stdout + v.stderr);
        assert.match(v.stdout + v.stderr, /logins (\d+)\/\1 succeeded/);
        assert.ok(s.stats().logins.failed === 0);
      } finally {
        await s.stop();
      }
    });
  }

  it('kill -9 while a batch is in flight: the re-run recovers the batch by external_id and creates nobody twice', async () => {
    let child: ReturnType<typeof spawn> | undefined;
    let killed = false;
    const s = await startKratosSimulator({
      bcryptCost: 4,
      afterBatchApplied: () => {
        // The batch is applied; its answer never reaches the client.
        if (!killed && child?.pid) {
          killed = true;
          child.kill('SIGKILL');
        }
      },
    });
    try {
      const dir = tmp.dir;
      const gen = await flaglessAsync(['generate', 'clerk', '--users', '2500', '--out', join(dir, 'big.csv'), '--clean', '--seed', '9']);
      assert.equal(gen.code, 0, gen.stderr);
      const args = ['migrate', '--from', 'clerk', '--file', join(dir, 'big.csv'), '--to', 'kratos', '--state', join(dir, 'big.db')];
      child = spawn(process.execPath, [join(process.cwd(), 'bin/flagless.js'), ...args], { env: { ...process.env, ...envFor(s) }, stdio: 'ignore' });
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child!.on('exit', (_code, sig) => resolve(sig)));
      assert.equal(signal, 'SIGKILL');
      const afterCrash = s.stats().identities;
      assert.ok(afterCrash > 0 && afterCrash < 2500, `one batch was applied before the kill (${afterCrash})`);
      const rerun = await flaglessAsync(args, { env: envFor(s) });
      assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
      const u = usersLine(rerun.stdout + rerun.stderr);
      assert.equal(u.total, 2500);
      assert.equal(u.quarantined, 0);
      assert.ok(u.recovered > 0, 'the batch applied before the kill was recovered');
      assert.equal(u.created + u.recovered + u.skipped, 2500);
      assert.equal(s.stats().identities, u.created + u.recovered, 'exactly one identity per moved source user');
      assert.equal(new Set([...s.store.identities.values()].map((i) => i.external_id)).size, s.stats().identities);
      assert.equal(s.stats().statuses['409'] ?? 0, 0, 'no create was ever refused as a duplicate');
    } finally {
      await s.stop();
    }
  });
});
