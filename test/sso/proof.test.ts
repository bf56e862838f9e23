// The SSO cutover proof with real parts: a real Keycloak realm as the customers' IdP (two SAML
// connections, one OIDC), strict Auth0-side (legacy) and WorkOS-side (target) service providers
// validating every response, and real chromium signing in: SP-initiated and IdP-initiated SAML
// and OIDC. First with no proxy (the baseline: straight to the legacy provider), then through the
// cutover proxy in the gateway while one connection is flipped to the target and back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runSsoProof, type SsoProofResult } from '../../src/app/sso-proof/scenario.js';
import { directRouter } from '../../src/app/sso-proof/router.js';
import { gatewayRouter } from '../../src/app/sso-proof/gateway-router.js';
import { sideOf } from '../../src/app/sso-proof/verdict.js';
import { releaseKeycloak, useKeycloak, type LocalKeycloak } from '../keycloak/server-helper.js';

function explain(r: SsoProofResult): string {
  return r.verdict.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('\n');
}

describe('SSO proof: real Keycloak IdP, real chromium, strict service providers', { timeout: 8 * 60_000 }, () => {
  let kc: LocalKeycloak;
  before(async () => {
    kc = await useKeycloak();
  });
  after(async () => {
    await releaseKeycloak();
  });

  it('without a proxy: every kind of login lands at the legacy provider, each SAML response byte-for-byte as signed', async () => {
    const r = await runSsoProof({ keycloak: kc, router: async (setup) => directRouter(setup), loginsPerPhase: 2 });
    assert.ok(r.verdict.ok, explain(r));
    assert.equal(r.flips.length, 0);
    for (const c of r.connections) {
      const mine = r.logins.filter((l) => l.connection === c.name);
      assert.ok(mine.length >= 2, `${c.name}: ${mine.length} logins`);
      assert.ok(mine.every((l) => l.ok && sideOf(l) === 'legacy'));
      const kinds = new Set(mine.map((l) => l.kind));
      assert.deepEqual([...kinds].sort(), c.protocol === 'saml' ? ['saml-idp-initiated', 'saml-sp-initiated'] : ['oidc']);
    }
    // The providers' own records, not only the pages: every login completed once at the legacy side.
    assert.equal(r.received.legacy.completed.length, r.logins.length);
    assert.equal(r.received.target.completed.length, 0);
    assert.deepEqual(r.received.legacy.refused, []);
    const samlLogins = r.logins.filter((l) => l.kind !== 'oidc');
    assert.deepEqual(samlLogins.map((l) => l.samlResponseSha256.length), samlLogins.map(() => 1));
  });

  it('through the cutover proxy: one connection flipped to the target while every connection keeps signing in, then back: no failure, the others untouched, each login where its flag pointed', async () => {
    const r = await runSsoProof({ keycloak: kc, router: (setup) => gatewayRouter(setup), loginsPerPhase: 3 });
    assert.ok(r.verdict.ok, explain(r));
    const flipped = r.flips[0]!.connection;
    assert.deepEqual(r.flips.map((f) => [f.connection, f.from, f.to]), [[flipped, 'legacy', 'target'], [flipped, 'target', 'legacy']]);
    assert.equal(r.logins.filter((l) => !l.ok).length, 0);
    // Every kind of SAML login reached the target while the flag said so, and came back after.
    const atTarget = r.logins.filter((l) => l.connection === flipped && sideOf(l) === 'target');
    assert.deepEqual([...new Set(atTarget.map((l) => l.kind))].sort(), ['saml-idp-initiated', 'saml-sp-initiated']);
    assert.ok(atTarget.every((l) => (l.routedAt ?? l.startedAt) >= r.flips[0]!.requestedAt && l.startedAt <= r.flips[1]!.appliedAt));
    assert.ok(r.logins.some((l) => l.connection === flipped && sideOf(l) === 'legacy' && l.startedAt > r.flips[1]!.appliedAt), 'the rollback took effect');
    for (const c of r.verdict.connections.filter((x) => x.name !== flipped)) {
      assert.equal(c.target, 0, `${c.name} never went to the target`);
      assert.ok(c.phases.during.legacy > 0, `${c.name} kept signing in during the flip`);
    }
    // Each provider recorded exactly the logins the browser saw land there.
    assert.equal(r.received.target.completed.length, atTarget.length);
    assert.equal(r.received.legacy.completed.length + r.received.target.completed.length, r.logins.length);
    // A loose bound (the run takes tens of seconds; this machine is shared): it catches a login loop that stalls.
    assert.ok(r.seconds < 150, `the proof took ${r.seconds} s`);
  });
});
