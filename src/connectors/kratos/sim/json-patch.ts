/**
 * RFC 6902 JSON Patch over RFC 6901 JSON Pointers, for the simulator's PATCH /admin/identities/{id}
 * (Kratos applies the patch to the identity's JSON with ory/x jsonx.ApplyJSONPatch, which refuses
 * the paths it is given as denied). Operations: add, remove, replace, move, copy, test. Throws
 * JsonPatchError with the reason on a malformed operation, a missing path or a failed test.
 */

export class JsonPatchError extends Error {}

type Json = unknown;

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`"${pointer}" is not a JSON pointer`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isContainer(v: Json): v is Record<string, Json> | Json[] {
  return typeof v === 'object' && v !== null;
}

/** The parent container of `pointer` and the last token. */
function parentOf(doc: Json, pointer: string): { parent: Record<string, Json> | Json[]; key: string } {
  const path = tokens(pointer);
  if (path.length === 0) throw new JsonPatchError('the whole document cannot be the target of this operation');
  let cur = doc;
  for (const t of path.slice(0, -1)) {
    if (!isContainer(cur)) throw new JsonPatchError(`path "${pointer}" does not exist`);
    cur = Array.isArray(cur) ? cur[index(cur, t, false)] : (cur as Record<string, Json>)[t];
  }
  if (!isContainer(cur)) throw new JsonPatchError(`path "${pointer}" does not exist`);
  return { parent: cur, key: path[path.length - 1]! };
}

function index(arr: Json[], token: string, forInsert: boolean): number {
  if (forInsert && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPatchError(`"${token}" is not an array index`);
  const i = Number(token);
  if (i > arr.length || (!forInsert && i === arr.length)) throw new JsonPatchError(`array index ${i} is out of range`);
  return i;
}

function get(doc: Json, pointer: string): Json {
  let cur = doc;
  for (const t of tokens(pointer)) {
    if (Array.isArray(cur)) cur = cur[index(cur, t, false)];
    else if (isContainer(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = (cur as Record<string, Json>)[t];
    else throw new JsonPatchError(`path "${pointer}" does not exist`);
  }
  return cur;
}

function remove(doc: Json, pointer: string): Json {
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) return parent.splice(index(parent, key, false), 1)[0];
  if (!Object.prototype.hasOwnProperty.call(parent, key)) throw new JsonPatchError(`path "${pointer}" does not exist`);
  const old = parent[key];
  delete parent[key];
  return old;
}

function add(doc: Json, pointer: string, value: Json): Json {
  if (pointer === '') return value;
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) parent.splice(index(parent, key, true), 0, value);
  else parent[key] = value;
  return doc;
}

/** Applies `ops` to a deep copy of `doc`; `denied` pointers (and everything under a `/**` one) may not be touched. */
export function applyJsonPatch(doc: Json, ops: unknown, denied: readonly string[] = []): Json {
  if (!Array.isArray(ops)) throw new JsonPatchError('the body must be a JSON Patch document (an array of operations)');
  const touches = (p: string) => denied.some((d) => (d.endsWith('/**') ? p.startsWith(d.slice(0, -2)) : p === d));
  let out = structuredClone(doc);
  for (const raw of ops) {
    if (!isContainer(raw) || Array.isArray(raw)) throw new JsonPatchError('each operation must be an object');
    const o = raw as unknown as Operation;
    if (typeof o.op !== 'string' || typeof o.path !== 'string') throw new JsonPatchError('each operation needs "op" and "path"');
    if (touches(o.path) || (o.op === 'move' && typeof o.from === 'string' && touches(o.from))) {
      throw new JsonPatchError(`patch includes a denied path: ${o.path}`);
    }
    const needsValue = o.op === 'add' || o.op === 'replace' || o.op === 'test';
    if (needsValue && !('value' in o)) throw new JsonPatchError(`operation "${o.op}" needs a "value"`);
    switch (o.op) {
      case 'add':
        out = add(out, o.path, structuredClone(o.value));
        break;
      case 'remove':
        remove(out, o.path);
        break;
      case 'replace':
        get(out, o.path);
        if (o.path === '') out = structuredClone(o.value);
        else {
          remove(out, o.path);
          out = add(out, o.path, structuredClone(o.value));
        }
        break;
      case 'move':
      case 'copy': {
        if (typeof o.from !== 'string') throw new JsonPatchError(`operation "${o.op}" needs "from"`);
        if (o.op === 'move' && (o.path === o.from || o.path.startsWith(`${o.from}/`))) throw new JsonPatchError('a value cannot be moved into itself');
        const value = o.op === 'move' ? remove(out, o.from) : structuredClone(get(out, o.from));
        out = add(out, o.path, value);
        break;
      }
      case 'test':
        if (JSON.stringify(canonical(get(out, o.path))) !== JSON.stringify(canonical(o.value))) throw new JsonPatchError(`test operation for path "${o.path}" failed`);
        break;
      default:
        throw new JsonPatchError(`unknown operation "${o.op}"`);
    }
  }
  return out;
}

/** Objects with their keys sorted, so `test` compares values, not key order. */
function canonical(v: Json): Json {
  if (Array.isArray(v)) return v.map(canonical);
  if (isContainer(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, Json>)[k])]));
  return v;
}
