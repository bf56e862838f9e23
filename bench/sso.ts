/**
 * `npm run bench:sso` (issue 17, the cutover proxy):
 *
 *  1. overhead per routed callback: signed SAML responses (about 6 KB, as an IdP posts them) sent
 *     to one receiver directly, and through the proxy (the proxy's 307, then the re-post to the
 *     same receiver, as a browser does), interleaved one at a time over keep-alive, half of them
 *     answering an AuthnRequest the other instance relayed (so one state-store read each); the p50 / p99 of
 *     both and the p99 overhead (goal < 5 ms);
 *  2. flip latency: two `serve --sso-config` instances on one PostgreSQL state, `sso flip` run
 *     `flips` times (alternately to the target and back) while both instances are asked every
 *     few milliseconds; the time from the start of each flip to the first request each instance
 *     routes the new way (goal < 1 s), the worst of the two per flip.
 *
 * State: PostgreSQL (FLAGLESS_BENCH_PG, else postgres://postgres@127.0.0.1:5432/test) in a fresh
 * schema dropped afterwards. Everything through the app API (serve, flipSsoConnection).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import pg from 'pg';
import { signSamlPost } from '@node-saml/node-saml/lib/saml-post-signing.js';
import { flipSsoConnection, parseSsoConfigDocument, serve, type ServeHandle } from '../src/app/index.js';

export interface SsoBenchOptions {
  /** Callbacks per path (direct, via the proxy). */
  callbacks: number;
  flips: number;
  /** Flag refresh of each instance (ms; the proxy's default is 250). */
  flagTtlMs?: number;
  pg?: string;
}

export interface SsoBenchResult {
  overhead: {
    callbacks: number;
    directP50Ms: number;
    directP99Ms: number;
    proxiedP50Ms: number;
    proxiedP99Ms: number;
    proxyHopP50Ms: number;
    proxyHopP99Ms: number;
    /** The proxy's answer alone, for responses to a tracked request (one state-store read) and for the others. */
    hopTrackedP50Ms: number;
    hopTrackedP99Ms: number;
    hopUntrackedP50Ms: number;
    hopUntrackedP99Ms: number;
    overheadP99Ms: number;
    trackedShare: number;
  };
  flip: { flips: number; instances: number; flagTtlMs: number; p50Ms: number; maxMs: number; perFlipMs: number[] };
  machine: { cpus: number; loadavg: number[] };
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });
function post(url: string, body: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ agent, host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
function get(url: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const key = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
function signedResponse(issuer: string, email: string, inResponseTo?: string): string {
  const now = new Date().toISOString();
  const id = () => `_${randomBytes(12).toString('hex')}`;
  const irt = inResponseTo ? ` InResponseTo="${inResponseTo}"` : '';
  const xml =
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${now}" Destination="https://legacy.example/acs"${irt}>` +
    `<saml:Issuer>${issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion ID="${id()}" Version="2.0" IssueInstant="${now}"><saml:Issuer>${issuer}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${email}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${now}" Recipient="https://legacy.example/acs"${irt}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${now}" NotOnOrAfter="${now}"><saml:AudienceRestriction><saml:Audience>urn:legacy:sp</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AttributeStatement>${Array.from({ length: 12 }, (_, i) => `<saml:Attribute Name="urn:oid:attr-${i}"><saml:AttributeValue>value-${i}-${randomBytes(24).toString('hex')}</saml:AttributeValue></saml:Attribute>`).join('')}</saml:AttributeStatement>` +
    `</saml:Assertion></samlp:Response>`;
  const signed = signSamlPost(xml, '/*[local-name(.)="Response" and namespace-uri(.)="urn:oasis:names:tc:SAML:2.0:protocol"]', { privateKey: key.privateKey, signatureAlgorithm: 'sha256' });
  return Buffer.from(signed).toString('base64');
}

async function receiver(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(String(n));
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

export async function runSsoBench(opts: SsoBenchOptions, log: (line: string) => void = () => undefined): Promise<SsoBenchResult> {
  const base = opts.pg ?? process.env.FLAGLESS_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `flagless_bench_sso_${randomBytes(4).toString('hex')}`;
  const state = `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;
  const flagTtlMs = opts.flagTtlMs ?? 250;
  const legacy = await receiver();
  const target = await receiver();
  const config = {
    connections: ['acme', 'globex'].map((name) => ({
      name,
      protocol: 'saml',
      callbackPaths: ['/saml2/idpresponse'],
      issuer: `https://idp.${name}.example/`,
      legacy: { callbackUrl: `${legacy.url}/acs` },
      target: { callbackUrl: `${target.url}/acs/${name}` },
      idpSignInUrl: `https://idp.${name}.example/sso`,
    })),
    flagTtlMs,
  };
  const handles: ServeHandle[] = [];
  try {
    for (let i = 0; i < 2; i++) handles.push(await serve({ sso: { config: parseSsoConfigDocument(config) }, state, port: 0, logLevel: 'silent' }));
    const [a, b] = handles as [ServeHandle, ServeHandle];

    // 1. overhead per routed callback.
    log(`bench:sso: ${opts.callbacks} callbacks direct and through the proxy…`);
    const direct: number[] = [];
    const proxied: number[] = [];
    const hop: number[] = [];
    const hopTracked: number[] = [];
    const hopUntracked: number[] = [];
    let tracked = 0;
    for (let i = 0; i < Math.min(20, opts.callbacks); i++) await post(`${target.url}/acs/acme`, 'SAMLResponse=warm');
    for (let i = 0; i < opts.callbacks + 20; i++) {
      let irt: string | undefined;
      if (i % 2 === 0) {
        irt = `_req${randomBytes(8).toString('hex')}`;
        const req = deflateRawSync(Buffer.from(`<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="${irt}" Version="2.0"/>`)).toString('base64');
        // Relayed by the other instance: the response's route needs a state-store read (a fleet behind a load balancer).
        await get(`${b.url}/v1/sso/relay/target/acme?SAMLRequest=${encodeURIComponent(req)}`);
      }
      const body = `SAMLResponse=${encodeURIComponent(signedResponse('https://idp.acme.example/', `u${i}@acme.example`, irt))}`;
      let t0 = process.hrtime.bigint();
      await post(`${target.url}/acs/acme`, body);
      const d = ms(t0);
      t0 = process.hrtime.bigint();
      const r = await post(`${a.url}/saml2/idpresponse`, body);
      const h = ms(t0);
      if (r.status !== 307 || typeof r.headers.location !== 'string') throw new Error(`the proxy answered ${r.status}`);
      const expected = irt ? `${target.url}/acs/acme` : `${legacy.url}/acs`;
      if (r.headers.location !== expected) throw new Error(`the proxy routed to ${r.headers.location}, expected ${expected}`);
      await post(r.headers.location, body);
      const p = ms(t0);
      if (i < 20) continue; // warm-up
      if (irt) tracked++;
      direct.push(d);
      hop.push(h);
      (irt ? hopTracked : hopUntracked).push(h);
      proxied.push(p);
    }
    const overhead = {
      callbacks: direct.length,
      directP50Ms: quantile(direct, 0.5),
      directP99Ms: quantile(direct, 0.99),
      proxiedP50Ms: quantile(proxied, 0.5),
      proxiedP99Ms: quantile(proxied, 0.99),
      proxyHopP50Ms: quantile(hop, 0.5),
      proxyHopP99Ms: quantile(hop, 0.99),
      hopTrackedP50Ms: quantile(hopTracked, 0.5),
      hopTrackedP99Ms: quantile(hopTracked, 0.99),
      hopUntrackedP50Ms: quantile(hopUntracked, 0.5),
      hopUntrackedP99Ms: quantile(hopUntracked, 0.99),
      overheadP99Ms: quantile(proxied, 0.99) - quantile(direct, 0.99),
      trackedShare: tracked / direct.length,
    };

    // 2. flip latency across the two instances.
    log(`bench:sso: ${opts.flips} flips with two instances on PostgreSQL…`);
    const body = `SAMLResponse=${encodeURIComponent(signedResponse('https://idp.globex.example/', 'g@globex.example'))}`;
    const sideOf = async (url: string) => ((await post(`${url}/saml2/idpresponse`, body)).headers.location === `${target.url}/acs/globex` ? 'target' : 'legacy');
    const perFlip: number[] = [];
    for (let f = 0; f < opts.flips; f++) {
      const to = f % 2 === 0 ? 'target' : 'legacy';
      const t0 = process.hrtime.bigint();
      const flipped = flipSsoConnection({ state, connection: 'globex', to, who: 'bench' });
      const seen = await Promise.all(
        [a, b].map(async (h) => {
          for (;;) {
            if ((await sideOf(h.url)) === to) return ms(t0);
            if (ms(t0) > 10_000) return Infinity;
            await new Promise((r) => setTimeout(r, 2));
          }
        }),
      );
      await flipped;
      perFlip.push(Math.max(...seen));
    }
    return {
      overhead,
      flip: { flips: perFlip.length, instances: 2, flagTtlMs, p50Ms: quantile(perFlip, 0.5), maxMs: Math.max(...perFlip), perFlipMs: perFlip },
      machine: { cpus: (await import('node:os')).cpus().length, loadavg: (await import('node:os')).loadavg() },
    };
  } finally {
    for (const h of handles) await h.close().catch(() => undefined);
    await legacy.close();
    await target.close();
    const c = new pg.Client({ connectionString: base });
    await c.connect().then(() => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch(() => undefined);
    await c.end().catch(() => undefined);
  }
}

export function formatSsoBench(r: SsoBenchResult): string {
  const o = r.overhead;
  const f = r.flip;
  return [
    `bench:sso (${r.machine.cpus} CPUs, load ${r.machine.loadavg.map((x) => x.toFixed(2)).join(' ')})`,
    `callbacks: ${o.callbacks} (${(100 * o.trackedShare).toFixed(0)} % answering a tracked AuthnRequest)`,
    `  direct to the receiver   p50 ${o.directP50Ms.toFixed(2)} ms  p99 ${o.directP99Ms.toFixed(2)} ms`,
    `  through the proxy (307)  p50 ${o.proxiedP50Ms.toFixed(2)} ms  p99 ${o.proxiedP99Ms.toFixed(2)} ms  (the proxy's answer alone: p50 ${o.proxyHopP50Ms.toFixed(2)} ms, p99 ${o.proxyHopP99Ms.toFixed(2)} ms)`,
    `  the proxy's answer, tracked request (one state read) p50 ${o.hopTrackedP50Ms.toFixed(2)} ms p99 ${o.hopTrackedP99Ms.toFixed(2)} ms; untracked p50 ${o.hopUntrackedP50Ms.toFixed(2)} ms p99 ${o.hopUntrackedP99Ms.toFixed(2)} ms`,
    `  overhead p99: ${o.overheadP99Ms.toFixed(2)} ms (goal < 5 ms)`,
    `flip → first request routed the new way, worst of ${f.instances} instances on PostgreSQL (flag refresh ${f.flagTtlMs} ms): p50 ${f.p50Ms.toFixed(0)} ms, max ${f.maxMs.toFixed(0)} ms over ${f.flips} flips (goal < 1000 ms)`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { smoke: { type: 'boolean' }, callbacks: { type: 'string' }, flips: { type: 'string' }, 'flag-ttl-ms': { type: 'string' }, json: { type: 'boolean' } } });
  const smoke = values.smoke === true;
  const r = await runSsoBench(
    { callbacks: Number(values.callbacks ?? (smoke ? 100 : 5000)), flips: Number(values.flips ?? (smoke ? 4 : 40)), ...(values['flag-ttl-ms'] ? { flagTtlMs: Number(values['flag-ttl-ms']) } : {}) },
    (l) => process.stderr.write(`${l}\n`),
  );
  process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatSsoBench(r)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(`bench:sso failed: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
