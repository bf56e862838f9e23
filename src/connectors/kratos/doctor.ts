import type { DoctorCheck, DoctorContext, TargetDoctor } from '../../protocol/doctor.js';
import { traitPlanOf } from './schema.js';

const DOCS = 'https://www.ory.sh/docs/kratos/manage-identities/identity-schema';

/** Ory Kratos: the admin API answers (with the token, when one is set) and the identity schema has the traits a migration needs. */
export const kratosDoctor: TargetDoctor = {
  async checks(ctx: DoctorContext): Promise<DoctorCheck[]> {
    const out: DoctorCheck[] = [];
    const base = (ctx.url ?? ctx.env.KRATOS_ADMIN_URL)?.replace(/\/+$/, '');
    if (!base) return [{ id: 'kratos.admin-api', status: 'fail', message: 'no Kratos admin URL', fix: 'set KRATOS_ADMIN_URL (the admin port, e.g. http://127.0.0.1:4434) or pass --target-url' }];
    const token = ctx.env.ORY_API_KEY || ctx.env.KRATOS_ADMIN_TOKEN;
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const timeout = Number(ctx.env.KRATOS_TIMEOUT_MS) || 30_000;
    try {
      const res = await fetch(`${base}/admin/identities?page_size=1`, { headers, signal: AbortSignal.timeout(timeout) });
      await res.arrayBuffer();
      if (res.ok) out.push({ id: 'kratos.admin-api', status: 'ok', message: `the admin API answers at ${base}` });
      else if (res.status === 401 || res.status === 403) return [{ id: 'kratos.admin-api', status: 'fail', message: `the admin API at ${base} refuses the request (HTTP ${res.status})`, fix: 'set ORY_API_KEY (Ory Network) or KRATOS_ADMIN_TOKEN' }];
      else return [{ id: 'kratos.admin-api', status: 'fail', message: `the admin API at ${base} answered HTTP ${res.status}`, fix: 'KRATOS_ADMIN_URL must be the admin port, not the public one' }];
    } catch (e) {
      return [{ id: 'kratos.admin-api', status: 'fail', message: `cannot reach ${base}: ${(e as Error).message}`, fix: 'check KRATOS_ADMIN_URL / --target-url and that Kratos runs' }];
    }
    const schemaId = ctx.env.KRATOS_SCHEMA_ID ?? 'default';
    const res = await fetch(`${base}/schemas/${encodeURIComponent(schemaId)}`, { headers, signal: AbortSignal.timeout(timeout) });
    const body = (await res.json().catch(() => undefined)) as unknown;
    if (!res.ok) return [...out, { id: 'kratos.identity-schema', status: 'fail', message: `Kratos has no identity schema "${schemaId}" (HTTP ${res.status})`, fix: `set KRATOS_SCHEMA_ID to one of the ids GET ${base}/schemas lists` }];
    let plan;
    try {
      plan = traitPlanOf(body);
    } catch (e) {
      return [...out, { id: 'kratos.identity-schema', status: 'fail', message: `identity schema "${schemaId}": ${(e as Error).message}`, fix: DOCS }];
    }
    out.push(
      plan.email
        ? { id: 'kratos.identity-schema', status: 'ok', message: `identity schema "${schemaId}" has an email trait (${plan.email.join('.')})` }
        : { id: 'kratos.identity-schema', status: 'fail', message: `identity schema "${schemaId}" has no email trait: migrated users could not sign in by email`, fix: `add traits.email with "ory.sh/kratos": { credentials: { password: { identifier: true } } } (${DOCS})` },
    );
    if (ctx.plan.resets && !plan.emailRecovery) out.push({ id: 'kratos.recovery', status: 'fail', message: 'password resets will be sent but the email trait has no recovery via email', fix: `add "recovery": { "via": "email" } to the email trait (${DOCS})` });
    return out;
  },
};
