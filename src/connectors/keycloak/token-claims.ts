import { FlaglessError } from '../../protocol/errors.js';

/**
 * Signs a user in at the realm (resource-owner password grant through a client that allows it)
 * and returns the access and ID tokens' payloads merged: what a backend reading either sees.
 */
export async function keycloakTokenClaims(o: { url: string; realm: string; clientId: string; username: string; password: string; timeoutMs?: number }): Promise<Record<string, unknown>> {
  const form = new URLSearchParams({ grant_type: 'password', client_id: o.clientId, username: o.username, password: o.password, scope: 'openid' });
  const res = await fetch(`${o.url.replace(/\/+$/, '')}/realms/${encodeURIComponent(o.realm)}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok || typeof body.access_token !== 'string') {
    const why = typeof body.error_description === 'string' ? body.error_description : typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
    throw new FlaglessError(res.status === 401 || body.error === 'invalid_grant' ? 'E_TARGET_AUTH' : 'E_TARGET_UNAVAILABLE', `Keycloak refused the sign-in of ${o.username} at ${o.realm}: ${why}`);
  }
  const payload = (t: unknown) => (typeof t === 'string' ? (JSON.parse(Buffer.from(t.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>) : {});
  return { ...payload(body.id_token), ...payload(body.access_token) };
}
