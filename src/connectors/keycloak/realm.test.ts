import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlaglessError } from '../../protocol/errors.js';
import type { KeycloakAdminHttp } from './admin-http.js';
import { organizationModeFor, serverVersion } from './realm.js';

describe('organizationModeFor', () => {
  it('uses Keycloak organizations from 26.6 (organization groups hold the roles), realm groups before', () => {
    for (const v of ['26.6.0', '26.7.3', '27.0.0', '26.10.1']) assert.equal(organizationModeFor(v), 'organizations', v);
    for (const v of ['26.5.6', '26.0.0', '25.0.6', '24.0.5', '9.0.0']) assert.equal(organizationModeFor(v), 'groups', v);
  });
  it('falls back to groups, which every server has, when the version cannot be read', () => {
    for (const v of [undefined, '', 'nightly', 'unknown']) assert.equal(organizationModeFor(v), 'groups', String(v));
  });
});

describe('serverVersion', () => {
  const http = (answer: () => Promise<{ status: number; body: unknown }>) => ({ request: answer }) as unknown as KeycloakAdminHttp;
  it('reads systemInfo.version; "not allowed" or "not there" is unknown', async () => {
    assert.equal(await serverVersion(http(async () => ({ status: 200, body: { systemInfo: { version: '26.5.6' } } }))), '26.5.6');
    assert.equal(await serverVersion(http(async () => ({ status: 403, body: {} }))), undefined);
    assert.equal(await serverVersion(http(async () => ({ status: 404, body: {} }))), undefined);
  });
  it('lets an outage fail the open instead of guessing groups for one run', async () => {
    const down = http(async () => {
      throw new FlaglessError('E_TARGET_UNAVAILABLE', 'Keycloak read the server version: HTTP 503', { errorClass: 'retriable' });
    });
    await assert.rejects(serverVersion(down), (e: unknown) => e instanceof FlaglessError && e.code === 'E_TARGET_UNAVAILABLE');
  });
});
