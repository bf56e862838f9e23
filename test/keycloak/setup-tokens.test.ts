import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectKeycloak, type KeycloakConnection } from '../../src/connectors/keycloak/admin-client.js';
import { flaglessAsync } from '../helpers/cli.js';
import { releaseKeycloak, useKeycloak, type LocalKeycloak } from './server-helper.js';

/** The CLI with a password on stdin (tokens compare reads it there). */
function flaglessStdin(args: string[], stdin: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'bin/flagless.js'), ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('flagless setup keycloak + tokens compare (real Keycloak)', { timeout: 600_000 }, () => {
  let kc: LocalKeycloak;
  let conn: KeycloakConnection;
  const realm = `appside-claims-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'flagless-kc-claims-'));
  const password = 'Correct-horse-9';
  const env = () => ({ KEYCLOAK_URL: kc.url, KEYCLOAK_ADMIN_USERNAME: kc.username, KEYCLOAK_ADMIN_PASSWORD: kc.password, KEYCLOAK_TIMEOUT_MS: '120000' });
  // What the Clerk app's backend reads today: a session token from a JWT template.
  const legacyToken = join(dir, 'legacy.jwt');
  const legacy = { iss: 'https://clerk.example.com', sub: 'user_2abc', azp: 'http://localhost:3000', exp: 2_000_000_000, iat: 1_700_000_000, sid: 'sess_1', email: 'ada@example.com', first_name: 'Ada', roles: ['admin'], plan: 'pro' };

  before(async () => {
    kc = await useKeycloak();
    conn = await connectKeycloak({ url: kc.url, username: kc.username, password: kc.password, timeoutMs: 120_000 });
    await conn.admin.realms.create({ realm, enabled: true });
    const profile = (await conn.admin.users.getProfile({ realm })) as Record<string, unknown>;
    await conn.admin.users.updateProfile({ realm, ...profile, unmanagedAttributePolicy: 'ADMIN_EDIT' } as Parameters<typeof conn.admin.users.updateProfile>[0]);
    await conn.admin.roles.create({ realm, name: 'admin' });
    const { id } = await conn.admin.users.create({
      realm,
      username: 'ada',
      email: 'ada@example.com',
      emailVerified: true,
      firstName: 'Ada',
      lastName: 'Lovelace',
      enabled: true,
      attributes: { 'metadata.plan': ['pro'] },
      credentials: [{ type: 'password', value: password, temporary: false }],
    });
    const role = await conn.admin.roles.findOneByName({ realm, name: 'admin' });
    await conn.admin.users.addRealmRoleMappings({ realm, id, roles: [{ id: role!.id!, name: 'admin' }] });
    writeFileSync(legacyToken, `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(legacy)}.c2lnbmF0dXJl`);
  });
  after(async () => {
    try {
      await conn.admin.realms.del({ realm }).catch(() => undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await releaseKeycloak();
    }
  });

  const compare = () => flaglessStdin(['tokens', 'compare', legacyToken, '--to', 'keycloak', '--realm', realm, '--user', 'ada', '--password-stdin', '--json'], password, env());

  it('before setup, the comparison names the claims Keycloak lacks (exit 1); the password is never printed', async () => {
    const r = await compare();
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as { claims: { claim: string; kind: string }[] };
    const kinds = Object.fromEntries(doc.claims.map((c) => [c.claim, c.kind]));
    assert.equal(kinds.email, 'same');
    assert.equal(kinds.first_name, 'renamed', 'Keycloak has given_name with the same value');
    assert.equal(kinds.plan, 'missing');
    assert.equal(kinds.roles, 'missing');
    assert.equal(kinds.sub, undefined, 'registered claims are not compared');
    assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password));
  });

  it('setup keycloak --claims-from the sample token creates the clients and mappers; then the backend sees the same claims (exit 0); a re-run changes nothing', async () => {
    const args = ['setup', 'keycloak', '--realm', realm, '--redirect-uri', 'http://localhost:3000/*', '--claims-from', legacyToken, '--json'];
    const r = await flaglessAsync(args, { env: env() });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const doc = JSON.parse(r.stdout) as { frontend: string; backend: string; mappers: { claim: string; mapper: string; action: string }[] };
    assert.equal(doc.frontend, 'created');
    assert.equal(doc.backend, 'created');
    assert.deepEqual(Object.fromEntries(doc.mappers.map((m) => [m.claim, m.mapper])), {
      email: 'oidc-usermodel-property-mapper',
      first_name: 'oidc-usermodel-property-mapper',
      roles: 'oidc-usermodel-realm-role-mapper',
      plan: 'oidc-usermodel-attribute-mapper',
    });
    const [front] = await conn.admin.clients.find({ realm, clientId: 'app-frontend' });
    assert.equal(front!.publicClient, true);
    assert.equal(front!.directAccessGrantsEnabled, false);
    assert.equal(front!.attributes?.['pkce.code.challenge.method'], 'S256');
    assert.deepEqual(front!.redirectUris, ['http://localhost:3000/*']);
    const [back] = await conn.admin.clients.find({ realm, clientId: 'app-backend' });
    assert.equal(back!.publicClient, false);
    assert.equal(back!.serviceAccountsEnabled, true);
    assert.equal(back!.standardFlowEnabled, false);
    assert.ok(!r.stdout.includes(back!.secret ?? '\0'), 'the backend secret is never printed');

    const same = await compare();
    assert.equal(same.code, 0, same.stdout);
    const again = await flaglessAsync(args, { env: env() });
    assert.equal(again.code, 0);
    const doc2 = JSON.parse(again.stdout) as { frontend: string; mappers: { action: string }[] };
    assert.equal(doc2.frontend, 'updated');
    assert.deepEqual([...new Set(doc2.mappers.map((m) => m.action))], ['unchanged']);
  });

  it('a Clerk JWT template: shortcodes become mappers; a composite value is reported as unmapped (exit 1)', async () => {
    const template = join(dir, 'template.json');
    writeFileSync(template, JSON.stringify({ claims: { email: '{{user.primary_email_address}}', plan: '{{user.public_metadata.plan}}', greeting: 'hello {{user.first_name}}' } }));
    const r = await flaglessAsync(['setup', 'keycloak', '--realm', realm, '--redirect-uri', 'http://localhost:3000/*', '--claims-from', template, '--json'], { env: env() });
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout) as { unmappedClaims: string[]; mappers: { claim: string }[] };
    assert.deepEqual(doc.unmappedClaims, ['greeting']);
    assert.deepEqual(doc.mappers.map((m) => m.claim), ['email', 'plan']);
  });
});
