import type { DoctorCheck, DoctorContext, TargetDoctor } from '../../protocol/doctor.js';
import { toWorkosRoleSlug } from './map.js';

const DOCS = 'https://workos.com/docs/sdks/authkit-nextjs';

function redirectUriCheck(uri: string | undefined): DoctorCheck {
  const id = 'workos.redirect-uri';
  if (!uri) return { id, status: 'fail', message: 'no redirect URI (NEXT_PUBLIC_WORKOS_REDIRECT_URI or WORKOS_REDIRECT_URI)', fix: `set it to your callback route, e.g. http://localhost:3000/callback, and add the same URI in the WorkOS dashboard → Redirects (${DOCS})` };
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return { id, status: 'fail', message: `the redirect URI is not a URL: ${uri}`, fix: 'use an absolute URL such as https://app.example.com/callback' };
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(local && u.protocol === 'http:')) return { id, status: 'fail', message: `the redirect URI must use https (http only for localhost): ${uri}`, fix: 'serve the callback over https' };
  if (u.search || u.hash || u.pathname.includes('*')) return { id, status: 'fail', message: `production redirect URIs take no wildcard or query string: ${uri}`, fix: 'remove the query, fragment or wildcard' };
  return { id, status: 'ok', message: `redirect URI ${uri}` };
}

/**
 * The environment's roles (`GET /authorization/roles`, the SDK's `authorization.listEnvironmentRoles`)
 * hold every role slug the export's memberships will be written with (as map.ts renames them).
 */
async function rolesCheck(ctx: DoctorContext, key: string | undefined): Promise<DoctorCheck> {
  const id = 'workos.roles';
  const wanted = [...new Set(ctx.plan.roles.map((r) => toWorkosRoleSlug(r)).filter((s): s is string => s !== undefined))];
  const create = `create them in the WorkOS dashboard → Roles before migrating (WorkOS refuses a membership with an unknown role)`;
  if (!key || !key.startsWith('sk_')) return { id, status: 'fail', message: `cannot list the environment's roles without a valid WORKOS_API_KEY (the export uses ${wanted.join(', ')})`, fix: create };
  const base = (ctx.url ?? ctx.env.WORKOS_API_URL ?? 'https://api.workos.com').replace(/\/+$/, '');
  try {
    const res = await fetch(`${base}/authorization/roles`, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(15_000) });
    const body = (await res.json().catch(() => undefined)) as { data?: { slug?: unknown }[] } | undefined;
    if (!res.ok || !Array.isArray(body?.data)) return { id, status: 'fail', message: `the API did not list the environment's roles (HTTP ${res.status})`, fix: create };
    const have = new Set(body.data.map((r) => r.slug).filter((s): s is string => typeof s === 'string'));
    const missing = wanted.filter((s) => !have.has(s));
    if (missing.length) return { id, status: 'fail', message: `the environment lacks the role${missing.length > 1 ? 's' : ''} ${missing.join(', ')} the export's memberships use`, fix: create };
    return { id, status: 'ok', message: `the environment has every role the export uses (${wanted.join(', ')})` };
  } catch (e) {
    return { id, status: 'fail', message: `cannot reach ${base}: ${(e as Error).message}`, fix: 'check the network, or --target-url / WORKOS_API_URL' };
  }
}

/** WorkOS: the keys, the API accepting them, the redirect URI and the cookie password, as the guides check by hand. */
export const workosDoctor: TargetDoctor = {
  async checks(ctx: DoctorContext): Promise<DoctorCheck[]> {
    const out: DoctorCheck[] = [];
    const key = ctx.env.WORKOS_API_KEY;
    if (!key) out.push({ id: 'workos.api-key', status: 'fail', message: 'WORKOS_API_KEY is not set', fix: 'copy the API key from the WorkOS dashboard → API keys into WORKOS_API_KEY' });
    else if (!key.startsWith('sk_')) out.push({ id: 'workos.api-key', status: 'fail', message: 'WORKOS_API_KEY does not start with sk_', fix: 'use the secret API key (sk_test_… or sk_live_…), not the client id' });
    else {
      out.push({ id: 'workos.api-key', status: 'ok', message: `WORKOS_API_KEY is set (${key.startsWith('sk_live_') ? 'production' : 'staging'} key)` });
      const base = (ctx.url ?? ctx.env.WORKOS_API_URL ?? 'https://api.workos.com').replace(/\/+$/, '');
      try {
        const res = await fetch(`${base}/user_management/users?limit=1`, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(15_000) });
        await res.arrayBuffer();
        if (res.ok) out.push({ id: 'workos.api-key-accepted', status: 'ok', message: `the API at ${base} accepts the key` });
        else if (res.status === 401 || res.status === 403) out.push({ id: 'workos.api-key-accepted', status: 'fail', message: `the API at ${base} refuses the key (HTTP ${res.status})`, fix: 'the key was revoked or belongs to another environment: create a new one in the dashboard' });
        else out.push({ id: 'workos.api-key-accepted', status: 'fail', message: `the API at ${base} answered HTTP ${res.status}`, fix: 'try again; check status.workos.com' });
      } catch (e) {
        out.push({ id: 'workos.api-key-accepted', status: 'fail', message: `cannot reach ${base}: ${(e as Error).message}`, fix: 'check the network, or --target-url / WORKOS_API_URL' });
      }
    }
    const clientId = ctx.env.WORKOS_CLIENT_ID;
    if (!clientId) out.push({ id: 'workos.client-id', status: 'fail', message: 'WORKOS_CLIENT_ID is not set', fix: 'copy the client id from the WorkOS dashboard → API keys' });
    else if (!clientId.startsWith('client_')) out.push({ id: 'workos.client-id', status: 'fail', message: 'WORKOS_CLIENT_ID does not start with client_', fix: 'use the client id (client_…) from the dashboard' });
    else out.push({ id: 'workos.client-id', status: 'ok', message: 'WORKOS_CLIENT_ID is set' });
    out.push(redirectUriCheck(ctx.env.NEXT_PUBLIC_WORKOS_REDIRECT_URI ?? ctx.env.WORKOS_REDIRECT_URI));
    const cookie = ctx.env.WORKOS_COOKIE_PASSWORD;
    if (!cookie || cookie.length < 32) out.push({ id: 'workos.cookie-password', status: 'fail', message: cookie ? `WORKOS_COOKIE_PASSWORD has ${cookie.length} characters; AuthKit needs at least 32` : 'WORKOS_COOKIE_PASSWORD is not set', fix: 'generate one: openssl rand -base64 24' });
    else out.push({ id: 'workos.cookie-password', status: 'ok', message: 'WORKOS_COOKIE_PASSWORD has at least 32 characters' });
    if (ctx.plan.roles.length) out.push(await rolesCheck(ctx, key));
    return out;
  },
};
