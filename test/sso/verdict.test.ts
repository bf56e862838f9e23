// The SSO proof's judge fails on each thing it claims to check: a login at the wrong side for its
// flag, a response that changed on its way (hash not recorded where it landed), a provider whose
// record disagrees with the browser, a failed login, another connection touched by the flip, and
// a flip that moved nothing. So a passing proof is evidence, not a tautology.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sidesAt, type ProofFlip, type ProofLogin } from '../../src/app/sso-proof/scenario.js';
import { judge } from '../../src/app/sso-proof/verdict.js';

const connections = [
  { name: 'a', protocol: 'saml' as const },
  { name: 'b', protocol: 'oidc' as const },
];
const flips: ProofFlip[] = [
  { connection: 'a', from: 'legacy', to: 'target', requestedAt: 100, appliedAt: 110 },
  { connection: 'a', from: 'target', to: 'legacy', requestedAt: 200, appliedAt: 210 },
];

function login(connection: string, at: number, provider: 'auth0' | 'workos', hash?: string, ok = true): ProofLogin {
  return {
    connection,
    kind: hash ? 'saml-idp-initiated' : 'oidc',
    phase: at < 100 ? 'before' : at < 210 ? 'during' : 'after',
    ok,
    provider,
    samlResponseSha256: hash ? [hash] : [],
    routedAt: at,
    startedAt: at - 1,
    endedAt: at + 5,
    expected: sidesAt(flips, connection, at),
  };
}

function good() {
  const logins = [login('a', 50, 'auth0', 'h1'), login('a', 150, 'workos', 'h2'), login('a', 250, 'auth0', 'h3'), login('b', 50, 'auth0'), login('b', 150, 'auth0'), login('b', 250, 'auth0')];
  const received = {
    legacy: { completed: [{ connection: 'a', kind: 'saml-idp-initiated', samlResponseSha256: 'h1' }, { connection: 'a', kind: 'saml-idp-initiated', samlResponseSha256: 'h3' }, { connection: 'b', kind: 'oidc' }, { connection: 'b', kind: 'oidc' }, { connection: 'b', kind: 'oidc' }], refused: [] as Array<{ connection: string | undefined; reason: string }> },
    target: { completed: [{ connection: 'a', kind: 'saml-idp-initiated', samlResponseSha256: 'h2' }], refused: [] as Array<{ connection: string | undefined; reason: string }> },
  };
  return { connections, logins, flips, received, flipped: 'a' };
}

const failing = (input: ReturnType<typeof good>): string[] => judge(input).checks.filter((c) => !c.ok).map((c) => c.name);

describe('SSO proof verdict', () => {
  it('passes a consistent run and tallies it per phase', () => {
    const v = judge(good());
    assert.ok(v.ok, JSON.stringify(v.checks));
    const a = v.connections.find((c) => c.name === 'a')!;
    assert.deepEqual({ legacy: a.legacy, target: a.target, failed: a.failed, flips: a.flips }, { legacy: 2, target: 1, failed: 0, flips: 2 });
    assert.deepEqual(a.phases.during, { legacy: 0, target: 1, failed: 0 });
  });

  it('sidesAt: before, in flight (either), after', () => {
    assert.deepEqual(sidesAt(flips, 'a', 99), ['legacy']);
    assert.deepEqual(sidesAt(flips, 'a', 105), ['legacy', 'target']);
    assert.deepEqual(sidesAt(flips, 'a', 150), ['target']);
    assert.deepEqual(sidesAt(flips, 'a', 205), ['target', 'legacy']);
    assert.deepEqual(sidesAt(flips, 'b', 150), ['legacy']);
  });

  it('fails a login that landed where its flag did not point', () => {
    const input = good();
    input.logins[2] = login('a', 250, 'workos', 'h3');
    input.received.legacy.completed.splice(1, 1);
    input.received.target.completed.push({ connection: 'a', kind: 'saml-idp-initiated', samlResponseSha256: 'h3' });
    // (and with it, nothing reached the legacy provider after the rollback)
    assert.deepEqual(failing(input), ['each login landed at the provider its flag named', 'the flip moved the connection and the rollback moved it back']);
  });

  it('fails a response that reached the provider changed (its hash is not the one the IdP posted)', () => {
    const input = good();
    input.received.target.completed[0]!.samlResponseSha256 = 'changed';
    assert.deepEqual(failing(input), ['each SAML response reached its provider byte-for-byte as the IdP signed it']);
  });

  it('fails when a provider recorded a login the browser did not see land there, or refused one', () => {
    const input = good();
    input.received.legacy.completed.push({ connection: 'b', kind: 'oidc' });
    assert.deepEqual(failing(input), ["each provider's record of completed logins matches the browser's, with no refusal"]);
    const refused = good();
    refused.received.target.refused.push({ connection: 'a', reason: 'invalid SAML response: replayed assertion' });
    assert.deepEqual(failing(refused), ["each provider's record of completed logins matches the browser's, with no refusal"]);
  });

  it('fails a failed login, and another connection touched by the flip', () => {
    const input = good();
    input.logins[4] = { ...login('b', 150, 'auth0'), ok: false, provider: undefined, reason: 'browser: timeout' };
    input.received.legacy.completed.pop();
    const names = failing(input);
    assert.ok(names.includes('every login succeeded') && names.includes('the other connections were never affected'), names.join(', '));
  });

  it('fails a flip that moved no login to the target', () => {
    const input = good();
    input.logins[1] = login('a', 150, 'auth0', 'h2');
    input.logins[1].expected = ['legacy'];
    input.received.target.completed = [];
    input.received.legacy.completed.push({ connection: 'a', kind: 'saml-idp-initiated', samlResponseSha256: 'h2' });
    assert.deepEqual(failing(input), ['the flip moved the connection and the rollback moved it back']);
  });
});
