/**
 * The SSO proxy's flags shared by gateway instances on PostgreSQL (127.0.0.1:5432, database
 * `test`, or FLAGLESS_TEST_PG; a fresh schema): a flip written by `sso flip` reaches both
 * instances within a second, a request tracked on one instance routes its response on the other,
 * and an instance whose connection to the store is cut keeps routing with the last flags it read
 * (counted), then follows the store again when it comes back.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { flipSsoConnection } from '../../src/app/sso-cutover.js';
import { createSsoGateway, type SsoGateway } from '../../src/gateway/sso/server.js';
import { openSsoStore } from '../../src/state/sso/open.js';
import { redirectAuthnRequest } from '../helpers/saml.js';
import { startTcpFaultProxy, type TcpFaultProxy } from '../helpers/fault-proxy.js';
import { captureLogs } from './helpers.js';
import { postForm, ssoWorld, type SsoWorld } from './sso-fixture.js';

const BASE = process.env.FLAGLESS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `flagless_sso_${randomBytes(4).toString('hex')}`;
const withSchema = (base: string) => `${base}${base.includes('?') ? '&' : '?'}schema=${SCHEMA}`;
const STATE = withSchema(BASE);

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: BASE, connectionTimeoutMillis: 2000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}
const available = await admin(async () => true).catch(() => false);

describe('SSO flags shared by two gateway instances on PostgreSQL', { skip: available ? false : `PostgreSQL not reachable at ${BASE}`, timeout: 120_000 }, () => {
  let world: SsoWorld;
  const gws: { gw: SsoGateway; url: string }[] = [];
  let fault: TcpFaultProxy;

  const start = async (state: string, logger = captureLogs().logger) => {
    const gw = await createSsoGateway({ config: world.config({ flagTtlMs: 100 }), store: await openSsoStore(state, { poolSize: 2 }), logger, flushMs: 60_000 });
    const url = await gw.listen({ port: 0 });
    gws.push({ gw, url });
    return { gw, url };
  };
  let probe: string;
  const sideOf = async (url: string) => {
    // One response signed once: the poll measures the proxy, not RSA signing.
    probe ??= world.response('acme', 'ada@acme.com');
    const res = await postForm(`${url}/login/callback?connection=acme`, { SAMLResponse: probe });
    return res.headers.get('location')!.startsWith(world.target.url) ? 'target' : 'legacy';
  };
  /** Milliseconds from now until `url` routes acme to `side` (polling every 5 ms), or Infinity after `limitMs`. */
  const until = async (url: string, side: string, limitMs: number) => {
    const t0 = performance.now();
    while (performance.now() - t0 < limitMs) {
      if ((await sideOf(url)) === side) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 5));
    }
    return Infinity;
  };

  before(async () => {
    world = await ssoWorld();
    const u = new URL(BASE);
    fault = await startTcpFaultProxy(u.hostname, Number(u.port || 5432));
  });

  after(async () => {
    for (const g of gws) await g.gw.close().catch(() => undefined);
    await fault?.close();
    await world?.close();
    await admin((c) => c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)).catch(() => undefined);
  });

  it('a flip reaches both instances within a second, and back', async () => {
    const a = await start(STATE);
    const b = await start(STATE);
    assert.equal(await sideOf(a.url), 'legacy');
    assert.equal(await sideOf(b.url), 'legacy');
    for (const to of ['target', 'legacy'] as const) {
      await flipSsoConnection({ state: STATE, connection: 'acme', to, who: 'pg-test' });
      const [ta, tb] = await Promise.all([until(a.url, to, 5000), until(b.url, to, 5000)]);
      assert.ok(ta < 1000 && tb < 1000, `flip to ${to} seen after ${ta.toFixed(0)} ms and ${tb.toFixed(0)} ms`);
    }
  });

  it('a request tracked on one instance routes its response on the other', async () => {
    const [a, b] = gws;
    const req = redirectAuthnRequest('urn:target:sp', 'https://target.example/acs');
    const relayed = await fetch(`${a!.url}/v1/sso/relay/target/globex?SAMLRequest=${encodeURIComponent(req.SAMLRequest)}`, { redirect: 'manual' });
    assert.equal(relayed.status, 302);
    const res = await postForm(`${b!.url}/saml2/idpresponse`, { SAMLResponse: world.response('globex', 'gus@globex.com', req.id) }, 'follow');
    assert.equal(((await res.json()) as { side: string; ok: boolean }).side, 'target');
  });

  it('keeps routing with the last flags read while the store is unreachable, counts it, and catches up after', async () => {
    const u = new URL(BASE);
    u.port = String(fault.port);
    const logs = captureLogs();
    const c = await start(withSchema(u.toString()), logs.logger);
    await flipSsoConnection({ state: STATE, connection: 'acme', to: 'target', who: 'pg-test' });
    assert.ok((await until(c.url, 'target', 5000)) < 1000);
    // A request relayed by another instance, answered on this one while the store is away.
    const req = redirectAuthnRequest('urn:legacy:sp', 'https://legacy.example/acs');
    assert.equal((await fetch(`${gws[0]!.url}/v1/sso/relay/legacy/acme?SAMLRequest=${encodeURIComponent(req.SAMLRequest)}`, { redirect: 'manual' })).status, 302);
    fault.cut();
    await flipSsoConnection({ state: STATE, connection: 'acme', to: 'legacy', who: 'pg-test' });
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      assert.equal(await sideOf(c.url), 'target', 'the last flags read stay in force');
      assert.ok(performance.now() - t0 < 1000, 'routing does not wait on the unreachable store');
    }
    const t0 = performance.now();
    const tracked = await postForm(`${c.url}/login/callback?connection=acme`, { SAMLResponse: world.response('acme', 'ada@acme.com', req.id) });
    assert.ok(performance.now() - t0 < 1000, 'an unreadable tracking entry costs at most its timeout');
    assert.ok(tracked.headers.get('location')!.startsWith(world.target.url), 'without the tracking entry the last flag read decides');
    const m = await c.gw.registry.metrics();
    assert.match(m, /flagless_sso_tracking_errors_total\{operation="read"\} [1-9]/);
    const errors = Number(/flagless_sso_flag_store_errors_total (\d+)/.exec(m)?.[1] ?? 0);
    assert.ok(errors >= 1, `flag reload failures are counted: ${errors}`);
    assert.match(logs.text(), /sso flags cannot be read from the state store/);
    assert.ok(fault.dropped > 0, 'the fault was really hit');
    fault.heal();
    assert.ok((await until(c.url, 'legacy', 10_000)) < 10_000, 'the instance follows the store again once it is back');
  });
});
