import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { organizationModeFor } from './realm.js';

describe('organizationModeFor', () => {
  it('uses Keycloak organizations from 26.6 (organization groups hold the roles), realm groups before', () => {
    for (const v of ['26.6.0', '26.7.3', '27.0.0', '26.10.1']) assert.equal(organizationModeFor(v), 'organizations', v);
    for (const v of ['26.5.6', '26.0.0', '25.0.6', '24.0.5', '9.0.0']) assert.equal(organizationModeFor(v), 'groups', v);
  });
  it('falls back to groups, which every server has, when the version cannot be read', () => {
    for (const v of [undefined, '', 'nightly', 'unknown']) assert.equal(organizationModeFor(v), 'groups', String(v));
  });
});
