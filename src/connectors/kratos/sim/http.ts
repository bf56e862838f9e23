import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimStore } from './state.js';

/** Everything a route needs: the store, the schemas, the simulator's own URL and settings. */
export interface SimContext {
  store: SimStore;
  url: string;
  schemas: Map<string, unknown>;
  defaultSchemaId: string;
  schemaUrl(id: string): string;
  /** bcrypt cost of the hashes the simulator makes itself (plaintext imports, migrated passwords). */
  bcryptCost: number;
  /** Where the password-migration hook posts, when enabled. */
  migrationHookUrl: string | undefined;
  migrationHookToken: string | undefined;
  stats: { writesApplied: number; logins: { succeeded: number; failed: number }; hookCalls: number };
}

export interface SimReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const STATUS_TEXT: Record<number, [string, string]> = {
  400: ['Bad Request', 'The request was malformed or contained invalid parameters'],
  401: ['Unauthorized', 'The request could not be authorized'],
  404: ['Not Found', 'The requested resource could not be found'],
  409: ['Conflict', 'The resource could not be created due to a conflict'],
  410: ['Gone', 'The requested resource is no longer available'],
  413: ['Request Entity Too Large', 'The request body is too large'],
  429: ['Too Many Requests', 'Too many requests'],
  500: ['Internal Server Error', 'An internal server error occurred, please contact the system administrator'],
};

/** An error answered as Ory's generic error body `{error: {code, status, reason, message}}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason);
  }
  body() {
    const [status, message] = STATUS_TEXT[this.status] ?? ['Error', 'An error occurred'];
    return { error: { code: this.status, status, reason: this.reason, message } };
  }
}

const MAX_BODY = 64 * 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `invalid JSON: ${(e as Error).message}`);
  }
}

export function send(res: ServerResponse, reply: SimReply): void {
  const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, { ...(payload ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...(reply.headers ?? {}) });
  res.end(payload);
}
