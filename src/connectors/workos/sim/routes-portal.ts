import { randomBytes } from 'node:crypto';
import { invalid, notFound } from './http.js';
import type { Route, SimContext, SimRequest, SimResponse } from './routes-users.js';

/**
 * `POST /portal/generate_link` of the WorkOS simulator (workos.com/docs/reference/admin-portal/
 * portal-link): `organization` (required, an existing organization id), `intent` (one of the
 * documented intents), `return_url` / `success_url` (optional absolute URLs) → `{link}`, a
 * one-time setup URL that expires five minutes after issuance. Issued links are kept (without the
 * token's secret part being meaningful anywhere else) so tests can count them.
 */
export const PORTAL_INTENTS = ['sso', 'dsync', 'audit_logs', 'log_streams', 'domain_verification', 'certificate_renewal', 'bring_your_own_key'] as const;
const FIELDS = new Set(['organization', 'intent', 'return_url', 'success_url']);

function urlField(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${name} must be a string`, [{ field: name, code: 'invalid_type' }]);
  try {
    const u = new URL(v);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
  } catch {
    throw invalid(`${name} must be a valid URL`, [{ field: name, code: 'invalid_url' }]);
  }
  return v;
}

function generateLink(ctx: SimContext, req: SimRequest): SimResponse {
  const body = req.body;
  for (const k of Object.keys(body)) if (!FIELDS.has(k)) throw invalid(`Unknown field ${k}`, [{ field: k, code: 'unknown_field' }]);
  if (typeof body.organization !== 'string' || body.organization === '') throw invalid('organization is required', [{ field: 'organization', code: 'required' }]);
  const intent = body.intent ?? 'sso';
  if (typeof intent !== 'string' || !(PORTAL_INTENTS as readonly string[]).includes(intent)) {
    throw invalid(`intent must be one of ${PORTAL_INTENTS.join(', ')}`, [{ field: 'intent', code: 'invalid_intent' }]);
  }
  urlField(body, 'return_url');
  urlField(body, 'success_url');
  const org = ctx.store.organizations.get(body.organization);
  if (!org) throw notFound('Organization');
  const token = randomBytes(24).toString('base64url');
  ctx.store.portalLinks.push({ organizationId: org.id, intent, issuedAt: Date.now() });
  return { status: 201, body: { link: `https://setup.workos.com/portal/launch?token=${token}` } };
}

export const portalRoutes: Route[] = [{ method: 'POST', pattern: /^\/portal\/generate_link$/, kind: 'write', handle: generateLink }];
