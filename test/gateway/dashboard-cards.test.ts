/**
 * Issue 14 §7: the dashboard's cards add up (bulk + JIT + completed + pulled = on the target),
 * the users still on legacy are broken down by reason with what moves each group, and /metrics
 * has a gauge of the users remaining on legacy. A bulk import is written through the engine's
 * ledger API; some of its users then sign in through the gateway (moved again there: they must
 * count once).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExportIndex } from '../../src/gateway/legacy/export-index.js';
import { ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import { openStateStore } from '../../src/state/ledger/open.js';
import { clerkExport, clerkIndex, movableLogins, openBetterAuth, startGateway, tempDir, type ClerkExport, type Running } from './helpers.js';

describe('dashboard cards and the users still on legacy', () => {
  const tmp = tempDir();
  let exp: ClerkExport;
  let index: ExportIndex;
  let gw: Running;
  const BULK = 12;
  const JIT = 5;
  const AGAIN = 3;

  before(async () => {
    exp = await clerkExport(tmp.dir, 60, { seed: 'cards' });
    index = await clerkIndex(exp);
    exp.logins = movableLogins(exp, index);
    const state = path.join(tmp.dir, 'state.db');
    const ledger = await openStateStore(state);
    const run = await ledger.beginRun({ id: 'bulk-run', sourceFingerprint: 'clerk:users.csv', target: 'better-auth', options: {}, startedAt: new Date().toISOString() });
    const ids = exp.logins.map((l) => index.sourceIdsFor(l.identifier)[0]!);
    const bulkIds = ids.slice(JIT, JIT + BULK);
    const [disabled, noEmail, quarantined, duplicate] = ids.slice(JIT + BULK, JIT + BULK + 4);
    await ledger.plan(run.id, [
      ...bulkIds.map((id, i) => ({ kind: 'user' as const, sourceId: id, fingerprint: 'f', lossy: i < 2 ? [{ field: 'password', reason: 'no usable password hash in the export; the password moves at the next sign-in through the gateway (JIT)' }] : [] })),
      { kind: 'user', sourceId: disabled!, fingerprint: 'f', lossy: [], skipReason: 'the user is disabled and Better Auth cannot disable users; moving it would re-enable the account' },
      { kind: 'user', sourceId: noEmail!, fingerprint: 'f', lossy: [], skipReason: 'the user has no email address and Better Auth requires one (phone-only or username-only account)' },
      { kind: 'user', sourceId: quarantined!, fingerprint: 'f', lossy: [] },
      { kind: 'user', sourceId: duplicate!, fingerprint: 'f', lossy: [] },
    ]);
    for (const id of bulkIds) await ledger.markDone(run.id, 'user', id, { targetId: id, outcome: 'created' });
    await ledger.claim(run.id, 'user', { states: ['planned'], sourceIds: [quarantined!, duplicate!] });
    await ledger.markFailed(run.id, 'user', quarantined!, { code: 'E_TARGET_VALIDATION', message: 'rejected' });
    await ledger.markFailed(run.id, 'user', duplicate!, { code: 'E_DUPLICATE_EMAIL', message: 'shares an address' });
    await ledger.close();
    gw = await startGateway({ state, legacy: new ExportVerifier(index), target: await openBetterAuth(path.join(tmp.dir, 'target.db')), index, labels: { legacy: 'Clerk export', target: 'Better Auth' } });
    // JIT users, then three of the bulk-imported users sign in through the gateway too.
    for (const l of [...exp.logins.slice(0, JIT), ...exp.logins.slice(JIT + BULK - AGAIN, JIT + BULK)]) assert.equal((await gw.post('/v1/login', l)).status, 200);
  });
  after(async () => {
    await gw.close();
    tmp.remove();
  });

  it('each user on the target counts in exactly one card', async () => {
    const d = (await gw.get('/dashboard/data')).body;
    assert.equal(d.migrated, BULK + JIT, 'distinct users on the target');
    const cards = d.bulk + d.byRoute.jit + d.byRoute.completed + d.byRoute.lazy;
    assert.equal(cards, d.migrated, `bulk ${d.bulk} + JIT ${d.byRoute.jit} + completed ${d.byRoute.completed} + pulled ${d.byRoute.lazy} = on the target ${d.migrated}`);
    const html = (await gw.get('/dashboard')).text;
    const card = (id: string) => Number(new RegExp(`data-testid="${id}">(\\d+)<`).exec(html)![1]);
    assert.equal(card('bulk') + card('jit') + card('completed') + card('lazy'), card('migrated'));
  });

  it('breaks the users still on legacy down by reason, with what moves each group', async () => {
    const d = (await gw.get('/dashboard/data')).body;
    assert.deepEqual(d.legacyByReason, { disabled: 1, noEmail: 1, quarantined: 1, undecidedDuplicate: 1, noUsableHash: 2 });
    const html = (await gw.get('/dashboard')).text;
    const row = (key: string) => new RegExp(`<tr data-testid="legacy-${key}"><td>[^<]*</td><td class="num">(\\d+)</td><td>([^<]*)</td>`).exec(html);
    assert.match(row('undecidedDuplicate')![2]!, /--decisions-out/);
    assert.match(row('quarantined')![2]!, /--retry-failed/);
    assert.match(row('noUsableHash')![2]!, /--missing-password reset/);
    const remaining = d.legacyTotal - d.migrated;
    const total = ['disabled', 'noEmail', 'quarantined', 'undecidedDuplicate', 'noUsableHash', 'neverSignedIn'].reduce((n, k) => n + Number(row(k)![1]), 0);
    assert.equal(total, remaining, 'the groups add up to the users still on legacy');
  });

  it('/metrics has a gauge of the users remaining on legacy', async () => {
    const d = (await gw.get('/dashboard/data')).body;
    const text = (await gw.get('/metrics')).text;
    const m = /^flagless_gateway_users_on_legacy (\d+)$/m.exec(text);
    assert.ok(m, 'the gauge is exported');
    assert.equal(Number(m[1]), d.legacyTotal - d.migrated);
  });
});
