import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { rankGroup } from '../../src/engine/decisions/default-policy.js';
import { decisionsCsv, parseDecisions } from '../../src/engine/decisions/file.js';
import { findDuplicateGroups } from '../../src/engine/decisions/groups.js';
import { resolveDecisions } from '../../src/engine/decisions/resolve.js';
import type { DecisionRow } from '../../src/engine/decisions/types.js';
import { dryRun } from '../../src/engine/dry-run.js';
import { normalizeEmail } from '../../src/model/email.js';
import { isFlaglessError } from '../../src/protocol/errors.js';
import { flagless } from '../helpers/cli.js';
import { FAKE_CAPABILITIES, FakeTarget } from './fake-target.js';
import { makeFixture, memorySource, tempDir, type Fixture } from './fixtures.js';
import { runMigrate, statePath } from './harness.js';

const dirs: (() => void)[] = [];
after(() => dirs.forEach((c) => c()));
function newState(): string {
  const { dir, cleanup } = tempDir();
  dirs.push(cleanup);
  return statePath(dir);
}

/** Users 2, 5 and 8 share user 2's address (in other cases); 8 has a Google link and its own organization. */
function withGroup(): Fixture {
  const f = makeFixture({ users: 10, organizations: 3 });
  const shared = f.users[2]!.emails[0]!;
  for (const i of [5, 8]) f.users[i]!.emails = [{ ...shared, address: i === 5 ? shared.address.toLowerCase() : shared.address.toUpperCase(), verified: false }];
  f.users[8]!.identities = [{ provider: 'github', providerUserId: 'gh-8', kind: 'social' }];
  f.users[8]!.memberships = [{ organizationId: 'org_1', roles: ['admin'] }];
  f.users[2]!.memberships = [{ organizationId: 'org_2', roles: ['member'] }];
  f.users[2]!.lastSignInAt = '2024-01-01T00:00:00Z';
  return f;
}

function rows(f: Fixture, decisions: Record<number, 'keep' | 'skip' | 'link'>): DecisionRow[] {
  return Object.entries(decisions).map(([i, decision], n) => ({ email: f.users[Number(i)]!.emails[0]!.address, sourceId: f.users[Number(i)]!.sourceId, decision, reason: '', fileLine: n + 2 }));
}

async function refusal(f: Fixture, r: DecisionRow[]): Promise<string> {
  try {
    await resolveDecisions(memorySource(f), r, 'decisions.csv');
  } catch (e) {
    assert.ok(isFlaglessError(e) && e.code === 'E_DECISIONS', String(e));
    return e.message;
  }
  assert.fail('the decisions were accepted');
}

describe('duplicate-account decisions', () => {
  test('the default policy keeps the verified address, then the latest sign-in, then the oldest account', () => {
    const base = { verified: false };
    assert.equal(rankGroup([{ sourceId: 'a', ...base, line: 1 }, { sourceId: 'b', verified: true, line: 2 }])[0]!.sourceId, 'b');
    const bySignIn = rankGroup([
      { sourceId: 'a', ...base, lastSignInAt: '2023-01-01T00:00:00Z', createdAt: '2020-01-01T00:00:00Z' },
      { sourceId: 'b', ...base, lastSignInAt: '2024-06-01T00:00:00Z', createdAt: '2022-01-01T00:00:00Z' },
      { sourceId: 'c', ...base },
    ]);
    assert.deepEqual(bySignIn.map((m) => [m.sourceId, m.decision]), [['b', 'keep'], ['a', 'skip'], ['c', 'skip']]);
    assert.match(bySignIn[0]!.reason, /most recent sign-in/);
    const byAge = rankGroup([{ sourceId: 'a', ...base, createdAt: '2022-01-01T00:00:00Z' }, { sourceId: 'b', ...base, createdAt: '2019-01-01T00:00:00Z' }]);
    assert.equal(byAge[0]!.sourceId, 'b');
    assert.match(byAge[0]!.reason, /oldest account/);
  });

  test('finds every group (case-insensitive) and round-trips through the CSV the operator edits', async () => {
    const f = withGroup();
    const { groups, users } = await findDuplicateGroups(memorySource(f));
    assert.equal(users, 10);
    assert.equal(groups.length, 1);
    const g = groups[0]!;
    assert.equal(g.normalized, normalizeEmail(f.users[2]!.emails[0]!.address));
    assert.deepEqual(g.members.map((m) => m.sourceId), [2, 5, 8].map((i) => f.users[i]!.sourceId), 'verified user 2 keeps; ties in file order');
    assert.deepEqual(g.members.map((m) => m.decision), ['keep', 'skip', 'skip']);
    const parsed = parseDecisions(decisionsCsv(groups), 'd.csv');
    assert.deepEqual(parsed.map((r) => [r.sourceId, r.decision]), g.members.map((m) => [m.sourceId, m.decision]));
    assert.ok(parsed.every((r) => r.reason.startsWith('default policy')));
    assert.throws(() => parseDecisions('email,source_id,decision\na@x,u1,merge\n', 'd.csv'), /d\.csv:2: decision must be one of keep, skip, link/);
  });

  test('a file that no longer matches the export is refused, naming each row', async () => {
    const f = withGroup();
    assert.match(await refusal(f, rows(f, { 2: 'keep', 5: 'keep', 8: 'skip' })), /has 2 keepers/);
    assert.match(await refusal(f, rows(f, { 2: 'skip', 5: 'skip', 8: 'skip' })), /has no keeper/);
    assert.match(await refusal(f, rows(f, { 2: 'keep', 5: 'skip' })), /does not decide: .*user_00008/);
    const gone = [...rows(f, { 2: 'keep', 5: 'skip', 8: 'skip' }), { email: 'nobody@example.com', sourceId: 'user_99999', decision: 'skip' as const, reason: '', fileLine: 9 }];
    const message = await refusal(f, gone);
    assert.match(message, /decisions\.csv:9: user_99999 is not in the export/);
    assert.match(message, /nobody@example\.com is no longer shared/);
    assert.match(message, /nothing was written/);
  });

  test('migrate: the kept account moves with the linked one\'s social link and membership; skip is listed; nothing is quarantined', async () => {
    const f = withGroup();
    const decisions = await resolveDecisions(memorySource(f), rows(f, { 2: 'keep', 5: 'skip', 8: 'link' }), 'd.csv');
    const target = new FakeTarget();
    const s = await runMigrate(target, memorySource(f), newState(), { decisions });
    assert.equal(s.complete, true, JSON.stringify(s.quarantine));
    assert.equal(s.users.quarantined, 0);
    assert.equal(s.users.created, 8);
    assert.equal(s.users.skipped, 2);
    assert.deepEqual(s.plan?.duplicates, { kept: 1, skipped: 1, linked: 1 });
    const held = [...target.state.users.values()].filter((u) => normalizeEmail(u.email) === normalizeEmail(f.users[2]!.emails[0]!.address));
    assert.equal(held.length, 1);
    assert.equal(held[0]!.externalId, f.users[2]!.sourceId);
    assert.deepEqual(held[0]!.identities.map((i) => i.providerUserId).sort(), ['gh-8'], 'the linked account\'s GitHub link');
    const orgsOfKept = [...target.state.memberships.keys()].filter((k) => k.startsWith(`${held[0]!.id} `)).length;
    assert.equal(orgsOfKept, 2, 'its own organization and the linked account\'s');
    const again = await runMigrate(target, memorySource(f), newState(), { decisions });
    assert.equal(again.users.quarantined, 0);
  });

  test('a group quarantined by an earlier run is done once decided: the kept account takes the address over', async () => {
    const f = withGroup();
    const target = new FakeTarget();
    const state = newState();
    const first = await runMigrate(target, memorySource(f), state);
    assert.equal(first.users.quarantined, 2, 'undecided: two duplicates quarantined');
    // The operator keeps user 5 (quarantined above), skips user 2 (moved above) and links user 8.
    const decisions = await resolveDecisions(memorySource(f), rows(f, { 2: 'skip', 5: 'keep', 8: 'link' }), 'd.csv');
    const second = await runMigrate(target, memorySource(f), state, { decisions });
    assert.equal(second.users.quarantined, 0, JSON.stringify(second.quarantine));
    assert.equal(second.memberships.quarantined, 0, JSON.stringify(second.quarantine));
    assert.equal(second.complete, true);
    assert.deepEqual(target.state.duplicates(), []);
    const held = [...target.state.users.values()].filter((u) => normalizeEmail(u.email) === normalizeEmail(f.users[2]!.emails[0]!.address));
    assert.equal(held.length, 1, 'one account holds the address');
    assert.equal(held[0]!.externalId, f.users[5]!.sourceId, 'the kept account took it over');
  });

  test('--dry-run counts the decided accounts as the real run does', async () => {
    const f = withGroup();
    const decisions = await resolveDecisions(memorySource(f), rows(f, { 2: 'keep', 5: 'skip', 8: 'link' }), 'd.csv');
    const plan = await dryRun({ source: memorySource(f), capabilities: FAKE_CAPABILITIES, missingPassword: 'jit', decisions });
    const real = await runMigrate(new FakeTarget(), memorySource(f), newState(), { decisions });
    assert.deepEqual(plan.duplicates, real.plan?.duplicates);
    assert.equal(plan.users.skip, real.users.skipped);
  });
});

describe('decisions through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flagless-decisions-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('assess --decisions-out, migrate --decisions: decided groups are done; a stale file is refused before anything is written', () => {
    const csv = join(dir, 'users.csv');
    assert.equal(flagless(['generate', 'clerk', '--users', '120', '--out', csv, '--quiet']).code, 0);
    const decisions = join(dir, 'decisions.csv');
    const a = flagless(['assess', '--from', 'clerk', '--file', csv, '--decisions-out', decisions]);
    assert.equal(a.code, 1, a.stderr);
    const text = readFileSync(decisions, 'utf8');
    assert.match(text.split('\n')[0]!, /^email,source_id,decision,reason/);
    const dataRows = text.trim().split('\n').length - 1;
    assert.ok(dataRows >= 2, 'the generated traps include duplicate emails');

    const undecided = flagless(['migrate', '--from', 'clerk', '--file', csv, '--to', 'better-auth', '--db', join(dir, 'a.db'), '--state', join(dir, 'a-state.db'), '--json']);
    const u = JSON.parse(undecided.stdout);
    assert.ok(u.quarantine.some((q: { code: string }) => q.code === 'E_DUPLICATE_EMAIL'));

    const decided = flagless(['migrate', '--from', 'clerk', '--file', csv, '--to', 'better-auth', '--db', join(dir, 'b.db'), '--state', join(dir, 'b-state.db'), '--decisions', decisions, '--json']);
    const d = JSON.parse(decided.stdout);
    assert.equal(d.quarantine.filter((q: { code: string }) => q.code === 'E_DUPLICATE_EMAIL').length, 0);
    assert.equal(d.plan.duplicates.kept + d.plan.duplicates.skipped + d.plan.duplicates.linked, dataRows);

    // Two keepers in one group: refused with exit 2, and neither the target database nor the ledger is created.
    const lines = text.trimEnd().split('\n');
    writeFileSync(join(dir, 'stale.csv'), [lines[0], ...lines.slice(1).map((l) => l.replace(',skip,', ',keep,'))].join('\n') + '\n');
    const stale = flagless(['migrate', '--from', 'clerk', '--file', csv, '--to', 'better-auth', '--db', join(dir, 'c.db'), '--state', join(dir, 'c-state.db'), '--decisions', join(dir, 'stale.csv')]);
    assert.equal(stale.code, 2, stale.stderr);
    assert.match(stale.stderr, /E_DECISIONS: .*no longer matches the export/);
    assert.equal(existsSync(join(dir, 'c.db')), false);
    assert.equal(existsSync(join(dir, 'c-state.db')), false);
  });
});
