/**
 * `flagless status`'s reasons, counted exactly: a ledger seeded through the engine's ledger API
 * (users moved with and without a usable hash, disabled, without email, quarantined, an undecided
 * duplicate), some users moved by the gateway at sign-in, one flagged back to legacy; then
 * finish's resets. The gateway's dashboard shows the same verdict and reasons in its switch-off
 * card (and /dashboard/status).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openFinishStore } from '../../src/app/finish.js';
import { status, type StatusReport } from '../../src/app/status.js';
import { ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import type { ExportIndex } from '../../src/gateway/legacy/export-index.js';
import { openSsoStore } from '../../src/state/sso/open.js';
import { openStateStore } from '../../src/state/ledger/open.js';
import { clerkExport, clerkIndex, movableLogins, openBetterAuth, startGateway, tempDir, type ClerkExport, type Running } from '../gateway/helpers.js';

const NO_HASH = { field: 'password', reason: 'no usable password hash in the export; the password moves at the next sign-in through the gateway (JIT)' };

describe('flagless status: reasons by kind, and the dashboard card', () => {
  const tmp = tempDir();
  const state = path.join(tmp.dir, 'state.db');
  let exp: ClerkExport;
  let index: ExportIndex;
  let gw: Running;
  let ids: string[];
  const check = (r: StatusReport, name: string) => r.checks.find((c) => c.name === name)!;

  before(async () => {
    exp = await clerkExport(tmp.dir, 40, { seed: 'status' });
    index = await clerkIndex(exp);
    exp.logins = movableLogins(exp, index);
    ids = exp.logins.map((l) => index.sourceIdsFor(l.identifier)[0]!);
    const ledger = await openStateStore(state);
    const run = await ledger.beginRun({ id: 'bulk-run', sourceFingerprint: 'clerk:users.csv', target: 'better-auth@x', options: {}, startedAt: new Date().toISOString() });
    // ids[0..1]: moved without a hash; ids[2]: moved without a hash, then signs in at the gateway;
    // ids[3..5]: moved with a hash; ids[6..9]: disabled, no email, quarantined, undecided duplicate; ids[10]: SMS lost.
    const moved = ids.slice(0, 6);
    await ledger.plan(run.id, [
      ...moved.map((id, i) => ({ kind: 'user' as const, sourceId: id, fingerprint: 'f', lossy: i < 3 ? [NO_HASH] : [] })),
      { kind: 'user', sourceId: ids[6]!, fingerprint: 'f', lossy: [], skipReason: 'the user is disabled and Better Auth cannot disable users; moving it would re-enable the account' },
      { kind: 'user', sourceId: ids[7]!, fingerprint: 'f', lossy: [], skipReason: 'the user has no email address and Better Auth requires one (phone-only or username-only account)' },
      { kind: 'user', sourceId: ids[8]!, fingerprint: 'f', lossy: [] },
      { kind: 'user', sourceId: ids[9]!, fingerprint: 'f', lossy: [] },
      { kind: 'user', sourceId: ids[10]!, fingerprint: 'f', lossy: [{ field: 'mfa.sms', reason: 'Better Auth does not import SMS factors; the user enrols again' }] },
    ]);
    for (const id of [...moved, ids[10]!]) await ledger.markDone(run.id, 'user', id, { targetId: `t-${id}`, outcome: 'created' });
    await ledger.claim(run.id, 'user', { states: ['planned'], sourceIds: [ids[8]!, ids[9]!] });
    await ledger.markFailed(run.id, 'user', ids[8]!, { code: 'E_TARGET_VALIDATION', message: 'rejected' });
    await ledger.markFailed(run.id, 'user', ids[9]!, { code: 'E_DUPLICATE_EMAIL', message: 'shares an address' });
    await ledger.close();
    gw = await startGateway({ state, legacy: new ExportVerifier(index), target: await openBetterAuth(path.join(tmp.dir, 'target.db')), index, switchOff: () => status({ state }) });
    // ids[2] and two users the ledger never moved sign in through the gateway (a JIT move each).
    for (const i of [2, 20, 21]) assert.equal((await gw.post('/v1/login', exp.logins[i]!)).status, 200);
  });
  after(async () => {
    await gw?.close();
    tmp.remove();
  });

  it('counts the users left by reason, says not safe, and names the unknown checks', async () => {
    const r = await status({ state });
    assert.equal(r.safeToSwitchOff, false);
    const users = check(r, 'users');
    assert.equal(users.state, 'attention');
    assert.equal(users.counts.noUsableHash, 2, 'ids[0..1]: ids[2] signed in since');
    assert.equal(users.counts.quarantined, 1);
    assert.equal(users.counts.undecidedDuplicate, 1);
    assert.equal(users.counts.noEmail, 1);
    assert.equal(users.counts.disabled, 1);
    assert.equal(users.counts.onTarget, 9, '7 moved by the run, 2 more by the gateway');
    assert.deepEqual(
      users.reasons.map((x) => x.replace(/:.*/, '')),
      ['2 users never signed in through the gateway and have no usable hash at the target', '1 user quarantined by migrate', '1 user in undecided duplicate-email groups', '1 user without an email address the target requires'],
    );
    assert.ok(users.notes.some((n) => /1 user disabled at the source/.test(n)));
    assert.match(check(r, 'gateway').notes[0]!, /last sign-in checked at the legacy provider: 20\d\d-/);
    assert.equal(check(r, 'mfa').counts.smsUsers, 1);
    // Sync and SSO: their stores are empty here (no event, no flag).
    assert.equal(check(r, 'sync').state, 'ok');
    assert.match(check(r, 'sync').notes[0]!, /no sync event was ever received/);
    assert.equal(check(r, 'webhooks').state, 'ok', 'no expectation given');
    assert.equal(check(r, 'sso').state, 'ok');
  });

  it('webhooks expected and never received, and an SSO connection still on legacy, are reasons', async () => {
    const expected = await status({ state, expectWebhooksEverySeconds: 3600 });
    assert.equal(check(expected, 'webhooks').state, 'attention');
    assert.match(check(expected, 'webhooks').reasons[0]!, /no webhook was ever received \(expected at least every 3600 s\)/);
    const listed = await status({ state, ssoConnections: ['okta-acme'] });
    assert.equal(check(listed, 'sso').state, 'attention', 'a configured connection never flipped is on the default side, legacy');
    const sso = await openSsoStore(state);
    try {
      await sso.flip({ connection: 'azure-globex', to: 'target', percent: 50, who: 'test', reason: 'manual' });
    } finally {
      await sso.close();
    }
    const partial = await status({ state });
    assert.deepEqual(check(partial, 'sso').counts, { connections: 1, notCutOver: 1 });
    assert.match(check(partial, 'sso').reasons[0]!, /azure-globex is cut over only in part \(50 %/);
  });

  it('a user flagged back to legacy needs a reset; finish rows settle the reset reasons (sent ok, unconfirmed and failed are reasons)', async () => {
    const store = await openFinishStore(state);
    try {
      // ids[3] moved with a hash, then its flag went back to legacy (a password changed there).
      await store.driver.run(`INSERT INTO gateway_users (source_id, state, attempts, updated_at) VALUES ($1, 'legacy', 1, $2)`, [ids[3]!, new Date().toISOString()]);
      let r = await status({ state });
      assert.equal(check(r, 'users').counts.flaggedBackToLegacy, 1);
      await store.plan('reset', 'better-auth@x', [
        { sourceId: ids[0]!, targetId: `t-${ids[0]}`, reason: 'no-usable-hash' },
        { sourceId: ids[1]!, targetId: `t-${ids[1]}`, reason: 'no-usable-hash' },
        { sourceId: ids[3]!, targetId: `t-${ids[3]}`, reason: 'password-changed-at-legacy' },
      ]);
      for (const id of [ids[0]!, ids[1]!, ids[3]!]) assert.equal(await store.begin(id, 'reset', `${id}@example.com`), true);
      await store.markSent(ids[0]!, 'reset', 'better-auth:sendResetPassword');
      await store.markFailed(ids[3]!, 'reset', { code: 'E_TARGET_VALIDATION', message: 'refused' });
      r = await status({ state });
      assert.equal(check(r, 'users').counts.noUsableHash, 0, 'every such user has a reset row now');
      assert.equal(check(r, 'users').counts.flaggedBackToLegacy, 0);
      const resets = check(r, 'resets');
      assert.deepEqual(resets.counts, { sent: 1, unconfirmed: 1, failed: 1, planned: 0, skipped: 0 });
      assert.equal(resets.reasons.length, 2);
      assert.equal(await store.begin(ids[1]!, 'reset', 'x@example.com'), false, 'an unconfirmed reset is not taken again by default');
    } finally {
      await store.close();
    }
  });

  it('the dashboard shows the same verdict and reasons (and /dashboard/status as JSON)', async () => {
    const page = await gw.get('/dashboard');
    assert.equal(page.status, 200);
    assert.match(page.text, /data-testid="switch-off-verdict"[^>]*>Not safe to switch off yet\./);
    assert.match(page.text, /data-testid="check-users"/);
    assert.match(page.text, /data-testid="check-sso"><td>sso<\/td><td[^>]*>attention/);
    const json = await gw.get('/dashboard/status');
    assert.equal(json.status, 200);
    assert.equal((json.body as StatusReport).safeToSwitchOff, false);
  });
});
