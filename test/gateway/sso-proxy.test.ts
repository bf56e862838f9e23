/**
 * The SSO cutover proxy on a SQLite state, between real HTTP service providers that validate the
 * SAML responses they receive with node-saml: every way a connection is decided (path parameter,
 * `connection` parameter, tracked request id / state, unverified Issuer, the only connection on a
 * path, unmatched), flips and rollouts, auto-rollback, the hardening (413, 415, repeated
 * parameters, DTDs, nothing secret in logs) and the metrics and dashboard.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { flipSsoConnection } from '../../src/app/sso-cutover.js';
import { createSsoGateway, type SsoGateway } from '../../src/gateway/sso/server.js';
import { openSsoStore } from '../../src/state/sso/open.js';
import { captureLogs, tempDir } from './helpers.js';
import { redirectAuthnRequest } from '../helpers/saml.js';
import { ISSUERS, postForm, ssoWorld, type SsoWorld } from './sso-fixture.js';

const OPS = 'ops-token-for-sso-tests';

describe('SSO cutover proxy (SQLite state)', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  const state = path.join(tmp.dir, 'state.db');
  let world: SsoWorld;
  let gw: SsoGateway;
  let url: string;
  const logs = captureLogs();
  const secrets: string[] = [];

  const flip = async (connection: string, to: 'legacy' | 'target', extra: { percent?: number; domains?: string[] } = {}) => {
    const f = await flipSsoConnection({ state, connection, to, who: 'test', ...extra });
    await gw.proxy.flags.refresh();
    return f;
  };
  const metrics = async () => (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${OPS}` } })).text();
  const saml = (who: keyof typeof ISSUERS, email: string, irt?: string) => {
    const r = world.response(who, email, irt);
    secrets.push(r);
    return r;
  };

  before(async () => {
    world = await ssoWorld();
    gw = await createSsoGateway({ config: world.config({ maxBodyBytes: 64 * 1024 }), store: await openSsoStore(state), opsToken: OPS, logger: logs.logger, flushMs: 60_000 });
    url = await gw.listen({ port: 0 });
  });

  after(async () => {
    await gw?.close();
    await world?.close();
    tmp.remove();
  });

  it('routes by the path parameter, and the side that receives the 307 validates the very bytes the IdP signed', async () => {
    const relay = 'https://app.example/after?x=1&y=2';
    secrets.push(relay);
    let res = await postForm(`${url}/login/callback?connection=acme`, { SAMLResponse: saml('acme', 'ada@acme.com'), RelayState: relay });
    assert.equal(res.status, 307);
    assert.equal(res.headers.get('location'), `${world.legacy.url}/acs/login/callback?connection=acme`);
    // Auth0's organization parameter on the legacy ACS URL goes on to legacy as it came.
    res = await postForm(`${url}/login/callback?connection=acme&organization=org_1`, { SAMLResponse: saml('acme', 'ada@acme.com') });
    assert.equal(res.headers.get('location'), `${world.legacy.url}/acs/login/callback?connection=acme&organization=org_1`);
    // A client that follows the 307 re-posts the body: the legacy side's node-saml accepts it.
    res = await postForm(`${url}/login/callback?connection=acme`, { SAMLResponse: saml('acme', 'ada@acme.com'), RelayState: relay }, 'follow');
    let got = (await res.json()) as { side: string; ok: boolean; nameId: string; relayState: string };
    assert.deepEqual([res.status, got.side, got.ok, got.nameId, got.relayState], [200, 'legacy', true, 'ada@acme.com', relay]);

    await flip('acme', 'target');
    res = await postForm(`${url}/login/callback?connection=acme`, { SAMLResponse: saml('acme', 'ada@acme.com'), RelayState: relay }, 'follow');
    got = (await res.json()) as typeof got;
    assert.deepEqual([res.status, got.side, got.ok, got.nameId, got.relayState], [200, 'target', true, 'ada@acme.com', relay]);
    // The same response altered by one byte fails at the receiver: the check above is a real one.
    const tampered = Buffer.from(Buffer.from(saml('acme', 'ada@acme.com'), 'base64').toString('utf8').replace('ada@acme.com', 'eve@acme.com')).toString('base64');
    res = await postForm(`${url}/login/callback?connection=acme`, { SAMLResponse: tampered }, 'follow');
    assert.equal(res.status, 403);
    assert.match(await metrics(), /flagless_sso_responses_total\{connection="acme",side="target",decided_by="path"\} [2-9]/);
    await flip('acme', 'legacy');
  });

  it('tells connections sharing one path apart by the unverified Issuer, and a flip moves only its own connection', async () => {
    await flip('globex', 'target');
    const g = await postForm(`${url}/saml2/idpresponse`, { SAMLResponse: saml('globex', 'gus@globex.com') });
    const i = await postForm(`${url}/saml2/idpresponse`, { SAMLResponse: saml('initech', 'ian@initech.com') });
    assert.equal(g.headers.get('location'), `${world.target.url}/acs/globex`);
    assert.equal(i.headers.get('location'), `${world.legacy.url}/acs/saml2/idpresponse`);
    const m = await metrics();
    assert.match(m, /flagless_sso_responses_total\{connection="globex",side="target",decided_by="issuer"\} 1/);
    assert.match(m, /flagless_sso_responses_total\{connection="initech",side="legacy",decided_by="issuer"\} 1/);
    await flip('globex', 'legacy');
  });

  it('sends a response back to the side whose AuthnRequest it answers, whatever the flag says by then', async () => {
    const req = redirectAuthnRequest('urn:target:sp', 'https://target.example/acs');
    const query = `SAMLRequest=${encodeURIComponent(req.SAMLRequest)}&RelayState=opaque-relay&SigAlg=x`;
    const relayed = await fetch(`${url}/v1/sso/relay/target/globex?${query}`, { redirect: 'manual' });
    assert.equal(relayed.status, 302);
    assert.equal(relayed.headers.get('location'), `https://idp.globex.test/sso?tenant=globex&${query}`, 'the AuthnRequest reaches the IdP as the provider sent it');
    // globex is on legacy; the response to the target's request still goes to the target.
    const res = await postForm(`${url}/saml2/idpresponse`, { SAMLResponse: saml('globex', 'gus@globex.com', req.id) }, 'follow');
    assert.deepEqual(((await res.json()) as { side: string }).side, 'target');
    assert.match(await metrics(), /flagless_sso_responses_total\{connection="globex",side="target",decided_by="request_id"\} 1/);
    // An unknown InResponseTo falls back to the flag.
    const other = await postForm(`${url}/saml2/idpresponse`, { SAMLResponse: saml('globex', 'gus@globex.com', '_never_issued') });
    assert.equal(other.headers.get('location'), `${world.legacy.url}/acs/saml2/idpresponse`);
  });

  it('routes a response by a connection parameter, and an unmatched one to the legacy ACS its path shares', async () => {
    const byParam = await postForm(`${url}/saml2/idpresponse?connection=initech`, { SAMLResponse: saml('acme', 'x@acme.com') });
    assert.equal(byParam.headers.get('location'), `${world.legacy.url}/acs/saml2/idpresponse?connection=initech`, 'legacy gets the query the IdP used');
    await flip('initech', 'target');
    const byParam2 = await postForm(`${url}/saml2/idpresponse?connection=initech`, { SAMLResponse: saml('acme', 'x@acme.com') });
    assert.equal(byParam2.headers.get('location'), `${world.target.url}/acs/initech`);
    await flip('initech', 'legacy');
    const unmatched = await postForm(`${url}/saml2/idpresponse`, { SAMLResponse: saml('acme', 'x@acme.com') });
    assert.equal(unmatched.headers.get('location'), `${world.legacy.url}/acs/saml2/idpresponse`);
    assert.match(await metrics(), /flagless_sso_responses_total\{connection="\(unmatched\)",side="legacy",decided_by="unmatched"\} 1/);
  });

  it('routes OIDC callbacks with the exact query, by tracked state first', async () => {
    const state = 'st-7f3a9c/+=';
    const code = 'code-SplxlOBeZQQYbYS6WxSbIA';
    secrets.push(state, code);
    const relayed = await fetch(`${url}/v1/sso/relay/legacy/hooli?response_type=code&client_id=abc&state=${encodeURIComponent(state)}&redirect_uri=https%3A%2F%2Flegacy.example%2Fcb`, { redirect: 'manual' });
    assert.equal(relayed.status, 302);
    await flip('hooli', 'target');
    const raw = `code=${code}&state=${encodeURIComponent(state)}&iss=https%3A%2F%2Fop.hooli.test`;
    let res = await fetch(`${url}/oauth2/idpresponse?${raw}`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${world.legacy.url}/cb/oauth2/idpresponse?${raw}`, 'tracked: back to legacy, query byte for byte');
    res = await fetch(`${url}/oauth2/idpresponse?code=${code}&state=untracked`, { redirect: 'manual' });
    assert.equal(res.headers.get('location'), `${world.target.url}/cb/hooli?code=${code}&state=untracked`);
    // form_post: 307 keeps the body.
    res = await postForm(`${url}/oauth2/idpresponse`, { code, state: 'untracked' });
    assert.deepEqual([res.status, res.headers.get('location')], [307, `${world.target.url}/cb/hooli`]);
    await flip('hooli', 'legacy');
  });

  it('starts SP-initiated logins at the flagged side, by email domain and percentage within a rollout', async () => {
    const loc = async (q: string) => (await fetch(`${url}/v1/sso/start?${q}`, { redirect: 'manual' })).headers.get('location');
    assert.equal(await loc('connection=acme&login_hint=a%40acme.com'), `${world.legacy.url}/start/acme?connection=acme&login_hint=a%40acme.com`);
    await flip('acme', 'target', { domains: ['acme.com'] });
    assert.equal(await loc('connection=acme&login_hint=a%40acme.com'), `${world.target.url}/start/acme?login_hint=a%40acme.com`);
    assert.match((await loc('connection=acme&login_hint=b%40other.com'))!, /\/start\/acme\?connection=acme&login_hint=b%40other.com$/);
    assert.ok((await loc('connection=acme'))!.startsWith(world.legacy.url), 'a user who cannot be told stays where the connection was');
    // The legacy authorize path is a start too.
    assert.equal((await fetch(`${url}/authorize?connection=acme&login_hint=z%40acme.com`, { redirect: 'manual' })).headers.get('location'), `${world.target.url}/start/acme?connection=acme&login_hint=z%40acme.com`);
    await flip('acme', 'target', { percent: 30 });
    let toTarget = 0;
    for (let i = 0; i < 400; i++) if ((await loc(`connection=acme&login_hint=u${i}%40acme.com`))!.startsWith(world.target.url)) toTarget++;
    assert.ok(toTarget > 80 && toTarget < 160, `about 30 % of 400 users start at the target: ${toTarget}`);
    // The same user always lands on the same side.
    const first = await loc('connection=acme&login_hint=same%40acme.com');
    for (let i = 0; i < 5; i++) assert.equal(await loc('connection=acme&login_hint=same%40acme.com'), first);
    // Responses follow the same buckets by the (unverified) NameID.
    const side = first!.startsWith(world.target.url) ? 'target' : 'legacy';
    const r = await postForm(`${url}/login/callback?connection=acme`, { SAMLResponse: saml('acme', 'same@acme.com') });
    assert.ok(r.headers.get('location')!.startsWith(side === 'target' ? world.target.url : world.legacy.url));
    await flip('acme', 'legacy');
  });

  it('refuses what it should not forward: oversized, wrong type, repeated, malformed, unknown connections; never an open redirect', async () => {
    const big = await postForm(`${url}/login/callback?connection=acme`, { SAMLResponse: 'A'.repeat(70 * 1024) });
    assert.equal(big.status, 413);
    const json = await fetch(`${url}/login/callback?connection=acme`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ SAMLResponse: saml('acme', 'a@acme.com') }) });
    assert.equal(json.status, 415);
    const text = await fetch(`${url}/login/callback?connection=acme`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'SAMLResponse=x' });
    assert.equal(text.status, 415);
    const twice = await fetch(`${url}/login/callback?connection=acme`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `SAMLResponse=${encodeURIComponent(saml('acme', 'a@acme.com'))}&SAMLResponse=x` });
    assert.equal(twice.status, 400);
    const notB64 = await postForm(`${url}/login/callback?connection=acme`, { SAMLResponse: '<xml>' });
    assert.equal(notB64.status, 400);
    const nothing = await postForm(`${url}/login/callback?connection=acme`, { foo: 'bar' });
    assert.equal(nothing.status, 400);
    const unknown = await fetch(`${url}/v1/sso/start?connection=evil&redirect_uri=https://evil.example`, { redirect: 'manual' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('location'), null);
    const badSide = await fetch(`${url}/v1/sso/relay/evil/acme?state=x`, { redirect: 'manual' });
    assert.equal(badSide.status, 404);
    // A DTD in the response: nothing is read from it (no Issuer), so the shared path cannot tell the connection → legacy.
    const dtd = world.response('globex', 'gus@globex.com', undefined, '<!DOCTYPE r [<!ENTITY x "https://idp.globex.test/">]>');
    await flip('globex', 'target');
    const withDtd = await postForm(`${url}/saml2/idpresponse`, { SAMLResponse: dtd });
    assert.equal(withDtd.headers.get('location'), `${world.legacy.url}/acs/saml2/idpresponse`);
    await flip('globex', 'legacy');
    const m = await metrics();
    assert.match(m, /flagless_sso_refused_total\{reason="too_large"\} 1/);
    assert.match(m, /flagless_sso_refused_total\{reason="content_type"\} 2/);
  });

  it('counts logins ending at each side, guards its operational endpoints, and shows a dashboard panel', async () => {
    const ret = await fetch(`${url}/v1/sso/return/target/hooli?code=abc&state=zz`, { redirect: 'manual' });
    assert.equal(ret.headers.get('location'), `${world.target.url}/app/hooli?code=abc&state=zz`);
    await fetch(`${url}/v1/sso/return/legacy/hooli?error=access_denied&state=zz`, { redirect: 'manual' });
    assert.equal((await fetch(`${url}/v1/sso/outcome`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ connection: 'hooli', side: 'target', outcome: 'completed' }) })).status, 401);
    const ok = await fetch(`${url}/v1/sso/outcome`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${OPS}` }, body: JSON.stringify({ connection: 'hooli', side: 'target', outcome: 'completed' }) });
    assert.equal(ok.status, 202);
    const extra = await fetch(`${url}/v1/sso/outcome`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${OPS}` }, body: JSON.stringify({ connection: 'hooli', side: 'target', outcome: 'completed', more: 1 }) });
    assert.equal(extra.status, 400);
    const m = await metrics();
    assert.match(m, /flagless_sso_logins_total\{connection="hooli",side="target",outcome="completed"\} 2/);
    assert.match(m, /flagless_sso_logins_total\{connection="hooli",side="legacy",outcome="failed"\} 1/);
    assert.match(m, /flagless_sso_certificate_expiry_timestamp_seconds\{connection="hooli"\} \d+/);
    assert.equal((await fetch(`${url}/metrics`)).status, 401);
    assert.equal((await fetch(`${url}/v1/sso/status`)).status, 401);
    await gw.proxy.flush();
    const status = (await (await fetch(`${url}/v1/sso/status`, { headers: { authorization: `Bearer ${OPS}` } })).json()) as { connections: { name: string; side: string; lastFlip?: { who: string; reason: string }; sinceFlip: { target: { completed: number } }; certificateExpiresInDays?: number }[] };
    const hooli = status.connections.find((c) => c.name === 'hooli')!;
    assert.equal(hooli.side, 'legacy');
    assert.deepEqual([hooli.lastFlip?.who, hooli.lastFlip?.reason], ['test', 'manual']);
    assert.equal(hooli.sinceFlip.target.completed, 2);
    assert.equal(hooli.certificateExpiresInDays, 9);
    const page = await (await fetch(`${url}/dashboard`, { headers: { authorization: `Bearer ${OPS}` } })).text();
    assert.match(page, /data-testid="sso-panel"/);
    assert.match(page, /data-testid="sso-acme"/);
  });

  it('flips over HTTP with the ops token, effective on this instance at once', async () => {
    const post = (body: unknown, token?: string) => fetch(`${url}/v1/sso/flip`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    assert.equal((await post({ connection: 'initech', to: 'target' })).status, 401);
    assert.equal((await post({ connection: 'initech', to: 'target' }, 'wrong')).status, 401);
    assert.equal((await post({ connection: 'initech', to: 'sideways' }, OPS)).status, 400);
    assert.equal((await post({ connection: 'initech', to: 'target', percent: 101 }, OPS)).status, 400);
    assert.equal((await post({ connection: 'initech', to: 'target', domains: ['not a domain'] }, OPS)).status, 400);
    assert.equal((await post({ connection: 'initech', to: 'target', extra: true }, OPS)).status, 400);
    assert.equal((await post({ connection: 'nobody', to: 'target' }, OPS)).status, 404);
    const ok = await post({ connection: 'initech', to: 'target', who: 'runbook' }, OPS);
    assert.equal(ok.status, 200);
    const { flip } = (await ok.json()) as { flip: { who: string; from: string; to: string; reason: string } };
    assert.deepEqual([flip.who, flip.from, flip.to, flip.reason], ['runbook (ops token)', 'legacy', 'target', 'manual']);
    const res = await postForm(`${url}/saml2/idpresponse`, { SAMLResponse: saml('initech', 'ian@initech.com') });
    assert.equal(res.headers.get('location'), `${world.target.url}/acs/initech`);
    assert.equal((await post({ connection: 'initech', to: 'legacy' }, OPS)).status, 200);
  });

  it('never writes a SAMLResponse, RelayState, code or state value to its logs or metrics', async () => {
    const m = await metrics();
    const text = logs.text();
    assert.ok(text.includes('sso response routed'), 'the proxy did log its routing');
    for (const s of secrets) {
      assert.ok(!text.includes(s), 'a secret value reached the logs');
      assert.ok(!text.includes(encodeURIComponent(s)), 'a secret value (URL-encoded) reached the logs');
      assert.ok(!m.includes(s));
    }
    assert.ok(!text.includes('SplxlOBeZQQYbYS6WxSbIA'));
    assert.ok(!text.includes('code=') && !text.includes('SAMLRequest='), 'request logs carry paths, not queries');
  });
});

describe('SSO auto-rollback (SQLite state)', { timeout: 60_000 }, () => {
  it('flips a connection back when its failure rate since the flip crosses the threshold, once, and records why', async () => {
    const tmp = tempDir();
    const state = path.join(tmp.dir, 'state.db');
    const world = await ssoWorld();
    const logs = captureLogs();
    const gw = await createSsoGateway({ config: world.config(), store: await openSsoStore(state), autoRollback: { rate: 0.5, minSample: 4 }, logger: logs.logger, flushMs: 60_000 });
    const url = await gw.listen({ port: 0 });
    try {
      await flipSsoConnection({ state, connection: 'acme', to: 'target', who: 'ops' });
      await gw.proxy.flags.refresh();
      const ret = (q: string) => fetch(`${url}/v1/sso/return/target/acme?${q}`, { redirect: 'manual' });
      // 2 failed of 3: under the minimum sample, nothing happens.
      await ret('code=a');
      await ret('error=access_denied');
      await ret('error=server_error');
      await gw.proxy.flush();
      assert.equal(gw.proxy.flags.get('acme')?.side, 'target');
      // Failures at the legacy side do not count against the flip to the target.
      for (let i = 0; i < 5; i++) await fetch(`${url}/v1/sso/return/legacy/acme?error=x`, { redirect: 'manual' });
      await gw.proxy.flush();
      assert.equal(gw.proxy.flags.get('acme')?.side, 'target');
      await ret('error=access_denied');
      await gw.proxy.flush();
      assert.equal(gw.proxy.flags.get('acme')?.side, 'legacy', '3 failed of 4 ≥ 50 %: flipped back');
      const store = await openSsoStore(state);
      const [last] = await store.flips('acme', 1);
      await store.close();
      assert.deepEqual([last?.from, last?.to, last?.reason], ['target', 'legacy', 'auto-rollback']);
      assert.match(last!.who, /^auto-rollback/);
      assert.match(logs.text(), /acme flipped back to legacy: 3 of 4 logins at target failed/);
      const res = await postForm(`${url}/login/callback?connection=acme`, { SAMLResponse: world.response('acme', 'a@acme.com') });
      assert.equal(res.headers.get('location'), `${world.legacy.url}/acs/login/callback?connection=acme`);
      // A rollback is never rolled back, and counts start again after it.
      for (let i = 0; i < 6; i++) await fetch(`${url}/v1/sso/return/legacy/acme?error=x`, { redirect: 'manual' });
      await gw.proxy.flush();
      assert.equal(gw.proxy.flags.get('acme')?.side, 'legacy');
      assert.match((await gw.registry.metrics()), /flagless_sso_auto_rollbacks_total\{connection="acme"\} 1/);
    } finally {
      await gw.close();
      await world.close();
      tmp.remove();
    }
  });
});
