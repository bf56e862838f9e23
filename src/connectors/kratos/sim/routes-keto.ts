import { HttpError, type SimContext, type SimReply } from './http.js';

/**
 * Keto's relationship API (ory/keto spec/api.json): PUT /admin/relation-tuples
 * (createRelationship → 201 with the tuple), DELETE /admin/relation-tuples (204), and
 * GET /relation-tuples (getRelationships → {relation_tuples, next_page_token}, "" on the last page).
 * Tuples are a set: writing an existing one again changes nothing.
 */

const PAGE_DEFAULT = 100;
const PAGE_MAX = 1000;

function key(t: { namespace: string; object: string; relation: string; subject_id: string }): string {
  return JSON.stringify([t.namespace, t.object, t.relation, t.subject_id]);
}

export function createRelationship(ctx: SimContext, body: unknown): SimReply {
  const b = (body ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(b)) {
    if (!['namespace', 'object', 'relation', 'subject_id', 'subject_set'].includes(k)) throw new HttpError(400, `unknown field "${k}"`);
  }
  if (b.subject_set !== undefined) throw new HttpError(400, 'the simulator stores subject ids only, not subject sets');
  for (const k of ['namespace', 'object', 'relation', 'subject_id']) {
    if (typeof b[k] !== 'string' || b[k] === '') throw new HttpError(400, `${k} is required`);
  }
  const tuple = { namespace: b.namespace as string, object: b.object as string, relation: b.relation as string, subject_id: b.subject_id as string };
  if (!ctx.store.tuples.has(key(tuple))) {
    ctx.store.tuples.set(key(tuple), tuple);
    ctx.stats.writesApplied++;
  }
  return { status: 201, body: tuple };
}

function matches(url: URL) {
  const want = ['namespace', 'object', 'relation', 'subject_id'].map((k) => [k, url.searchParams.get(k)] as const).filter(([, v]) => v !== null);
  return (t: Record<string, string>) => want.every(([k, v]) => t[k] === v);
}

/** The query keys Keto's delete accepts (ketoapi RelationQueryKeys); the simulator stores no subject sets, so those match nothing. */
const DELETE_KEYS = ['namespace', 'object', 'relation', 'subject_id', 'subject_set.namespace', 'subject_set.object', 'subject_set.relation', 'subject'];

/**
 * DELETE /admin/relation-tuples (internal/relationtuple/transact_server.go deleteRelations): no
 * query key outside RelationQueryKeys, `namespace` required, an empty body; every matching tuple
 * goes, 204 whether any matched or not.
 */
export function deleteRelationships(ctx: SimContext, url: URL, bodyEmpty: boolean): SimReply {
  const reasons: string[] = [];
  const extra = [...url.searchParams.keys()].find((k) => !DELETE_KEYS.includes(k));
  if (extra !== undefined) reasons.push(`query parameter key "${extra}" unknown`);
  if (!url.searchParams.has('namespace')) reasons.push('query parameters must specify at least one of the following: namespace');
  if (!bodyEmpty) reasons.push('body is not empty');
  if (reasons.length) throw new HttpError(400, reasons.join('; '));
  if (url.searchParams.has('subject')) throw new HttpError(400, 'provide "subject_id" or "subject_set.*"; support for "subject" was dropped');
  const hit = matches(url);
  const bySet = ['subject_set.namespace', 'subject_set.object', 'subject_set.relation'].some((k) => url.searchParams.has(k));
  let deleted = 0;
  if (!bySet) {
    for (const [k, t] of ctx.store.tuples) {
      if (!hit(t)) continue;
      ctx.store.tuples.delete(k);
      deleted++;
    }
  }
  if (deleted) ctx.stats.writesApplied++;
  return { status: 204 };
}

export function getRelationships(ctx: SimContext, url: URL): SimReply {
  const size = Number(url.searchParams.get('page_size') ?? PAGE_DEFAULT);
  if (!Number.isInteger(size) || size < 1 || size > PAGE_MAX) throw new HttpError(400, `page_size must be between 1 and ${PAGE_MAX}`);
  const start = Number(url.searchParams.get('page_token') || '0');
  if (!Number.isInteger(start) || start < 0) throw new HttpError(400, 'page_token is not valid');
  const all = [...ctx.store.tuples.values()].filter(matches(url));
  const page = all.slice(start, start + size);
  return { status: 200, body: { relation_tuples: page, next_page_token: start + size < all.length ? String(start + size) : '' } };
}
