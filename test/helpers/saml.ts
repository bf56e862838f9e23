/**
 * SAML parts for the SSO proxy's tests, made at test time with real crypto (nothing committed):
 * an IdP key pair, responses signed by node-saml's own signing code (xml-crypto underneath), and
 * a service provider that validates what it receives with node-saml, as the legacy and target
 * providers do: a response altered on the way fails there.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateRawSync } from 'node:zlib';
import { SAML } from '@node-saml/node-saml';
import { signSamlPost } from '@node-saml/node-saml/lib/saml-post-signing.js';

export interface IdpKeys {
  privateKey: string;
  publicKey: string;
}

export function idpKeys(): IdpKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return { privateKey, publicKey };
}

const id = () => `_${randomBytes(12).toString('hex')}`;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

export interface ResponseSpec {
  keys: IdpKeys;
  issuer: string;
  nameId: string;
  audience: string;
  destination: string;
  inResponseTo?: string;
  /** The references' digest (node-saml's default is SHA-1, which Keycloak's secure validation refuses). */
  digestAlgorithm?: 'sha1' | 'sha256';
  /** Prepended to the document (a DTD, to check the proxy ignores it). */
  prolog?: string;
}

/** A signed SAML Response (the whole Response signed, as Okta and Entra do), base64 as the POST binding carries it. */
export function samlResponse(s: ResponseSpec): string {
  const now = new Date();
  const iso = (ms: number) => new Date(now.getTime() + ms).toISOString();
  const irt = s.inResponseTo ? ` InResponseTo="${esc(s.inResponseTo)}"` : '';
  const xml =
    `${s.prolog ?? ''}<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${iso(0)}" Destination="${esc(s.destination)}"${irt}>` +
    `<saml:Issuer>${esc(s.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion ID="${id()}" Version="2.0" IssueInstant="${iso(0)}"><saml:Issuer>${esc(s.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(s.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(300_000)}" Recipient="${esc(s.destination)}"${irt}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(-60_000)}" NotOnOrAfter="${iso(300_000)}"><saml:AudienceRestriction><saml:Audience>${esc(s.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(0)}" SessionIndex="${id()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `</saml:Assertion></samlp:Response>`;
  const signed = signSamlPost(xml, '/*[local-name(.)="Response" and namespace-uri(.)="urn:oasis:names:tc:SAML:2.0:protocol"]', { privateKey: s.keys.privateKey, signatureAlgorithm: 'sha256', ...(s.digestAlgorithm ? { digestAlgorithm: s.digestAlgorithm } : {}) });
  return Buffer.from(signed, 'utf8').toString('base64');
}

/** An AuthnRequest as the HTTP-Redirect binding carries it (raw DEFLATE, base64), with its ID. */
export function redirectAuthnRequest(spEntityId: string, acsUrl: string): { id: string; SAMLRequest: string } {
  const reqId = id();
  const xml = `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${reqId}" Version="2.0" IssueInstant="${new Date().toISOString()}" AssertionConsumerServiceURL="${esc(acsUrl)}"><saml:Issuer>${esc(spEntityId)}</saml:Issuer></samlp:AuthnRequest>`;
  return { id: reqId, SAMLRequest: deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64') };
}

export interface Received {
  side: string;
  ok: boolean;
  nameId?: string;
  relayState?: string;
  query?: string;
  error?: string;
}

/**
 * A service provider (one side) on 127.0.0.1: `POST /acs/*` validates the SAML response with
 * node-saml against the IdP's key (signature, audience, times); `GET /cb/*` records an OIDC
 * callback's query as received. Answers JSON saying which side got it.
 */
export async function startServiceProvider(side: string, opts: { idpCert: string; audience: string; spEntityId: string }): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, r: Received) => {
        received.push(r);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(r));
      };
      const url = req.url ?? '/';
      if (req.method === 'GET') return answer(200, { side, ok: true, query: url.includes('?') ? url.slice(url.indexOf('?') + 1) : '' });
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const saml = new SAML({
        idpCert: opts.idpCert,
        issuer: opts.spEntityId,
        callbackUrl: `http://127.0.0.1${url}`,
        audience: opts.audience,
        wantAssertionsSigned: false,
        wantAuthnResponseSigned: true,
        acceptedClockSkewMs: 5000,
      });
      const relayState = form.get('RelayState') ?? undefined;
      saml
        .validatePostResponseAsync({ SAMLResponse: form.get('SAMLResponse') ?? '', ...(relayState !== undefined ? { RelayState: relayState } : {}) })
        .then((r) => answer(200, { side, ok: true, ...(r.profile?.nameID ? { nameId: r.profile.nameID } : {}), ...(relayState !== undefined ? { relayState } : {}) }))
        .catch((e: Error) => answer(403, { side, ok: false, error: e.message }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
