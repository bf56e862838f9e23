import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DAY, makeCertificate } from '../helpers/certificates.js';
import { flaglessAsync } from '../helpers/cli.js';
import { inventoryOf, oidcConnection, samlConnection } from './fixtures.js';

describe('assess --sso-inventory: the SSO section of the report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flagless-assess-sso-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('adds the connections, certificate expiry and recommended path to the HTML, text and JSON reports', async () => {
    const soon = makeCertificate('idp.acme.test', new Date(Date.now() - DAY), new Date(Date.now() + 5 * DAY));
    const inv = join(dir, 'inventory.json');
    writeFileSync(inv, JSON.stringify(inventoryOf([samlConnection('acme', soon, { usersInExport: 2 }), oidcConnection('initech', 'https://login.initech.test', 'initech-app')])));
    const users = join(dir, 'users.ndjson');
    writeFileSync(users, `${JSON.stringify({ user_id: 'samlp|acme|a1', email: 'a1@acme.test', email_verified: true, identities: [{ provider: 'samlp', connection: 'acme', user_id: 'acme|a1', isSocial: false }] })}\n`);
    const html = join(dir, 'report.html');
    const r = await flaglessAsync(['assess', '--from', 'auth0', '--file', users, '--sso-inventory', inv, '--html', html, '--json']);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const doc = JSON.parse(r.stdout) as { users: number; sso: { connections: { name: string }[]; recommendedPath: string; attention: { connection: string; state: string }[] } };
    assert.equal(doc.users, 1);
    assert.deepEqual(doc.sso.connections.map((c) => c.name), ['acme', 'initech']);
    assert.deepEqual(doc.sso.attention.map((a) => [a.connection, a.state]), [['acme', 'expiring']]);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<h2 id="sso">Enterprise SSO connections \(2 at auth0\)<\/h2>/);
    assert.ok(page.includes(soon.fingerprint));
    assert.match(page, /NEEDS ATTENTION/);
    assert.match(page, /Admin Portal handoff links \(2 &lt; 15 connections\)/);
    const text = await flaglessAsync(['assess', '--from', 'auth0', '--file', users, '--sso-inventory', inv]);
    assert.match(text.stdout, /2 enterprise connections at auth0/);
  });

  it('refuses a file that is not an inventory before reading the export (exit 2)', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"connections": 3}');
    const r = await flaglessAsync(['assess', '--from', 'auth0', '--file', join(dir, 'missing.ndjson'), '--sso-inventory', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not an SSO inventory/);
  });
});
