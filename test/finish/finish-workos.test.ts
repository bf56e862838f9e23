import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkOS } from '@workos-inc/node';
import { startWorkosSimulator, type WorkosSimulator } from '../../src/connectors/workos/sim/server.js';
import { tempDir } from '../engine/fixtures.js';
import { flaglessAsync } from '../helpers/cli.js';
import { flaglessKilledWhen, type FinishDoc } from './helpers.js';

/**
 * `flagless finish --to workos` against the WorkOS simulator: Cognito users (no exportable hashes)
 * moved by `migrate` get WorkOS's password reset email exactly once, across a re-run and a kill -9
 * mid-run; the link works (the user sets a password and signs in); SMS users are listed with the
 * notice; nothing secret reaches the output or the report.
 */
const USERS = 30;
const { dir, cleanup } = tempDir();
after(cleanup);

describe('flagless finish --to workos (WorkOS simulator)', () => {
  let sim: WorkosSimulator;
  let env: Record<string, string>;
  const file = join(dir, 'cognito.json');
  before(async () => {
    sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0 });
    env = { WORKOS_API_URL: sim.url, WORKOS_API_KEY: sim.apiKey, WORKOS_CLIENT_ID: sim.clientId };
    const g = await flaglessAsync(['generate', 'cognito', '--users', String(USERS), '--out', file, '--clean']);
    assert.equal(g.code, 0, g.stderr);
  });
  after(async () => sim?.stop());

  const migrateInto = async (state: string) => {
    const m = await flaglessAsync(['migrate', '--from', 'cognito', '--file', file, '--to', 'workos', '--state', state, '--json'], { env });
    assert.ok(m.code === 0 || m.code === 1, m.stderr);
  };
  const perUser = () => {
    const n = new Map<string, number>();
    for (const m of sim.outbox()) n.set(m.userId, (n.get(m.userId) ?? 0) + 1);
    return n;
  };

  it('sends each user without a usable hash one reset email; a re-run sends none; the report names who got what, never a link', async () => {
    const state = join(dir, 'a.db');
    await migrateInto(state);
    const dry = await flaglessAsync(['finish', '--to', 'workos', '--state', state, '--dry-run', '--json'], { env });
    assert.equal(dry.code, 0, dry.stderr);
    const planned = JSON.parse(dry.stdout) as FinishDoc;
    assert.ok(planned.resets.wouldSend > 0, 'Cognito users have no usable hash');
    assert.equal(sim.outbox().length, 0, 'the dry run sent nothing');

    const links = join(dir, 'links.csv');
    const report = join(dir, 'report.csv');
    const first = await flaglessAsync(['finish', '--to', 'workos', '--state', state, '--json', '--report', report, '--links-out', links, '--sms-csv', join(dir, 'sms.csv'), '--notice-out', join(dir, 'notice'), '--cutover', '2027-01-15'], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /warning: --links-out writes every reset link/);
    const doc = JSON.parse(first.stdout) as FinishDoc;
    assert.equal(doc.resets.sent, planned.resets.wouldSend);
    assert.equal(doc.resets.failed + doc.resets.unconfirmed, 0);
    assert.equal(sim.outbox().length, doc.resets.sent);
    assert.ok([...perUser().values()].every((n) => n === 1), 'one email per user');
    const sentTo = new Set(sim.outbox().map((m) => m.to));
    for (const e of doc.entries.filter((x) => x.result === 'sent')) assert.ok(sentTo.has(e.email!), `${e.email} was mailed`);

    // The link works: the user sets a password through it and signs in with it.
    const rows = readFileSync(links, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    assert.equal(rows.length, doc.resets.sent);
    const [, email, link] = rows[0]!;
    const token = new URL(link!).searchParams.get('token')!;
    const workos = new WorkOS(sim.apiKey, { apiHostname: new URL(sim.url).hostname, port: Number(new URL(sim.url).port), https: false, clientId: sim.clientId });
    await workos.userManagement.resetPassword({ token, newPassword: 'a-new-Passw0rd!' });
    const signedIn = await workos.userManagement.authenticateWithPassword({ clientId: sim.clientId, email: email!, password: 'a-new-Passw0rd!' });
    assert.equal(signedIn.user.email, email);
    await assert.rejects(workos.userManagement.resetPassword({ token, newPassword: 'again-Passw0rd!' }), 'a token works once');

    // Nothing secret outside the links file.
    for (const [, , l] of rows) {
      const t = new URL(l!).searchParams.get('token')!;
      for (const out of [first.stdout, first.stderr, readFileSync(report, 'utf8')]) assert.ok(!out.includes(t), 'no reset token in the output or the report');
    }
    assert.match(readFileSync(report, 'utf8'), /^source_id,target_id,email,reason,result,via,at,detail\n/);

    // SMS users: Cognito's SMS_MFA users are listed, with the notice.
    assert.equal(doc.sms.targetCarriesSms, false);
    assert.ok(doc.sms.users > 0, 'the generator plants SMS MFA users');
    const sms = readFileSync(join(dir, 'sms.csv'), 'utf8').trim().split('\n');
    assert.equal(sms.length, doc.sms.users + 1);
    assert.match(readFileSync(join(dir, 'notice.txt'), 'utf8'), /Action Required: Update Two-Factor Authentication[\s\S]*From 2027-01-15, SMS codes will no longer be sent/);
    assert.match(readFileSync(join(dir, 'notice.html'), 'utf8'), /<li>an authenticator app/);

    const again = await flaglessAsync(['finish', '--to', 'workos', '--state', state, '--json'], { env });
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout) as FinishDoc;
    assert.equal(second.resets.sent, 0);
    assert.equal(second.resets.alreadySent, doc.resets.sent);
    assert.equal(sim.outbox().length, doc.resets.sent, 'the re-run mailed nobody');
  });

  it('kill -9 mid-run, then run again: nobody is mailed twice, and every user is mailed or reported unconfirmed', async () => {
    const before = sim.outbox().length;
    const state = join(dir, 'b.db');
    // Another state against the same environment: migrate links the users test 1 created.
    await migrateInto(state);
    const killed = await flaglessKilledWhen(['finish', '--to', 'workos', '--state', state, '--rate', '20'], env, () => sim.outbox().length >= before + 5);
    assert.ok(killed.killed, `killed mid-run: ${killed.stderr}`);
    const rerun = await flaglessAsync(['finish', '--to', 'workos', '--state', state, '--json'], { env });
    assert.ok(rerun.code === 0 || rerun.code === 1, rerun.stderr);
    const doc = JSON.parse(rerun.stdout) as FinishDoc;
    const mine = sim.outbox().slice(before);
    const counts = new Map<string, number>();
    for (const m of mine) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
    assert.ok([...counts.values()].every((n) => n === 1), `nobody mailed twice in this state: ${JSON.stringify([...counts].filter(([, n]) => n > 1))}`);
    assert.equal(doc.resets.candidates, doc.resets.sent + doc.resets.alreadySent + doc.resets.unconfirmed);
    assert.ok(doc.resets.unconfirmed <= 1, 'at most the one user in flight at the kill is unconfirmed');
    // Every confirmed reset is in the outbox once; an unconfirmed one may or may not have gone out.
    const extra = mine.length - (doc.resets.sent + doc.resets.alreadySent);
    assert.ok(extra >= 0 && extra <= doc.resets.unconfirmed, `outbox ${mine.length}, confirmed ${doc.resets.sent + doc.resets.alreadySent}, unconfirmed ${doc.resets.unconfirmed}`);
    if (doc.resets.unconfirmed) {
      assert.equal(rerun.code, 1, 'unconfirmed resets need attention');
      const status = await flaglessAsync(['status', '--state', state, '--json']);
      assert.equal(status.code, 1);
      assert.match(status.stdout, /unconfirmed/);
    }
  });
});
