// The checks a service provider makes beyond what @node-saml/node-saml does (it verifies the
// signatures, Issuer, Audience, InResponseTo and time conditions, but not Destination, Recipient
// nor replay of unsolicited responses), the OIDC code exchange with ID-token verification
// (node:crypto against the IdP's JWKS: RS256 only, which is what the IdP here signs with), and a
// bounded form-body reader. Used by the SSO service-provider simulators (sp-simulator.ts).
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface OidcEndpoints {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Reads an application/x-www-form-urlencoded body of at most `max` bytes. */
export async function readFormBody(req: IncomingMessage, max: number): Promise<{ ok: true; fields: URLSearchParams } | { ok: false; status: number; reason: string }> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return { ok: false, status: 415, reason: 'invalid_request: the SAML POST binding sends a form' };
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) return { ok: false, status: 413, reason: 'payload too large' };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return { ok: false, status: 413, reason: 'payload too large' };
    chunks.push(chunk);
  }
  return { ok: true, fields: new URLSearchParams(Buffer.concat(chunks).toString('latin1')) };
}

function attributeValues(xml: string, name: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`\\s${name}="([^"]*)"`, 'g');
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(m[1]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&apos;/g, "'"));
  return out;
}

/**
 * Destination (on the Response), Recipient (on each SubjectConfirmationData) and replay, read from
 * a response whose whole document node-saml has already verified as signed (wantAuthnResponseSigned)
 * and which holds exactly one assertion, so the attributes read here are the signed ones.
 */
export function checkSignedResponseTargets(xml: string, expectedAcsUrl: string, seen: Map<string, number>): { ok: true } | { ok: false; reason: string } {
  const root = /<(?:[A-Za-z0-9_-]+:)?Response\b[^>]*>/.exec(xml)?.[0] ?? '';
  const destination = attributeValues(root, 'Destination');
  if (destination.length !== 1 || destination[0] !== expectedAcsUrl) return { ok: false, reason: 'invalid SAML response: Destination is not this connection\'s ACS URL' };
  const confirmations = [...xml.matchAll(/<(?:[A-Za-z0-9_-]+:)?SubjectConfirmationData\b[^>]*>/g)].map((m) => m[0]);
  const recipients = confirmations.flatMap((c) => attributeValues(c, 'Recipient'));
  if (recipients.length === 0 || recipients.some((r) => r !== expectedAcsUrl)) return { ok: false, reason: 'invalid SAML response: Recipient is not this connection\'s ACS URL' };
  const assertion = /<(?:[A-Za-z0-9_-]+:)?Assertion\b[^>]*>/.exec(xml)?.[0] ?? '';
  const id = attributeValues(assertion, 'ID')[0];
  if (!id) return { ok: false, reason: 'invalid SAML response: the assertion has no ID' };
  const now = Date.now();
  for (const [k, until] of seen) if (until < now) seen.delete(k);
  if (seen.has(id)) return { ok: false, reason: 'invalid SAML response: replayed assertion' };
  const notOnOrAfter = confirmations.flatMap((c) => attributeValues(c, 'NotOnOrAfter')).map((t) => Date.parse(t)).filter(Number.isFinite);
  // Remembered until the assertion could no longer be accepted anyway (at least 10 minutes).
  seen.set(id, Math.max(now + 10 * 60_000, ...notOnOrAfter));
  return { ok: true };
}

const jwksCache = new Map<string, { at: number; keys: Array<JsonWebKey & { kid?: string }> }>();

async function jwks(uri: string, refresh: boolean): Promise<Array<JsonWebKey & { kid?: string }>> {
  const cached = jwksCache.get(uri);
  if (cached && !refresh && Date.now() - cached.at < 5 * 60_000) return cached.keys;
  const res = await fetch(uri, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`JWKS answered HTTP ${res.status}`);
  const body = (await res.json()) as { keys?: Array<JsonWebKey & { kid?: string }> };
  const keys = Array.isArray(body.keys) ? body.keys : [];
  jwksCache.set(uri, { at: Date.now(), keys });
  return keys;
}

function decodeJson(part: string): Record<string, unknown> {
  const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
  return v as Record<string, unknown>;
}

/** Exchanges the code (client_secret_basic) and verifies the ID token; answers the verified email. */
export async function verifyIdToken(
  idp: OidcEndpoints,
  p: { code: string; clientId: string; clientSecret: string; redirectUri: string; nonce: string; skewSeconds?: number },
): Promise<{ ok: true; email: string } | { ok: false; reason: string }> {
  const basic = Buffer.from(`${encodeURIComponent(p.clientId)}:${encodeURIComponent(p.clientSecret)}`).toString('base64');
  let tokenBody: Record<string, unknown>;
  try {
    const res = await fetch(idp.tokenEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: p.code, redirect_uri: p.redirectUri }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    tokenBody = (await res.json()) as Record<string, unknown>;
    if (!res.ok) return { ok: false, reason: `code exchange refused: ${String(tokenBody.error ?? res.status).slice(0, 80)}` };
  } catch (e) {
    return { ok: false, reason: `code exchange failed: ${(e as Error).message.slice(0, 120)}` };
  }
  const token = tokenBody.id_token;
  if (typeof token !== 'string') return { ok: false, reason: 'code exchange answered no id_token' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed id_token' };
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodeJson(parts[0]!);
    claims = decodeJson(parts[1]!);
  } catch {
    return { ok: false, reason: 'malformed id_token' };
  }
  if (header.alg !== 'RS256') return { ok: false, reason: `id_token algorithm ${String(header.alg)} is not accepted` };
  let keys = await jwks(idp.jwksUri, false);
  let jwk = keys.find((k) => k.kid === header.kid && k.kty === 'RSA');
  if (!jwk) {
    keys = await jwks(idp.jwksUri, true);
    jwk = keys.find((k) => k.kid === header.kid && k.kty === 'RSA');
  }
  if (!jwk) return { ok: false, reason: 'id_token signed with an unknown key' };
  const good = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(parts[2]!, 'base64url'));
  if (!good) return { ok: false, reason: 'id_token signature is invalid' };
  const now = Math.floor(Date.now() / 1000);
  const skew = p.skewSeconds ?? 5;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== idp.issuer) return { ok: false, reason: 'id_token issuer mismatch' };
  if (!aud.includes(p.clientId) || (aud.length > 1 && claims.azp !== p.clientId)) return { ok: false, reason: 'id_token audience mismatch' };
  if (typeof claims.exp !== 'number' || claims.exp + skew <= now) return { ok: false, reason: 'id_token expired' };
  if (typeof claims.iat !== 'number' || claims.iat - skew > now) return { ok: false, reason: 'id_token issued in the future' };
  if (claims.nonce !== p.nonce) return { ok: false, reason: 'id_token nonce mismatch' };
  if (typeof claims.email !== 'string' || claims.email_verified !== true) return { ok: false, reason: 'id_token has no verified email' };
  return { ok: true, email: claims.email };
}
