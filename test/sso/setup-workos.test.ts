/**
 * `sso setup --to workos` and `sso links` against the strict WorkOS simulator, checked with the
 * official @workos-inc/node SDK: one organization per connection by external id, created once
 * (a second run creates nothing), the organization `migrate` made for a legacy organization reused,
 * Admin Portal links written to a CSV only, never printed, and the endpoint's validation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkOS, GeneratePortalLinkIntent } from '@workos-inc/node';
import { startWorkosSimulator, type WorkosSimulator } from '../../src/connectors/workos/sim/server.js';
import { flaglessAsync } from '../helpers/cli.js';
import { inventoryOf, oidcConnection, samlConnection } from './fixtures.js';

describe('sso setup --to workos (simulator, WorkOS SDK)', { timeout: 120_000 }, () => {
  let sim: WorkosSimulator;
  let sdk: WorkOS;
  const dir = mkdtempSync(join(tmpdir(), 'flagless-sso-workos-'));
  const inventory = join(dir, 'inventory.json');
  const env = () => ({ WORKOS_API_URL: sim.url, WORKOS_API_KEY: sim.apiKey });
  before(async () => {
    sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0 });
    const u = new URL(sim.url);
    sdk = new WorkOS(sim.apiKey, { apiHostname: u.hostname, port: Number(u.port), https: false });
    // What `flagless migrate` created for the legacy organization org_acme.
    await sdk.organizations.createOrganization({ name: 'Acme Inc', externalId: 'org_acme' });
    writeFileSync(
      inventory,
      JSON.stringify(inventoryOf([samlConnection('acme', undefined, { organizations: ['org_acme'] }), samlConnection('globex', undefined, { domains: ['globex.test', 'not a domain'] }), oidcConnection('initech', 'https://login.initech.test', 'initech-app')])),
    );
  });
  after(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('dry run: says what it would create and writes nothing', async () => {
    const r = await flaglessAsync(['sso', 'setup', '--to', 'workos', '--inventory', inventory, '--dry-run', '--json'], { env: env() });
    const doc = JSON.parse(r.stdout) as { actions: { connection: string; what: string; action: string }[] };
    assert.deepEqual(doc.actions.filter((a) => a.what === 'organization').map((a) => [a.connection, a.action]), [['acme', 'unchanged'], ['globex', 'would-create'], ['initech', 'would-create']]);
    assert.equal(sim.organizations().length, 1);
    assert.equal(sim.stats().portalLinks, 0);
  });

  it('creates each organization once, reuses the migrated one, and writes the links CSV (links never printed)', async () => {
    const out = join(dir, 'links.csv');
    const first = await flaglessAsync(['sso', 'setup', '--to', 'workos', '--inventory', inventory, '--out', out, '--json'], { env: env() });
    assert.equal(first.code, 1, `a domain was left out: exit 1 (${first.stderr})`);
    const doc = JSON.parse(first.stdout) as { actions: { connection: string; what: string; action: string; id?: string }[]; links: { connection: string; organizationId: string; expiresAt: string }[]; warnings: string[] };
    const orgActions = doc.actions.filter((a) => a.what === 'organization');
    assert.deepEqual(orgActions.map((a) => [a.connection, a.action]), [['acme', 'unchanged'], ['globex', 'created'], ['initech', 'created']]);
    assert.equal(sim.organizations().length, 3);
    const acme = await sdk.organizations.getOrganizationByExternalId('org_acme');
    assert.equal(orgActions[0]!.id, acme.id);
    const globex = await sdk.organizations.getOrganizationByExternalId('sso:con_globex');
    assert.deepEqual(globex.domains.map((d) => [d.domain, d.state]), [['globex.test', 'pending']]);
    assert.match(doc.warnings.join('\n'), /not a domain/);
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(csv[0], 'connection,organization_id,domains,link,expires_at');
    assert.equal(csv.length, 4);
    assert.match(csv[2]!, /^globex,org_[^,]+,globex\.test,https:\/\/setup\.workos\.com\/portal\/launch\?token=[\w-]+,/);
    const expires = Date.parse(doc.links[0]!.expiresAt);
    assert.ok(expires > Date.now() && expires <= Date.now() + 5 * 60_000, 'links expire five minutes after issuance');
    assert.ok(!first.stdout.includes('setup.workos.com') && !first.stderr.includes('setup.workos.com'), 'links are in the CSV only');
    assert.equal(sim.stats().portalLinks, 3);

    const second = await flaglessAsync(['sso', 'setup', '--to', 'workos', '--inventory', inventory, '--out', out], { env: env() });
    assert.match(second.stdout, /globex\s+organization\s+unchanged/);
    assert.equal(sim.organizations().length, 3, 'a second run creates no organization');
    assert.equal(sim.stats().portalLinks, 6, 'fresh links each run');
  });

  it('sso links makes fresh links for the named connection only', async () => {
    const out = join(dir, 'acme.csv');
    const before = sim.stats().portalLinks;
    const r = await flaglessAsync(['sso', 'links', '--to', 'workos', '--inventory', inventory, '--connection', 'acme', '--out', out], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 2);
    assert.equal(sim.stats().portalLinks, before + 1);
    const missing = await flaglessAsync(['sso', 'links', '--to', 'workos', '--inventory', inventory, '--connection', 'nope', '--out', out], { env: env() });
    assert.equal(missing.code, 2);
  });

  it('refuses a missing --out, and a wrong API key with exit 2', async () => {
    const noOut = await flaglessAsync(['sso', 'setup', '--to', 'workos', '--inventory', inventory], { env: env() });
    assert.equal(noOut.code, 2);
    const bad = await flaglessAsync(['sso', 'setup', '--to', 'workos', '--inventory', inventory, '--out', join(dir, 'x.csv')], { env: { ...env(), WORKOS_API_KEY: 'sk_test_wrong' } });
    assert.equal(bad.code, 2, bad.stderr);
    assert.ok(!bad.stderr.includes('sk_test_wrong'));
  });

  it('the simulator validates generate_link as WorkOS documents it (SDK)', async () => {
    const org = await sdk.organizations.getOrganizationByExternalId('org_acme');
    const { link } = await sdk.portal.generateLink({ organization: org.id, intent: GeneratePortalLinkIntent.SSO, returnUrl: 'https://app.example.com/settings' });
    assert.match(link, /^https:\/\/setup\.workos\.com\//);
    await assert.rejects(sdk.portal.generateLink({ organization: 'org_missing', intent: GeneratePortalLinkIntent.SSO }), (e: unknown) => (e as Error).name === 'NotFoundException');
    await assert.rejects(sdk.portal.generateLink({ organization: org.id, intent: 'setup_everything' as GeneratePortalLinkIntent }), (e: unknown) => (e as { status?: number }).status === 422);
    await assert.rejects(sdk.portal.generateLink({ organization: org.id, intent: GeneratePortalLinkIntent.SSO, successUrl: 'not a url' }), (e: unknown) => (e as { status?: number }).status === 422);
  });
});
