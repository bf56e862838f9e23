import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { toYaml } from '../../src/connectors/kratos/sso-setup.js';
import { flaglessAsync } from '../helpers/cli.js';
import { inventoryOf, oidcConnection, samlConnection } from './fixtures.js';

describe('sso setup --to kratos: the oidc providers snippet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flagless-sso-kratos-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const inventory = join(dir, 'inventory.json');
  writeFileSync(inventory, JSON.stringify(inventoryOf([oidcConnection('Initech Entra', 'https://login.initech.test/v2.0', 'initech-app'), samlConnection('acme', undefined)])));

  it('JSON: a generic provider per OIDC connection, SAML listed as needing Ory Network or Polis, no secret; exit 1', async () => {
    const r = await flaglessAsync(['sso', 'setup', '--to', 'kratos', '--inventory', inventory, '--format', 'json', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as { snippet: string; warnings: string[]; mapper: { path: string; text: string } };
    const config = JSON.parse(doc.snippet) as { selfservice: { methods: { oidc: { enabled: boolean; config: { providers: Record<string, unknown>[] } } } } };
    assert.deepEqual(config.selfservice.methods.oidc.config.providers, [
      { id: 'initech-entra', provider: 'generic', label: 'Initech Entra', issuer_url: 'https://login.initech.test/v2.0', client_id: 'initech-app', client_secret: 'REPLACE_WITH_THE_CLIENT_SECRET', mapper_url: 'file:///etc/config/kratos/oidc.flagless.jsonnet', scope: ['openid', 'email', 'profile'] },
    ]);
    assert.match(doc.warnings.join('\n'), /acme: SAML is not supported by self-hosted Ory Kratos/);
    assert.match(doc.mapper.text, /std\.extVar\('claims'\)/);
  });

  it('YAML on stdout by default; the writer nests lists of maps', async () => {
    const r = await flaglessAsync(['sso', 'setup', '--to', 'kratos', '--inventory', inventory]);
    assert.match(r.stdout, /^selfservice:\n {2}methods:\n {4}oidc:\n {6}enabled: true\n {6}config:\n {8}providers:\n {10}- id: "initech-entra"\n {12}provider: "generic"/);
    assert.equal(toYaml({ a: [{ b: 1, c: ['x'] }], d: [] }), 'a:\n  - b: 1\n    c:\n      - "x"\nd: []\n');
  });
});
