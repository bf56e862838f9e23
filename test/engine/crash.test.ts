import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { MigrateSummary } from '../../src/engine/summary.js';
import { FakeTargetState } from './fake-target.js';
import { makeFixture, tempDir } from './fixtures.js';
import { startFakeServer, type FakeServer, type KillPoint } from './http-fake.js';

/**
 * Crash safety: a `migrate` child process is killed with SIGKILL at many points (before a write is
 * applied, between the target applying it and the child recording it, just after the reply, in
 * the middle of recovery, at random moments) and run again until it finishes. The target must end
 * with exactly the source's users, organizations and memberships, each created once.
 *
 * FLAGLESS_SOAK=1 runs 20 random-moment scenarios instead of 2.
 */
const USERS = 24;
const ORGS = 3;
const f = makeFixture({ users: USERS, organizations: ORGS, md5Every: 10 });
const MEMBERSHIPS = f.users.reduce((n, u) => n + u.memberships.length, 0);
const childPath = new URL(`./crash-child.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url).pathname;

const { dir, cleanup } = tempDir();
after(cleanup);

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  summary?: MigrateSummary;
  stderr: string;
}

function runChild(server: FakeServer, state: string, point?: KillPoint, killAfterMs?: number): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, childPath], {
      env: { ...process.env, FAKE_URL: server.url, STATE_PATH: state, USERS: String(USERS), ORGS: String(ORGS), CONCURRENCY: '3' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    server.arm(point, () => child.kill('SIGKILL'));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      server.arm(undefined, () => undefined);
      let summary: MigrateSummary | undefined;
      try {
        summary = out ? (JSON.parse(out) as MigrateSummary) : undefined;
      } catch {
        /* killed mid-write */
      }
      resolve({ code, signal, stderr: err, ...(summary ? { summary } : {}) });
    });
  });
}

function assertExactlyTheSource(state: FakeTargetState, label: string): void {
  assert.deepEqual(state.duplicates(), [], label);
  assert.equal(state.users.size, USERS, `${label}: users`);
  assert.equal(state.orgs.size, ORGS, `${label}: organizations`);
  assert.equal(state.memberships.size, MEMBERSHIPS, `${label}: memberships`);
  assert.equal(state.appliedBy.createUser, USERS, `${label}: a user was created twice`);
  assert.equal(state.appliedBy.createOrganization, ORGS, `${label}: an organization was created twice`);
  for (const u of f.users) assert.ok([...state.users.values()].some((t) => t.externalId === u.sourceId), `${label}: ${u.sourceId} missing`);
}

/** Kill at `points` one after another (each run resumes the last), then finish and check. */
async function scenario(label: string, points: (KillPoint | { afterMs: number })[], checkRerun = false): Promise<number> {
  const state = new FakeTargetState(1);
  const server = await startFakeServer(state);
  const statePath = join(dir, `${label.replace(/\W+/g, '-')}.db`);
  let kills = 0;
  try {
    for (const p of points) {
      const r = 'afterMs' in p ? await runChild(server, statePath, undefined, p.afterMs) : await runChild(server, statePath, p);
      if (r.signal === 'SIGKILL') kills++;
      else if ('nth' in p) assert.fail(`${label}: the child was not killed at ${JSON.stringify(p)} (exit ${r.code}): ${r.stderr}`);
    }
    const final = await runChild(server, statePath);
    assert.equal(final.code, 0, `${label}: ${final.stderr}`);
    assert.ok(final.summary?.complete, `${label}: ${JSON.stringify(final.summary)}`);
    assertExactlyTheSource(state, label);
    if (checkRerun) {
      // Once finished, a further run writes nothing at all.
      const again = await runChild(server, statePath);
      assert.equal(again.summary?.writes, 0, `${label}: a finished run wrote again`);
    }
    return kills;
  } finally {
    await server.close();
  }
}

const modes = ['before-apply', 'after-apply', 'after-reply'] as const;
/**
 * Per-run write numbers at which each successive run is killed. The first run's numbers fall in
 * each phase: organizations (1..3), users (4..27), memberships (28..59); later runs are killed in
 * the middle of resuming.
 */
const chains = [
  [1, 2, 4],
  [ORGS + 9, 9, 14],
  [ORGS + USERS + 1, 13, 5],
];

describe('crash safety (SIGKILL)', () => {
  test('killed at 27 write points (before apply, between apply and acknowledgement, after the reply): nothing lost, nothing doubled', async () => {
    const kills = await Promise.all(
      modes.map(async (when) => {
        let n = 0;
        for (const [i, chain] of chains.entries()) {
          n += await scenario(`${when}-${chain.join('-')}`, chain.map((nth) => ({ method: 'write' as const, nth, when })), i === 0);
        }
        return n;
      }),
    );
    const total = kills.reduce((a, b) => a + b, 0);
    // A kill just after a reply can lose the race with a clean exit only at a run's very last write.
    assert.ok(total >= 25, `only ${total} kills`);
  });

  test('killed during recovery lookups and at random moments', async () => {
    let kills = 0;
    kills += await scenario('lookup', [
      { method: 'createUser', nth: 5, when: 'after-apply' },
      { method: 'findUser', nth: 1, when: 'after-reply' },
    ]);
    kills += await scenario('org-lookup', [
      { method: 'createOrganization', nth: 2, when: 'after-apply' },
      { method: 'findOrganization', nth: 2, when: 'before-apply' },
    ]);
    const randoms = process.env.FLAGLESS_SOAK ? 20 : 2;
    const moments = () => [{ afterMs: 300 + Math.floor(Math.random() * 900) }, { afterMs: 300 + Math.floor(Math.random() * 900) }];
    for (let i = 0; i < randoms; i += 4) {
      const chunk = Array.from({ length: Math.min(4, randoms - i) }, (_, j) => scenario(`random-${i + j}`, moments(), true));
      kills += (await Promise.all(chunk)).reduce((a, b) => a + b, 0);
    }
    assert.ok(kills >= 4, `only ${kills} kills`);
  });
});
