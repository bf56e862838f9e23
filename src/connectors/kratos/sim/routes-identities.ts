import { compareKratosHash } from './compare.js';
import { checkKratosHash } from '../hash-format.js';
import { Conflict, buildIdentity, identityJson, type SimIdentity } from './state.js';
import { checkTraits } from './traits.js';
import { checkCreateBody, checkPatchBody, checkUpdateBody } from './validate.js';
import { applyJsonPatch, JsonPatchError } from './json-patch.js';
import { HttpError, type SimContext, type SimReply } from './http.js';

/**
 * The admin identity API (spec/api.json): batch PATCH, create, get, get by external id, list with
 * keyset pagination, update (PUT), patch (JSON Patch), delete, and the identity schemas. Limits from identity/handler.go:
 * 1,000 patches per request, 200 with a plaintext password; a credential that cannot be imported
 * fails the whole request with 400; trait and uniqueness failures fail only their own item.
 */

export const BATCH_LIMIT = 1000;
export const BATCH_PLAINTEXT_LIMIT = 200;
const PAGE_DEFAULT = 250;
const PAGE_MAX = 500;

/** Turns a create body into an identity, or throws: HttpError 400 for the whole request (credentials). */
async function prepare(ctx: SimContext, body: Record<string, unknown>): Promise<{ identity?: SimIdentity; itemError?: { code: number; status: string; reason: string; message: string } }> {
  const schemaId = (body.schema_id as string | undefined) || ctx.defaultSchemaId;
  const schema = ctx.schemas.get(schemaId);
  const creds = (body.credentials ?? {}) as { password?: { config?: { hashed_password?: string; password?: string; use_password_migration_hook?: boolean } } };
  const pw = creds.password?.config;
  if (pw && !pw.use_password_migration_hook) {
    let hashed = pw.hashed_password ?? '';
    if (pw.password) {
      const { hash } = await import('@node-rs/bcrypt');
      hashed = await hash(pw.password, ctx.bcryptCost);
      pw.hashed_password = hashed;
      delete pw.password;
    }
    const problem = checkKratosHash(hashed);
    if (problem) throw new HttpError(400, problem);
  }
  if (!schema) return { itemError: badRequest(`unable to find JSON Schema ID: ${schemaId}`) };
  const traits = checkTraits(schema as never, body.traits);
  if ('error' in traits) return { itemError: badRequest(traits.error) };
  if (pw && traits.facts.identifiers.length === 0) return { itemError: badRequest('could not find any identifiers for the password credential; the schema marks none of the traits as ory.sh/kratos credentials.password.identifier') };
  return { identity: buildIdentity(body, schemaId, traits.facts) };
}

function badRequest(reason: string) {
  return { code: 400, status: 'Bad Request', reason, message: 'The request was malformed or contained invalid parameters' };
}

/**
 * A batch item's uniqueness failure: Kratos's persister answers every clash (external_id, a
 * credential identifier, an address) with ory/x sqlcon.ErrUniqueViolation, which has no reason.
 */
function batchConflictError() {
  return { code: 409, status: 'Conflict', message: 'Unable to insert or update resource because a resource with that value exists already' };
}

function conflictError(what: string) {
  return {
    code: 409,
    status: 'Conflict',
    reason: what === 'external_id' ? 'This identity conflicts with another identity that already exists: the external_id is taken.' : 'An account with the same identifier (email, phone, username, ...) exists already.',
    message: 'The resource could not be created due to a conflict',
  };
}

export async function batchPatch(ctx: SimContext, body: unknown): Promise<SimReply> {
  const problem = checkPatchBody(body);
  if (problem) throw new HttpError(400, problem);
  const patches = (body as { identities: { create?: Record<string, unknown>; patch_id?: string }[] }).identities;
  if (patches.length > BATCH_LIMIT) throw new HttpError(400, `The maximum number of identities per request that can be created or deleted at once is ${BATCH_LIMIT}.`);
  // Everything is parsed (and every credential checked) before anything is written, as Kratos does.
  const prepared: ({ identity?: SimIdentity; itemError?: { code: number; status: string; reason?: string; message: string } } | undefined)[] = [];
  let plaintext = 0;
  for (const p of patches) {
    if (!p.create) {
      prepared.push(undefined);
      continue;
    }
    const pw = (p.create.credentials as { password?: { config?: { password?: string } } } | undefined)?.password?.config?.password;
    if (pw) plaintext++;
    if (plaintext > BATCH_PLAINTEXT_LIMIT) throw new HttpError(400, `The maximum number of identities per request that can be created with a plaintext password is ${BATCH_PLAINTEXT_LIMIT}.`);
    prepared.push(await prepare(ctx, p.create));
  }
  const identities = patches.map((p, i) => {
    const prep = prepared[i];
    if (!prep) return { action: 'create', ...(p.patch_id ? { patch_id: p.patch_id } : {}) };
    let error = prep.itemError;
    if (prep.identity) {
      try {
        ctx.store.put(prep.identity);
        ctx.stats.writesApplied++;
      } catch (e) {
        if (!(e instanceof Conflict)) throw e;
        error = batchConflictError();
      }
    }
    return error
      ? { action: 'error', ...(p.patch_id ? { patch_id: p.patch_id } : {}), error }
      : { action: 'create', ...(p.patch_id ? { patch_id: p.patch_id } : {}), identity: prep.identity!.id };
  });
  return { status: 200, body: { identities } };
}

export async function createIdentity(ctx: SimContext, body: unknown): Promise<SimReply> {
  const problem = checkCreateBody(body);
  if (problem) throw new HttpError(400, problem);
  const prep = await prepare(ctx, body as Record<string, unknown>);
  if (prep.itemError) return { status: 400, body: { error: prep.itemError } };
  try {
    ctx.store.put(prep.identity!);
  } catch (e) {
    if (!(e instanceof Conflict)) throw e;
    return { status: 409, body: { error: conflictError(e.message) } };
  }
  ctx.stats.writesApplied++;
  return { status: 201, body: identityJson(prep.identity!, ctx.schemaUrl(prep.identity!.schema_id)) };
}

export async function updateIdentity(ctx: SimContext, id: string, body: unknown): Promise<SimReply> {
  const current = ctx.store.identities.get(id);
  if (!current) throw new HttpError(404, 'Unable to locate the resource');
  const problem = checkUpdateBody(body);
  if (problem) throw new HttpError(400, problem);
  const b = body as Record<string, unknown>;
  // Kratos imports the given credentials on top of the existing ones.
  const merged: Record<string, unknown> = { ...b, credentials: { ...credentialBodies(current), ...((b.credentials as object | undefined) ?? {}) } };
  if (b.external_id === undefined && current.external_id !== undefined) merged.external_id = current.external_id;
  return replaceIdentity(ctx, current, merged);
}

/** Identity paths Kratos's patch handler denies (identity/handler.go patch: "/id", "/stateChangedAt", "/credentials", oidc and saml). */
const PATCH_DENIED = ['/id', '/stateChangedAt', '/credentials', '/credentials/oidc', '/credentials/oidc/**', '/credentials/saml', '/credentials/saml/**'];
/** What the simulator lets a JSON Patch change; Kratos's own list is wider (its addresses, organization, region, other credentials). */
const PATCHABLE = ['schema_id', 'state', 'traits', 'metadata_public', 'metadata_admin', 'external_id'];

/**
 * PATCH /admin/identities/{id} (patchIdentity): a JSON Patch over the identity's JSON with its
 * credentials and admin metadata. A changed `state` must be active or inactive and moves
 * `state_changed_at`; the result is validated like an update (traits against the schema,
 * uniqueness → 409).
 */
export async function patchIdentity(ctx: SimContext, id: string, body: unknown): Promise<SimReply> {
  const current = ctx.store.identities.get(id);
  if (!current) throw new HttpError(404, 'Unable to locate the resource');
  const doc = identityJson(current, ctx.schemaUrl(current.schema_id), ['password', 'oidc', 'saml', 'totp']) as Record<string, unknown>;
  let patched: Record<string, unknown>;
  try {
    patched = applyJsonPatch(doc, body, PATCH_DENIED) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof JsonPatchError) throw new HttpError(400, `failed to apply JSON patch: ${e.message}`);
    throw e;
  }
  if (!patched || typeof patched !== 'object' || Array.isArray(patched)) throw new HttpError(400, 'failed to apply JSON patch: the result is not an identity');
  const changed = [...new Set([...Object.keys(doc), ...Object.keys(patched)])].filter((k) => JSON.stringify(doc[k]) !== JSON.stringify(patched[k]));
  const unsupported = changed.filter((k) => !PATCHABLE.includes(k));
  if (unsupported.length) throw new HttpError(400, `the simulator patches only ${PATCHABLE.join(', ')}; not ${unsupported.join(', ')}`);
  if (patched.state !== current.state && patched.state !== 'active' && patched.state !== 'inactive') {
    throw new HttpError(400, `The supplied state ('${String(patched.state)}') was not valid. Valid states are ('active', 'inactive').`);
  }
  const merged: Record<string, unknown> = {
    schema_id: patched.schema_id,
    traits: patched.traits,
    state: patched.state,
    metadata_public: patched.metadata_public,
    metadata_admin: patched.metadata_admin,
    credentials: credentialBodies(current),
    ...(typeof patched.external_id === 'string' && patched.external_id !== '' ? { external_id: patched.external_id } : {}),
  };
  const problem = checkUpdateBody({ ...merged, metadata_public: merged.metadata_public ?? undefined, metadata_admin: merged.metadata_admin ?? undefined });
  if (problem) throw new HttpError(400, problem);
  return replaceIdentity(ctx, current, merged);
}

/** Builds the identity `body` describes in place of `current` (same id), validated and stored: 200 with it, 400 or 409. */
async function replaceIdentity(ctx: SimContext, current: SimIdentity, body: Record<string, unknown>): Promise<SimReply> {
  const prep = await prepare(ctx, body);
  if (prep.itemError) return { status: 400, body: { error: prep.itemError } };
  // Neither body can change the organization (updateIdentityBody has no organization_id).
  const next: SimIdentity = { ...prep.identity!, id: current.id, created_at: current.created_at, organization_id: current.organization_id ?? null };
  if (next.state === current.state) next.state_changed_at = current.state_changed_at;
  // Addresses already verified stay verified.
  next.verifiable_addresses = next.verifiable_addresses.map((a) => {
    const old = current.verifiable_addresses.find((o) => o.value === a.value && o.via === a.via);
    return old?.verified && !a.verified ? { ...a, verified: true, status: 'completed', ...(old.verified_at ? { verified_at: old.verified_at } : {}) } : a;
  });
  if (next.credentials.totp) next.credentials.totp.identifiers = [current.id];
  try {
    ctx.store.put(next, current);
  } catch (e) {
    if (!(e instanceof Conflict)) throw e;
    return { status: 409, body: { error: conflictError(e.message) } };
  }
  ctx.stats.writesApplied++;
  return { status: 200, body: identityJson(next, ctx.schemaUrl(next.schema_id)) };
}

function credentialBodies(i: SimIdentity): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // A password credential holding identifiers only (no password yet) is derived again from the traits, not imported.
  if (i.credentials.password && (i.credentials.password.config.hashed_password || i.credentials.password.config.use_password_migration_hook)) out.password = { config: { ...i.credentials.password.config } };
  if (i.credentials.oidc) out.oidc = { config: { providers: i.credentials.oidc.config.providers } };
  if (i.credentials.saml) out.saml = { config: { providers: i.credentials.saml.config.providers } };
  if (i.credentials.totp) out.totp = { config: { ...i.credentials.totp.config } };
  return out;
}

export function listIdentities(ctx: SimContext, url: URL): SimReply {
  const sizeText = url.searchParams.get('page_size') ?? url.searchParams.get('per_page');
  const size = sizeText === null ? PAGE_DEFAULT : Number(sizeText);
  if (!Number.isInteger(size) || size < 1 || size > PAGE_MAX) throw new HttpError(400, `page_size must be between 1 and ${PAGE_MAX}`);
  const include = url.searchParams.getAll('include_credential');
  const identifier = url.searchParams.get('credentials_identifier');
  if (identifier !== null) {
    const hits = ['password', 'oidc', 'saml'].map((t) => ctx.store.findByIdentifier(t, identifier)).filter((x): x is SimIdentity => !!x);
    return { status: 200, body: [...new Set(hits)].map((i) => identityJson(i, ctx.schemaUrl(i.schema_id), include)) };
  }
  const ids = ctx.store.sortedIds();
  const token = url.searchParams.get('page_token');
  let start = 0;
  if (token) {
    const after = Buffer.from(token, 'base64url').toString('utf8');
    start = ids.findIndex((id) => id > after);
    if (start < 0) start = ids.length;
  }
  const page = ids.slice(start, start + size).map((id) => ctx.store.identities.get(id)!);
  const headers: Record<string, string> = {};
  const base = `${ctx.url}/admin/identities?page_size=${size}`;
  const links = [`<${base}&page_token=>; rel="first"`];
  if (start + size < ids.length && page.length) links.push(`<${base}&page_token=${Buffer.from(page[page.length - 1]!.id).toString('base64url')}>; rel="next"`);
  headers.link = links.join(',');
  return { status: 200, headers, body: page.map((i) => identityJson(i, ctx.schemaUrl(i.schema_id), include)) };
}

export function getIdentity(ctx: SimContext, identity: SimIdentity | undefined, url: URL): SimReply {
  if (!identity) throw new HttpError(404, 'Unable to locate the resource');
  return { status: 200, body: identityJson(identity, ctx.schemaUrl(identity.schema_id), url.searchParams.getAll('include_credential')) };
}

/** Used by the login route: a stored hash checked for real. */
export { compareKratosHash };
