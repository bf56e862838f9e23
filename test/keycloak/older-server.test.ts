// The fallbacks for Keycloak servers before 26.6, on a real one: the older release the tests run
// (KEYCLOAK_OLDER_VERSION, prepared by `npm test` like the main one). Organizations arrived in 26.0
// but organization groups, which hold the membership roles, only in 26.6: on older servers the
// target notices the version by itself and maps organizations to realm groups. Proven end to end
// through the CLI: migrate (with flagless's bcrypt extension), a second migrate that writes nothing,
// and verify --logins with the original passwords.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { KeycloakAdminHttp } from '../../src/connectors/keycloak/admin-http.js';
import { connectKeycloak, type KeycloakConnection } from '../../src/connectors/keycloak/admin-client.js';
import { SOURCE_MODULES } from '../../src/connectors/index.js';
import type { MigrateSummary } from '../../src/engine/summary.js';
import type { VerifyReport } from '../../src/engine/verify.js';
import { flaglessAsync } from '../helpers/cli.js';
import { releaseOlderKeycloak, useOlderKeycloak, type LocalKeycloak } from './server-helper.js';

// The version lives with the script that prepares it (tests run from the repository root).
const OLDER = ((await import(pathToFileURL(resolve('scripts', 'keycloak-prepare.mjs')).href)) as { KEYCLOAK_OLDER_VERSION: string }).KEYCLOAK_OLDER_VERSION;

describe(`Keycloak ${OLDER} (before organization groups): organizations as realm groups`, { timeout: 12 * 60_000 }, () => {
  let kc: LocalKeycloak;
  let conn: KeycloakConnection;
  const realm = `flagless-older-${process.pid}-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'flagless-older-'));

  before(async () => {
    kc = await useOlderKeycloak(OLDER);
    conn = await connectKeycloak({ url: kc.url, username: kc.username, password: kc.password });
  });

  after(async () => {
    try {
      if (conn) await new KeycloakAdminHttp(kc.url, realm, () => conn.admin.getAccessToken()).request('DELETE', '', { what: 'delete realm', accept: [404] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await releaseOlderKeycloak(OLDER);
    }
  });

  test('migrate twice, then verify --logins: members and roles come back from the groups', async () => {
    assert.equal(kc.version, OLDER);
    const clerk = await SOURCE_MODULES.clerk();
    const file = join(dir, 'users.csv');
    const logins = join(dir, 'logins.csv');
    await clerk.generate({ users: 60, out: file, plaintexts: logins, seed: 5, clean: true });
    const env = { KEYCLOAK_URL: kc.url, KEYCLOAK_ADMIN_USERNAME: kc.username, KEYCLOAK_ADMIN_PASSWORD: kc.password };
    const source = ['--from', 'clerk', '--file', file, '--api-dump', join(dir, 'users.api.json')];
    const target = ['--to', 'keycloak', '--realm', realm];
    const state = join(dir, 'state.db');

    const first = await flaglessAsync(['migrate', ...source, ...target, '--state', state, '--json'], { env });
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const s1 = JSON.parse(first.stdout) as MigrateSummary;
    assert.ok(s1.users.created >= 50 && s1.organizations.created > 0 && s1.memberships.created > 0, JSON.stringify(s1.memberships));

    const second = await flaglessAsync(['migrate', ...source, ...target, '--state', state, '--json'], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal((JSON.parse(second.stdout) as MigrateSummary).writes, 0, 'the second run writes nothing');

    const v = await flaglessAsync(['verify', ...source, ...target, '--logins', logins, '--json'], { env });
    const report = JSON.parse(v.stdout) as VerifyReport;
    assert.equal(v.code, 0, JSON.stringify(report.counts) + JSON.stringify(report.missingMemberships.slice(0, 3)) + v.stderr);
    assert.equal(report.counts.missingMemberships, 0);
    assert.ok(report.logins!.succeeded >= 40 && report.logins!.failedCount === 0, `${report.logins!.succeeded} sign-ins`);

    // Where they went: realm groups under /organizations, one per organization with its role
    // subgroups; Keycloak organizations were not switched on.
    const admin = new KeycloakAdminHttp(kc.url, realm, () => conn.admin.getAccessToken());
    const { body: rep } = await admin.get<{ organizationsEnabled?: boolean }>('', { what: 'realm' });
    assert.notEqual(rep.organizationsEnabled, true);
    const { body: top } = await admin.get<{ id: string; name: string }[]>('/groups', { what: 'groups', query: { briefRepresentation: true } });
    assert.deepEqual(top.map((g) => g.name), ['organizations']);
    const { body: orgs } = await admin.get<{ id: string; attributes?: Record<string, string[]> }[]>(`/groups/${top[0]!.id}/children`, { what: 'orgs', query: { briefRepresentation: false } });
    assert.equal(orgs.length, s1.organizations.created);
    assert.ok(orgs.every((o) => o.attributes?.flagless_source_id?.[0]?.startsWith('org_')));
    const roles = new Set<string>();
    for (const o of orgs) {
      const { body: subs } = await admin.get<{ name: string }[]>(`/groups/${o.id}/children`, { what: 'roles', query: { briefRepresentation: true } });
      for (const r of subs) roles.add(r.name);
    }
    assert.ok(roles.has('admin') || roles.has('member'), [...roles].join(','));
  });
});
