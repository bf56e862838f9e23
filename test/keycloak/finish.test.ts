import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KeycloakAdminHttp } from '../../src/connectors/keycloak/admin-http.js';
import { connectKeycloak, type KeycloakConnection } from '../../src/connectors/keycloak/admin-client.js';
import { target as keycloak } from '../../src/connectors/keycloak/index.js';
import { flaglessAsync } from '../helpers/cli.js';
import type { FinishDoc } from '../finish/helpers.js';
import { releaseKeycloak, useKeycloak, type LocalKeycloak } from './server-helper.js';
import { SmtpSink } from './smtp-sink.js';

/**
 * `flagless finish --to keycloak` on the real server: Cognito users (no exportable hashes) moved by
 * `migrate` get Keycloak's own update-password email (execute-actions-email), once, through the
 * realm's SMTP settings (a local sink); a re-run mails nobody; without email settings each reset
 * fails with what to fix, and is sent by the next run once they are there.
 */
describe('flagless finish --to keycloak (real Keycloak, SMTP sink)', { timeout: 10 * 60_000 }, () => {
  let kc: LocalKeycloak;
  let conn: KeycloakConnection;
  let sink: SmtpSink;
  const realm = `finish-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'flagless-kc-finish-'));
  const file = join(dir, 'cognito.json');
  const state = join(dir, 'state.db');
  // A loaded machine makes realm creation slow: a longer per-request timeout than the 30 s default.
  const env = () => ({ KEYCLOAK_URL: kc.url, KEYCLOAK_ADMIN_USERNAME: kc.username, KEYCLOAK_ADMIN_PASSWORD: kc.password, KEYCLOAK_TIMEOUT_MS: '180000' });
  const admin = () => new KeycloakAdminHttp(kc.url, realm, () => conn.admin.getAccessToken());

  before(async () => {
    kc = await useKeycloak();
    conn = await connectKeycloak({ url: kc.url, username: kc.username, password: kc.password });
    sink = await new SmtpSink().start();
    const g = await flaglessAsync(['generate', 'cognito', '--users', '10', '--out', file, '--clean']);
    assert.equal(g.code, 0, g.stderr);
    // The realm (created by the target) without email settings first.
    await (await keycloak.open({ env: env(), realm })).close();
    const m = await flaglessAsync(['migrate', '--from', 'cognito', '--file', file, '--to', 'keycloak', '--realm', realm, '--state', state], { env: env() });
    assert.ok(m.code === 0 || m.code === 1, m.stderr);
  });
  after(async () => {
    await admin().request('DELETE', '', { what: 'delete realm', accept: [404] }).catch(() => undefined);
    await sink?.close();
    await releaseKeycloak();
    rmSync(dir, { recursive: true, force: true });
  });

  test('without email settings every reset fails with the fix; with them each user is mailed once, and a re-run mails nobody', async () => {
    const refused = await flaglessAsync(['finish', '--to', 'keycloak', '--realm', realm, '--state', state, '--json'], { env: env() });
    assert.equal(refused.code, 1, refused.stderr);
    const r1 = JSON.parse(refused.stdout) as FinishDoc;
    assert.ok(r1.resets.failed > 0 && r1.resets.sent === 0);
    assert.match(r1.entries[0]!.detail!, /check the realm's email \(SMTP\) settings/);
    assert.equal(sink.mails.length, 0);

    const { body: rep } = await admin().get<Record<string, unknown>>('', { what: 'realm' });
    await admin().request('PUT', '', { what: 'email settings', body: { ...rep, smtpServer: { host: '127.0.0.1', port: String(sink.port), from: 'noreply@flagless.test', auth: 'false', ssl: 'false', starttls: 'false' } } });
    const sent = await flaglessAsync(['finish', '--to', 'keycloak', '--realm', realm, '--state', state, '--json'], { env: env() });
    assert.equal(sent.code, 0, sent.stderr);
    const r2 = JSON.parse(sent.stdout) as FinishDoc;
    assert.equal(r2.resets.sent, r1.resets.failed, 'the failed resets are sent once the settings are there');
    assert.ok(r2.entries.every((e) => e.result !== 'sent' || e.via === 'keycloak:execute-actions-email'));
    const to = sink.mails.flatMap((x) => x.to).map((a) => a.toLowerCase()).sort();
    assert.deepEqual(to, r2.entries.filter((e) => e.result === 'sent').map((e) => e.email!.toLowerCase()).sort());
    for (const mail of sink.mails) assert.match(mail.data.replace(/=\r\n/g, ''), /action-token/, "Keycloak's own action link");

    const again = await flaglessAsync(['finish', '--to', 'keycloak', '--realm', realm, '--state', state, '--json'], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as FinishDoc).resets.alreadySent, r2.resets.sent);
    assert.equal(sink.mails.length, to.length, 'the re-run mailed nobody');
  });
});
