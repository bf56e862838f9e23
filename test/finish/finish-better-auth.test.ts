import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openFlaglessAuth } from '../../src/connectors/better-auth/app.js';
import { tempDir } from '../engine/fixtures.js';
import { flaglessAsync } from '../helpers/cli.js';
import { flaglessKilledWhen, type FinishDoc } from './helpers.js';

/**
 * `flagless finish --to better-auth` on SQLite: the application's own `sendResetPassword` (a module
 * named by BETTER_AUTH_RESET_SENDER; here it writes to a mailbox file) is called once per user
 * without a usable hash, across a re-run and a kill -9; the link it gets resets the password through
 * Better Auth, and the user signs in with it; a sender that throws is a failed reset, sent on a
 * later run once it works.
 */
const USERS = 24;
const { dir, cleanup } = tempDir();
after(cleanup);

const sender = join(dir, 'send-reset.mjs');

function mails(path: string): { to: string; url: string }[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { to: string; url: string });
}

describe('flagless finish --to better-auth (SQLite, the application\'s sender)', () => {
  const file = join(dir, 'cognito.json');
  before(async () => {
    // What an application passes to Better Auth as emailAndPassword.sendResetPassword.
    writeFileSync(
      sender,
      `import { appendFileSync } from 'node:fs';
export async function sendResetPassword({ user, url }) {
  if (process.env.TEST_SENDER_REFUSES === user.email) throw new Error('mail provider refused the address');
  appendFileSync(process.env.TEST_MAILBOX, JSON.stringify({ to: user.email, url }) + '\\n');
}
`,
    );
    const g = await flaglessAsync(['generate', 'cognito', '--users', String(USERS), '--out', file, '--clean']);
    assert.equal(g.code, 0, g.stderr);
  });

  const setup = async (name: string) => {
    const db = join(dir, `${name}.db`);
    const state = join(dir, `${name}-state.db`);
    const m = await flaglessAsync(['migrate', '--from', 'cognito', '--file', file, '--to', 'better-auth', '--db', db, '--state', state]);
    assert.ok(m.code === 0 || m.code === 1, m.stderr);
    const box = join(dir, `${name}-mailbox.ndjson`);
    return { db, state, box, env: { BETTER_AUTH_RESET_SENDER: sender, TEST_MAILBOX: box } };
  };

  it('without the sender: refused before sending anything (exit 2), with what to set', async () => {
    const { db, state } = await setup('nosender');
    const r = await flaglessAsync(['finish', '--to', 'better-auth', '--db', db, '--state', state]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /BETTER_AUTH_RESET_SENDER/);
    const dry = await flaglessAsync(['finish', '--to', 'better-auth', '--db', db, '--state', state, '--dry-run', '--json']);
    assert.equal((JSON.parse(dry.stdout) as FinishDoc).resets.wouldSend > 0, true, 'still planned, nothing marked');
  });

  it('mails each user once through the application\'s sender; the link resets the password; a re-run mails nobody; a refusing sender is a failed reset retried later', async () => {
    const { db, state, box, env } = await setup('once');
    const first = await flaglessAsync(['finish', '--to', 'better-auth', '--db', db, '--state', state, '--json'], { env });
    assert.equal(first.code, 0, first.stderr);
    const doc = JSON.parse(first.stdout) as FinishDoc;
    assert.ok(doc.resets.sent > 0);
    assert.equal(doc.resets.sent, doc.resets.candidates);
    const got = mails(box);
    assert.equal(got.length, doc.resets.sent);
    assert.equal(new Set(got.map((m) => m.to)).size, got.length, 'one email per user');
    for (const m of got) assert.ok(!first.stdout.includes(new URL(m.url).pathname.split('/').pop()!), 'no token in the output');

    // The user follows the link: Better Auth sets the password, and the user signs in with it.
    const { auth, database } = await openFlaglessAuth(db);
    try {
      const token = new URL(got[0]!.url).pathname.split('/').pop()!;
      await auth.api.resetPassword({ body: { token, newPassword: 'a-new-Passw0rd!' } });
      const s = await auth.api.signInEmail({ body: { email: got[0]!.to, password: 'a-new-Passw0rd!' } });
      assert.ok(s.user.id);
    } finally {
      await database.close();
    }

    const again = await flaglessAsync(['finish', '--to', 'better-auth', '--db', db, '--state', state, '--json'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as FinishDoc).resets.sent, 0);
    assert.equal(mails(box).length, got.length, 'the re-run mailed nobody');
  });

  it('a sender that throws: that reset fails (exit 1, with why) and is sent on the next run; the others once', async () => {
    const { db, state, box, env } = await setup('refuse');
    const dry = JSON.parse((await flaglessAsync(['finish', '--to', 'better-auth', '--db', db, '--state', state, '--dry-run', '--json'])).stdout) as FinishDoc;
    // The refused address: a user of the target (every one of them lacks a password: Cognito exports no hashes).
    const { auth, database } = await openFlaglessAuth(db);
    let victim: string;
    try {
      victim = (await (await auth.$context).internalAdapter.listUsers(1))[0]!.email;
    } finally {
      await database.close();
    }
    const first = await flaglessAsync(['finish', '--to', 'better-auth', '--db', db, '--state', state, '--json'], { env: { ...env, TEST_SENDER_REFUSES: victim } });
    assert.equal(first.code, 1, first.stderr);
    const doc = JSON.parse(first.stdout) as FinishDoc;
    assert.equal(doc.resets.failed, 1);
    assert.match(doc.entries.find((e) => e.result === 'failed')!.detail!, /sendResetPassword failed.*mail provider refused/);
    const second = await flaglessAsync(['finish', '--to', 'better-auth', '--db', db, '--state', state, '--json'], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal((JSON.parse(second.stdout) as FinishDoc).resets.sent, 1);
    const all = mails(box);
    assert.equal(new Set(all.map((m) => m.to)).size, all.length, 'nobody twice');
    assert.equal(all.length, dry.resets.wouldSend);
  });

  it('kill -9 mid-run and run again: nobody mailed twice; every user mailed or reported unconfirmed', async () => {
    const { db, state, box, env } = await setup('kill');
    const killed = await flaglessKilledWhen(['finish', '--to', 'better-auth', '--db', db, '--state', state, '--rate', '10'], env, () => mails(box).length >= 4);
    assert.ok(killed.killed, killed.stderr);
    const rerun = await flaglessAsync(['finish', '--to', 'better-auth', '--db', db, '--state', state, '--json'], { env });
    const doc = JSON.parse(rerun.stdout) as FinishDoc;
    const all = mails(box);
    assert.equal(new Set(all.map((m) => m.to)).size, all.length, 'nobody mailed twice');
    const extra = all.length - (doc.resets.sent + doc.resets.alreadySent);
    assert.ok(extra >= 0 && extra <= doc.resets.unconfirmed, `mailbox ${all.length}, confirmed ${doc.resets.sent + doc.resets.alreadySent}, unconfirmed ${doc.resets.unconfirmed}`);
    assert.equal(doc.resets.candidates, doc.resets.sent + doc.resets.alreadySent + doc.resets.unconfirmed);
    assert.equal(rerun.code, doc.resets.unconfirmed ? 1 : 0);
  });
});
