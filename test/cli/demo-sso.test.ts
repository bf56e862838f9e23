// `flagless demo sso` as a user runs it: refused with the way out when chromium or Keycloak is
// missing (exit 2, before starting anything), and end to end on the local Keycloak (joined with a
// lease: this test process holds one too, so the demo must leave the server running), with the
// per-connection JSON the issue asks for.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { flagless, flaglessAsync } from '../helpers/cli.js';
import { releaseKeycloak, useKeycloak } from '../keycloak/server-helper.js';

describe('flagless demo sso', { timeout: 8 * 60_000 }, () => {
  after(async () => {
    await releaseKeycloak();
  });

  it('without chromium: exit 2 with the way out, nothing started', () => {
    const r = flagless(['demo', 'sso', '--json', '--chromium', '/nonexistent/chromium'], { env: { KEYCLOAK_URL: '' } });
    assert.equal(r.code, 2, r.stderr);
    const out = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    assert.equal(out.error.code, 'E_PREREQUISITE');
    assert.match(out.error.message, /--chromium/);
  });

  it('without a prepared Keycloak and no KEYCLOAK_URL: exit 2 naming `npm run keycloak:prepare` and KEYCLOAK_URL', () => {
    const empty = mkdtempSync(join(tmpdir(), 'flagless-no-keycloak-'));
    try {
      const r = flagless(['demo', 'sso'], { env: { KEYCLOAK_URL: '', FLAGLESS_CACHE_DIR: empty } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /E_PREREQUISITE/);
      assert.match(r.stderr, /npm run keycloak:prepare/);
      assert.match(r.stderr, /KEYCLOAK_URL/);
      assert.equal(r.stdout, '');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('--logins out of range is a usage error', () => {
    const r = flagless(['demo', 'sso', '--logins', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--logins/);
  });

  it('end to end: per connection logins before, during and after the flip, no failure, the rollback; the shared Keycloak is left running', async () => {
    const kc = await useKeycloak();
    // One login per connection and phase: the CLI, its report and its JSON are what this test is
    // for; test/sso/proof.test.ts runs the same scenario with three per phase and checks each login.
    const LOGINS = 1;
    const r = await flaglessAsync(['demo', 'sso', '--json', '--logins', String(LOGINS)], { env: { KEYCLOAK_URL: '' } });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      connections: Array<{ name: string; protocol: string; flips: number; loginsLegacy: number; loginsTarget: number; failed: number; phases: Record<"before" | "during" | "after", { legacy: number; target: number; failed: number }> }>;
      flips: Array<{ connection: string; from: string; to: string }>;
      rollback: Array<{ connection: string }>;
      checks: Array<{ name: string; ok: boolean }>;
    };
    assert.equal(out.ok, true);
    assert.ok(out.connections.length >= 3);
    const flipped = out.connections.filter((c) => c.flips > 0);
    assert.equal(flipped.length, 1);
    assert.equal(flipped[0]!.flips, 2);
    assert.ok(flipped[0]!.loginsTarget >= LOGINS && flipped[0]!.phases.during.target >= LOGINS);
    assert.ok(flipped[0]!.phases.after.legacy >= LOGINS);
    for (const c of out.connections) {
      assert.equal(c.failed, 0, c.name);
      assert.ok(c.phases.before.legacy >= LOGINS, c.name);
      if (c.flips === 0) assert.equal(c.loginsTarget, 0, c.name);
    }
    assert.deepEqual(out.rollback.map((x) => x.connection), [flipped[0]!.name]);
    assert.ok(out.checks.length >= 5 && out.checks.every((c) => c.ok));
    for (const text of ['before the flip', 'after the rollback', 'Rollback:', 'Failed logins: 0', 'the gateway and chromium are stopped', 'Keycloak left running']) assert.ok(r.stderr.includes(text), `the report says "${text}"`);
    // Joined, not started: the server this test process leases is still up, and the demo says so.
    assert.equal((out as unknown as { keycloak: { how: string; stopped: boolean } }).keycloak.stopped, false);
    assert.equal((await fetch(`${kc.url}/realms/master`)).status, 200);
    // Nothing secret in what it printed: no SAML response, no token.
    assert.doesNotMatch(r.stdout + r.stderr, /PHNhbWxwOlJlc3BvbnNl|eyJhbGciOi/);
  });
});
