/** The SSO proxy's pure parts: the minimal SAML peek, the configuration's checks and inventory merge, rollout buckets. */
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { parseAutoRollbackFlag } from '../../src/app/sso-cutover.js';
import { parseSsoProxyConfig } from '../../src/gateway/sso/config.js';
import { bucketOf, sideFor } from '../../src/gateway/sso/flags.js';
import { withQuery } from '../../src/gateway/sso/forward.js';
import { peekPostBinding, peekRedirectBinding, peekXml } from '../../src/gateway/sso/saml-peek.js';
import type { SsoInventory } from '../../src/protocol/sso.js';
import type { SsoFlag } from '../../src/state/sso/types.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('SAML peek', () => {
  it('reads the root, InResponseTo, the first Issuer and the NameID whatever the prefixes', () => {
    assert.deepEqual(peekXml(`<?xml version="1.0"?><!-- hi --><saml2p:Response xmlns:saml2p="p" ID='_r1' InResponseTo='_q1'><saml2:Issuer xmlns:saml2="a">https://idp/</saml2:Issuer><x><NameID>a@b.c</NameID></x></saml2p:Response>`), {
      root: 'Response',
      id: '_r1',
      inResponseTo: '_q1',
      issuer: 'https://idp/',
      nameId: 'a@b.c',
    });
    assert.deepEqual(peekXml(`<Response xmlns="urn:oasis:names:tc:SAML:2.0:protocol"><Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion"> https://idp/ </Issuer></Response>`), { root: 'Response', issuer: 'https://idp/' });
  });

  it('reads nothing from a document with a DTD, and drops values with markup or control characters', () => {
    assert.deepEqual(peekXml(`<!DOCTYPE r [<!ENTITY e "x">]><Response InResponseTo="_q"><Issuer>&e;</Issuer></Response>`), { dtd: true });
    assert.deepEqual(peekXml(`<Response InResponseTo="a\u0001b"><Issuer>${'x'.repeat(2000)}</Issuer></Response>`), { root: 'Response' });
  });

  it('decodes only a bounded prefix of the POST binding, refuses non-base64, and caps a deflate bomb', () => {
    const big = `<Response InResponseTo="_q"><Issuer>https://idp/</Issuer>${'<x/>'.repeat(200_000)}</Response>`;
    assert.deepEqual(peekPostBinding(b64(big)), { root: 'Response', inResponseTo: '_q', issuer: 'https://idp/' });
    assert.equal(peekPostBinding('<Response/>'), undefined);
    const req = deflateRawSync(Buffer.from('<samlp:AuthnRequest xmlns:samlp="p" ID="_a1"><saml:Issuer xmlns:saml="a">sp</saml:Issuer></samlp:AuthnRequest>')).toString('base64');
    assert.equal(peekRedirectBinding(req)?.id, '_a1');
    const bomb = deflateRawSync(Buffer.alloc(30 * 1024 * 1024, 0x41)).toString('base64');
    assert.ok(bomb.length < 64 * 1024);
    const t0 = performance.now();
    assert.equal(peekRedirectBinding(bomb), undefined, 'inflating past the cap fails instead of filling memory');
    assert.ok(performance.now() - t0 < 1000);
  });

  it('stays fast on hostile input (no catastrophic backtracking)', () => {
    const hostile = `<Response>${'<Issuer '.repeat(3000)}`;
    const t0 = performance.now();
    peekPostBinding(b64(hostile));
    peekXml(`<!--${'<!--'.repeat(5000)}`);
    assert.ok(performance.now() - t0 < 500, `${(performance.now() - t0).toFixed(0)} ms`);
  });
});

describe('--sso-config', () => {
  const legacy = { callbackUrl: 'https://legacy.example/login/callback?connection=a' };
  const one = { name: 'a', protocol: 'saml', callbackPaths: ['/login/callback?connection=a'], legacy };

  it('refuses unknown keys, relative or non-http URLs, the gateway\'s own paths and bad numbers', () => {
    assert.throws(() => parseSsoProxyConfig({ connections: [{ ...one, extra: 1 }] }), /unknown key "extra"/);
    assert.throws(() => parseSsoProxyConfig({ connections: [{ ...one, legacy: { callbackUrl: '/relative' } }] }), /absolute http\(s\) URL/);
    assert.throws(() => parseSsoProxyConfig({ connections: [{ ...one, target: { callbackUrl: 'javascript:alert(1)' } }] }), /absolute http\(s\) URL/);
    assert.throws(() => parseSsoProxyConfig({ connections: [{ ...one, callbackPaths: ['/v1/sso/start'] }] }), /gateway's own paths/);
    assert.throws(() => parseSsoProxyConfig({ connections: [{ ...one, callbackPaths: ['no-slash'] }] }), /must be a path/);
    assert.throws(() => parseSsoProxyConfig({ connections: [one], flagTtlMs: 0 }), /flagTtlMs/);
    assert.throws(() => parseSsoProxyConfig({ connections: [] }), /no connection/);
    assert.throws(() => parseAutoRollbackFlag('1.5'), /rate/);
    assert.deepEqual(parseAutoRollbackFlag('0.2:50'), { rate: 0.2, minSample: 50 });
    assert.deepEqual(parseAutoRollbackFlag('0.25'), { rate: 0.25, minSample: 20 });
  });

  it('takes connections from an inventory, with overrides by name', () => {
    const inventory: SsoInventory = {
      vendor: 'auth0',
      takenAt: '2026-12-01T00:00:00Z',
      recommendedPath: 'proxy',
      connections: [
        {
          name: 'acme',
          legacyId: 'con_1',
          vendor: 'auth0',
          protocol: 'saml',
          kind: 'samlp',
          enabled: true,
          idp: { entityId: 'https://idp.acme/', signInUrl: 'https://idp.acme/sso', certificates: [{ fingerprintSha256: 'AA', notAfter: '2027-03-01T00:00:00Z' }, { fingerprintSha256: 'BB', notAfter: '2027-01-01T00:00:00Z' }] },
          legacySp: { acsUrl: 'https://login.example.com/login/callback?connection=acme', entityId: 'urn:auth0:t:acme' },
          domains: ['acme.com'],
          organizations: [],
        },
        { name: 'off', legacyId: 'con_2', vendor: 'auth0', protocol: 'oidc', kind: 'oidc', enabled: false, idp: { certificates: [] }, legacySp: { callbackUrl: 'https://login.example.com/login/callback' }, domains: [], organizations: [] },
      ],
    };
    const c = parseSsoProxyConfig({ inventory, connections: [{ name: 'acme', target: { callbackUrl: 'https://kc.example/realms/app/broker/acme/endpoint' } }] });
    assert.equal(c.connections.length, 1, 'a disabled connection is not proxied');
    assert.deepEqual(c.connections[0], {
      name: 'acme',
      protocol: 'saml',
      callbackPaths: ['/login/callback?connection=acme'],
      issuer: 'https://idp.acme/',
      legacy: { callbackUrl: 'https://login.example.com/login/callback?connection=acme' },
      target: { callbackUrl: 'https://kc.example/realms/app/broker/acme/endpoint' },
      idpSignInUrl: 'https://idp.acme/sso',
      certificateNotAfter: '2027-01-01T00:00:00Z',
    });
  });
});

describe('rollout and forwarding', () => {
  const flag = (f: Partial<SsoFlag>): SsoFlag => ({ connection: 'c', side: 'target', flipId: 'f', updatedAt: '', ...f });

  it('sends matching users to the flag\'s side and everyone else, or anyone unknown, to the other', () => {
    assert.deepEqual(sideFor('c', undefined, 'legacy'), { side: 'legacy', rule: 'default' });
    assert.deepEqual(sideFor('c', flag({}), 'legacy'), { side: 'target', rule: 'flag' });
    assert.equal(sideFor('c', flag({ domains: ['acme.com'] }), 'legacy', { email: 'A@ACME.COM' }).side, 'target');
    assert.equal(sideFor('c', flag({ domains: ['acme.com'] }), 'legacy', { email: 'a@evil.com' }).side, 'legacy');
    assert.equal(sideFor('c', flag({ domains: ['acme.com'] }), 'legacy', { key: 'opaque-nameid' }).side, 'legacy');
    assert.equal(sideFor('c', flag({ percent: 0 }), 'legacy', { email: 'a@b.co' }).side, 'legacy');
    assert.equal(sideFor('c', flag({ percent: 100 }), 'legacy', { email: 'a@b.co' }).side, 'target');
    assert.equal(sideFor('c', flag({ percent: 50 }), 'legacy').rule, 'rollout_unknown');
    const inBucket = Array.from({ length: 2000 }, (_, i) => bucketOf('c', `u${i}@x.io`) < 25).filter(Boolean).length;
    assert.ok(inBucket > 400 && inBucket < 600, `${inBucket} of 2000 under 25 %`);
  });

  it('appends the query as received, without doubling what the destination carries', () => {
    assert.equal(withQuery('https://l.example/cb?connection=a', 'connection=a&code=x%2By&state=s'), 'https://l.example/cb?connection=a&code=x%2By&state=s');
    assert.equal(withQuery('https://t.example/cb', 'code=x%2By&state=s%3D'), 'https://t.example/cb?code=x%2By&state=s%3D');
    assert.equal(withQuery('https://t.example/s', 'connection=a&login_hint=b', ['connection']), 'https://t.example/s?login_hint=b');
  });
});
