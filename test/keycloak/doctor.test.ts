import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectKeycloak, type KeycloakConnection } from '../../src/connectors/keycloak/admin-client.js';
import { flaglessAsync } from '../helpers/cli.js';
import { releaseKeycloak, useKeycloak, type LocalKeycloak } from './server-helper.js';

type Doc = { ok: boolean; checks: { id: string; status: string; message: string }[] };
const statuses = (d: Doc) => Object.fromEntries(d.checks.map((c) => [c.id, c.status]));

describe('flagless doctor --to keycloak (real Keycloak)', { timeout: 600_000 }, () => {
  let kc: LocalKeycloak;
  let conn: KeycloakConnection;
  const realm = `appside-doctor-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'flagless-kc-doctor-'));
  const env = () => ({ KEYCLOAK_URL: kc.url, KEYCLOAK_ADMIN_USERNAME: kc.username, KEYCLOAK_ADMIN_PASSWORD: kc.password, KEYCLOAK_TIMEOUT_MS: '120000' });

  before(async () => {
    kc = await useKeycloak();
    conn = await connectKeycloak({ url: kc.url, username: kc.username, password: kc.password, timeoutMs: 120_000 });
  });
  after(async () => {
    try {
      await conn.admin.realms.del({ realm }).catch(() => undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await releaseKeycloak();
    }
  });

  it('a missing realm fails; wrong admin credentials fail; an unreachable server fails', async () => {
    const missing = await flaglessAsync(['doctor', '--to', 'keycloak', '--realm', realm, '--json'], { env: env() });
    assert.equal(missing.code, 1);
    assert.deepEqual(statuses(JSON.parse(missing.stdout) as Doc), { 'keycloak.reachable': 'ok', 'keycloak.admin-credentials': 'ok', 'keycloak.realm': 'fail' });
    const badAdmin = await flaglessAsync(['doctor', '--to', 'keycloak', '--realm', realm, '--json'], { env: { ...env(), KEYCLOAK_ADMIN_PASSWORD: 'not-the-password' } });
    assert.equal(statuses(JSON.parse(badAdmin.stdout) as Doc)['keycloak.admin-credentials'], 'fail');
    assert.ok(!badAdmin.stdout.includes('not-the-password'));
    const down = await flaglessAsync(['doctor', '--to', 'keycloak', '--realm', realm, '--target-url', 'http://127.0.0.1:9', '--json'], { env: env() });
    assert.equal(statuses(JSON.parse(down.stdout) as Doc)['keycloak.reachable'], 'fail');
  });

  it('reports each realm setting the migration needs, and passes once they are set; social providers are compared with Keycloak identity providers', async () => {
    await conn.admin.realms.create({ realm, enabled: true });
    const args = ['doctor', '--to', 'keycloak', '--realm', realm, '--resets', '--hashes', 'bcrypt,argon2id', '--json'];
    const first = await flaglessAsync(args, { env: env() });
    assert.equal(first.code, 1);
    const s = statuses(JSON.parse(first.stdout) as Doc);
    assert.equal(s['keycloak.unmanaged-attributes'], 'fail');
    assert.equal(s['keycloak.email'], 'fail');
    assert.equal(s['keycloak.brute-force'], 'fail');
    // The hash extension is deployed (or not) in this server: the check must say which, by the server's providers.
    const info = (await conn.admin.serverInfo.find()) as { providers?: Record<string, { providers?: Record<string, unknown> }> };
    const hasBcrypt = 'bcrypt' in (info.providers?.['password-hashing']?.providers ?? {});
    assert.equal(s['keycloak.hash-extension'], hasBcrypt ? 'ok' : 'fail');

    await conn.admin.realms.update({ realm }, { bruteForceProtected: true, smtpServer: { host: '127.0.0.1', port: '2525', from: 'noreply@example.com' } });
    const profile = (await conn.admin.users.getProfile({ realm })) as Record<string, unknown>;
    await conn.admin.users.updateProfile({ realm, ...profile, unmanagedAttributePolicy: 'ADMIN_EDIT' } as Parameters<typeof conn.admin.users.updateProfile>[0]);
    await conn.admin.identityProviders.create({ realm, alias: 'google', providerId: 'google', enabled: true, config: { clientId: 'google-client-1', clientSecret: 'secret-value' } });
    const legacy = join(dir, 'legacy.json');
    writeFileSync(legacy, JSON.stringify([{ provider: 'google', clientId: 'google-client-1' }]));
    const args2 = ['doctor', '--to', 'keycloak', '--realm', realm, '--resets', '--social-legacy', legacy, '--json'];
    const second = await flaglessAsync(args2, { env: env() });
    assert.equal(second.code, 0, second.stdout);
    assert.equal(statuses(JSON.parse(second.stdout) as Doc)['social.google'], 'ok');
    assert.ok(!second.stdout.includes('secret-value'));
    writeFileSync(legacy, JSON.stringify([{ provider: 'google', clientId: 'google-client-OLD' }, { provider: 'github', clientId: 'gh-1' }]));
    const third = await flaglessAsync(args2, { env: env() });
    assert.equal(third.code, 1);
    const t = statuses(JSON.parse(third.stdout) as Doc);
    assert.equal(t['social.google'], 'warn');
    assert.equal(t['social.github'], 'warn');
  });
});
