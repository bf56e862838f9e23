/**
 * Request-body checks from Kratos's OpenAPI spec (spec/api.json: createIdentityBody,
 * identityWithCredentials*, verifiableIdentityAddress, recoveryIdentityAddress, identityPatch,
 * patchIdentitiesBody, updateIdentityBody). Kratos decodes admin bodies with a strict JSON decoder,
 * so an unknown field is a 400 like a wrong type. Each function returns the first problem or undefined.
 */

type Obj = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isObj(v: unknown): v is Obj {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function unknownKey(o: Obj, allowed: readonly string[], where: string): string | undefined {
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  return extra ? `json: unknown field "${extra}" in ${where}` : undefined;
}

function str(o: Obj, key: string, where: string, required = false): string | undefined {
  if (o[key] === undefined) return required ? `${where}.${key} is required` : undefined;
  return typeof o[key] === 'string' ? undefined : `${where}.${key} must be a string`;
}

function bool(o: Obj, key: string, where: string): string | undefined {
  return o[key] === undefined || typeof o[key] === 'boolean' ? undefined : `${where}.${key} must be a boolean`;
}

function config(o: Obj, where: string): Obj | string | undefined {
  if (o.config === undefined) return undefined;
  return isObj(o.config) ? o.config : `${where}.config must be an object`;
}

function checkCredentials(c: unknown): string | undefined {
  if (c === undefined) return undefined;
  if (!isObj(c)) return 'credentials must be an object';
  const bad = unknownKey(c, ['lookup_secret', 'oidc', 'passkey', 'password', 'saml', 'totp', 'webauthn'], 'credentials');
  if (bad) return bad;
  for (const unsupported of ['lookup_secret', 'passkey', 'webauthn']) {
    if (c[unsupported] !== undefined) return `credentials.${unsupported}: the simulator does not import this credential type`;
  }
  if (c.password !== undefined) {
    if (!isObj(c.password)) return 'credentials.password must be an object';
    const p = c.password;
    const u = unknownKey(p, ['config'], 'credentials.password');
    if (u) return u;
    const cfg = config(p, 'credentials.password');
    if (typeof cfg === 'string') return cfg;
    if (cfg) {
      const where = 'credentials.password.config';
      return unknownKey(cfg, ['hashed_password', 'password', 'use_password_migration_hook'], where) ?? str(cfg, 'hashed_password', where) ?? str(cfg, 'password', where) ?? bool(cfg, 'use_password_migration_hook', where);
    }
  }
  for (const type of ['oidc', 'saml'] as const) {
    if (c[type] === undefined) continue;
    if (!isObj(c[type])) return `credentials.${type} must be an object`;
    const cfg = config(c[type] as Obj, `credentials.${type}`);
    if (typeof cfg === 'string') return cfg;
    const providers = cfg?.providers;
    if (providers !== undefined && !Array.isArray(providers)) return `credentials.${type}.config.providers must be an array`;
    for (const p of (providers as unknown[] | undefined) ?? []) {
      if (!isObj(p)) return `credentials.${type}.config.providers[] must be objects`;
      const where = `credentials.${type}.config.providers[]`;
      const problem = unknownKey(p, type === 'oidc' ? ['organization', 'provider', 'subject', 'use_auto_link'] : ['organization', 'provider', 'subject'], where) ?? str(p, 'provider', where, true) ?? str(p, 'subject', where, true) ?? bool(p, 'use_auto_link', where);
      if (problem) return problem;
    }
  }
  if (c.totp !== undefined) {
    if (!isObj(c.totp)) return 'credentials.totp must be an object';
    const cfg = config(c.totp, 'credentials.totp');
    if (typeof cfg === 'string') return cfg;
    if (cfg) return unknownKey(cfg, ['totp_url'], 'credentials.totp.config') ?? str(cfg, 'totp_url', 'credentials.totp.config');
  }
  return undefined;
}

function checkAddresses(list: unknown, kind: 'verifiable' | 'recovery'): string | undefined {
  if (list === undefined) return undefined;
  const where = `${kind}_addresses`;
  if (!Array.isArray(list)) return `${where} must be an array`;
  for (const a of list) {
    if (!isObj(a)) return `${where}[] must be objects`;
    if (kind === 'verifiable') {
      const problem =
        unknownKey(a, ['created_at', 'id', 'status', 'updated_at', 'value', 'verified', 'verified_at', 'via'], where) ??
        str(a, 'value', where, true) ??
        str(a, 'status', where, true) ??
        (typeof a.verified === 'boolean' ? undefined : `${where}[].verified is required and must be a boolean`) ??
        (a.via === 'email' || a.via === 'sms' ? undefined : `${where}[].via must be "email" or "sms"`);
      if (problem) return problem;
      if ((a.status as string).length > 16) return `${where}[].status must not exceed 16 characters`;
    } else {
      const problem = unknownKey(a, ['break_glass_for_organization', 'created_at', 'id', 'updated_at', 'value', 'via'], where) ?? str(a, 'value', where, true) ?? str(a, 'via', where, true);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** createIdentityBody (POST /admin/identities and each `create` of a batch). */
export function checkCreateBody(b: unknown): string | undefined {
  if (!isObj(b)) return 'the body must be a JSON object';
  return (
    unknownKey(b, ['credentials', 'external_id', 'metadata_admin', 'metadata_public', 'organization_id', 'recovery_addresses', 'region', 'schema_id', 'state', 'traits', 'verifiable_addresses'], 'createIdentityBody') ??
    str(b, 'schema_id', 'body') ??
    (isObj(b.traits) ? undefined : 'traits is required and must be a JSON object') ??
    str(b, 'external_id', 'body') ??
    (b.state === undefined || b.state === 'active' || b.state === 'inactive' ? undefined : `identity state is not valid: "${String(b.state)}"`) ??
    (b.organization_id === undefined || b.organization_id === null || (typeof b.organization_id === 'string' && UUID.test(b.organization_id)) ? undefined : 'organization_id must be a UUID') ??
    checkAddresses(b.verifiable_addresses, 'verifiable') ??
    checkAddresses(b.recovery_addresses, 'recovery') ??
    checkCredentials(b.credentials)
  );
}

/** updateIdentityBody (PUT /admin/identities/{id}): schema_id, traits and state are required. */
export function checkUpdateBody(b: unknown): string | undefined {
  if (!isObj(b)) return 'the body must be a JSON object';
  return (
    unknownKey(b, ['credentials', 'external_id', 'metadata_admin', 'metadata_public', 'region', 'schema_id', 'state', 'traits'], 'updateIdentityBody') ??
    str(b, 'schema_id', 'body', true) ??
    (isObj(b.traits) ? undefined : 'traits is required and must be a JSON object') ??
    (b.state === 'active' || b.state === 'inactive' ? undefined : 'state is required: "active" or "inactive"') ??
    str(b, 'external_id', 'body') ??
    checkCredentials(b.credentials)
  );
}

/** patchIdentitiesBody: `{identities: [{create?, patch_id?}]}`. */
export function checkPatchBody(b: unknown): string | undefined {
  if (!isObj(b)) return 'the body must be a JSON object';
  const bad = unknownKey(b, ['identities'], 'patchIdentitiesBody');
  if (bad) return bad;
  if (!Array.isArray(b.identities)) return 'identities must be an array';
  for (const p of b.identities) {
    if (!isObj(p)) return 'identities[] must be objects';
    const problem = unknownKey(p, ['create', 'patch_id'], 'identityPatch') ?? (p.patch_id === undefined || (typeof p.patch_id === 'string' && UUID.test(p.patch_id)) ? undefined : 'identities[].patch_id must be a UUID');
    if (problem) return problem;
    if (p.create !== undefined) {
      const c = checkCreateBody(p.create);
      if (c) return c;
    }
  }
  return undefined;
}
