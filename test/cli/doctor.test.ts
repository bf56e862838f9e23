import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openFlaglessAuth } from '../../src/connectors/better-auth/app.js';
import { startWorkosSimulator, type WorkosSimulator } from '../../src/connectors/workos/sim/server.js';
import { flaglessAsync } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'flagless-doctor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Doc = { target: string; ok: boolean; checks: { id: string; status: string; message: string; fix?: string }[] };
const statuses = (d: Doc) => Object.fromEntries(d.checks.map((c) => [c.id, c.status]));

describe('flagless doctor --to workos (against the WorkOS simulator)', () => {
  let sim: WorkosSimulator;
  before(async () => {
    sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0 });
  });
  after(async () => sim.stop());
  const good = () => ({
    WORKOS_API_URL: sim.url,
    WORKOS_API_KEY: sim.apiKey,
    WORKOS_CLIENT_ID: sim.clientId,
    NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'http://localhost:3000/callback',
    WORKOS_COOKIE_PASSWORD: 'x'.repeat(32),
  });

  it('exit 0 when the key is accepted and every setting is valid; --json lists each check; no secret printed', async () => {
    const r = await flaglessAsync(['doctor', '--to', 'workos', '--json'], { env: good() });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const doc = JSON.parse(r.stdout) as Doc;
    assert.equal(doc.ok, true);
    assert.deepEqual(statuses(doc), { 'workos.api-key': 'ok', 'workos.api-key-accepted': 'ok', 'workos.client-id': 'ok', 'workos.redirect-uri': 'ok', 'workos.cookie-password': 'ok' });
    assert.ok(sim.stats().reads >= 1, 'the API was asked');
    for (const out of [r.stdout, r.stderr]) assert.ok(!out.includes(sim.apiKey) && !out.includes('x'.repeat(32)), 'no secret in the output');
  });

  it('a key the API refuses, a wrong prefix, a short cookie password and a bad redirect URI each fail with a fix (exit 1)', async () => {
    const refused = await flaglessAsync(['doctor', '--to', 'workos', '--json'], { env: { ...good(), WORKOS_API_KEY: 'sk_test_revoked_key' } });
    assert.equal(refused.code, 1);
    const doc = JSON.parse(refused.stdout) as Doc;
    assert.equal(statuses(doc)['workos.api-key-accepted'], 'fail');
    assert.match(doc.checks.find((c) => c.id === 'workos.api-key-accepted')!.message, /refuses the key \(HTTP 401\)/);
    assert.ok(!refused.stdout.includes('sk_test_revoked_key'));
    const bad = await flaglessAsync(['doctor', '--to', 'workos'], {
      env: { ...good(), WORKOS_API_KEY: 'pk_wrong', WORKOS_CLIENT_ID: 'project_x', WORKOS_COOKIE_PASSWORD: 'short', NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'http://app.example.com/callback' },
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /FAIL {2}WORKOS_API_KEY does not start with sk_/);
    assert.match(bad.stdout, /FAIL {2}WORKOS_CLIENT_ID does not start with client_/);
    assert.match(bad.stdout, /FAIL {2}WORKOS_COOKIE_PASSWORD has 5 characters; AuthKit needs at least 32\n {8}fix: generate one: openssl rand -base64 24/);
    assert.match(bad.stdout, /FAIL {2}the redirect URI must use https \(http only for localhost\)/);
  });

  it("roles: the export's role slugs (renamed as WorkOS writes them) must exist in the environment; a missing one fails with a fix", async () => {
    const ok = await flaglessAsync(['doctor', '--to', 'workos', '--json', '--roles', 'org:admin,org:member'], { env: good() });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(statuses(JSON.parse(ok.stdout) as Doc)['workos.roles'], 'ok');
    const missing = await flaglessAsync(['doctor', '--to', 'workos', '--json', '--roles', 'org:admin,org:billing_manager'], { env: good() });
    assert.equal(missing.code, 1);
    const check = (JSON.parse(missing.stdout) as Doc).checks.find((c) => c.id === 'workos.roles')!;
    assert.equal(check.status, 'fail');
    assert.match(check.message, /lacks the role billing_manager/);
    assert.match(check.fix!, /dashboard → Roles/);
  });

  it("social connections: Auth0's connections against the WorkOS configuration; a different client id or a missing provider warns (exit 1)", async () => {
    const legacy = join(dir, 'auth0-connections.json');
    writeFileSync(legacy, JSON.stringify([
      { name: 'Username-Password-Authentication', strategy: 'auth0', options: {} },
      { name: 'google-oauth2', strategy: 'google-oauth2', options: { client_id: 'google-client-1' } },
      { name: 'github', strategy: 'github', options: { client_id: 'gh-client-1' } },
    ]));
    const same = join(dir, 'workos-same.json');
    writeFileSync(same, JSON.stringify([{ provider: 'google', clientId: 'google-client-1' }, { provider: 'github', clientId: 'gh-client-1' }]));
    const ok = await flaglessAsync(['doctor', '--to', 'workos', '--social-legacy', legacy, '--social-target', same, '--json'], { env: good() });
    assert.equal(ok.code, 0, ok.stdout);
    assert.equal(statuses(JSON.parse(ok.stdout) as Doc)['social.github'], 'ok');
    const other = join(dir, 'workos-other.json');
    writeFileSync(other, JSON.stringify([{ provider: 'github', clientId: 'gh-client-2' }]));
    const r = await flaglessAsync(['doctor', '--to', 'workos', '--social-legacy', legacy, '--social-target', other, '--json'], { env: good() });
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout) as Doc;
    assert.equal(statuses(doc)['social.google'], 'warn');
    assert.match(doc.checks.find((c) => c.id === 'social.github')!.message, /gh-client-1 at the legacy provider and gh-client-2 at the target: users would not be linked/);
    const missing = await flaglessAsync(['doctor', '--to', 'workos', '--social-legacy', legacy], { env: good() });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /pass --social-target/);
  });
});

describe('flagless doctor --to better-auth (SQLite)', () => {
  it("fails on a database without Better Auth's schema, passes once the schema and flagless's columns are there", async () => {
    const db = join(dir, 'app.db');
    const before = await flaglessAsync(['doctor', '--to', 'better-auth', '--db', db, '--json']);
    assert.equal(before.code, 1);
    const doc = JSON.parse(before.stdout) as Doc;
    assert.equal(statuses(doc)['better-auth.schema'], 'fail');
    assert.match(doc.checks.find((c) => c.id === 'better-auth.schema')!.message, /tables are missing: .*user/);
    const { database } = await openFlaglessAuth(db);
    await database.close();
    const afterSchema = await flaglessAsync(['doctor', '--to', 'better-auth', '--db', db, '--json']);
    assert.equal(afterSchema.code, 0, afterSchema.stdout);
    assert.deepEqual(statuses(JSON.parse(afterSchema.stdout) as Doc), { 'better-auth.database': 'ok', 'better-auth.schema': 'ok', 'better-auth.flagless-columns': 'ok' });
    const none = await flaglessAsync(['doctor', '--to', 'better-auth', '--json']);
    assert.equal(none.code, 1);
  });
});

describe('flagless doctor --to kratos (against the Kratos simulator)', () => {
  it('passes when the admin API answers and the schema has an email trait; a schema without one, a wrong token and no URL fail', async () => {
    const { startKratosSimulator } = await import('../../src/connectors/kratos/sim/server.js');
    const { DEFAULT_IDENTITY_SCHEMA } = await import('../../src/connectors/kratos/sim/traits.js');
    const noEmail = { type: 'object', properties: { traits: { type: 'object', properties: { username: { type: 'string' } } } } };
    const sim = await startKratosSimulator({ adminToken: 'ory_test_token', schemas: { default: DEFAULT_IDENTITY_SCHEMA, 'no-email': noEmail } });
    try {
      const env = { KRATOS_ADMIN_URL: sim.url, ORY_API_KEY: 'ory_test_token' };
      const ok = await flaglessAsync(['doctor', '--to', 'kratos', '--json'], { env });
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.deepEqual(statuses(JSON.parse(ok.stdout) as Doc), { 'kratos.admin-api': 'ok', 'kratos.identity-schema': 'ok' });
      assert.ok(!ok.stdout.includes('ory_test_token'));
      const bad = await flaglessAsync(['doctor', '--to', 'kratos', '--json'], { env: { ...env, KRATOS_SCHEMA_ID: 'no-email' } });
      assert.equal(bad.code, 1);
      assert.equal(statuses(JSON.parse(bad.stdout) as Doc)['kratos.identity-schema'], 'fail');
      const refused = await flaglessAsync(['doctor', '--to', 'kratos', '--json'], { env: { ...env, ORY_API_KEY: 'wrong' } });
      assert.equal(statuses(JSON.parse(refused.stdout) as Doc)['kratos.admin-api'], 'fail');
    } finally {
      await sim.stop();
    }
  });
});
