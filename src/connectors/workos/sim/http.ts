import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * HTTP plumbing for the WorkOS simulator: the error type handlers throw, JSON replies in the
 * body shapes WorkOS uses, and a bounded body reader.
 *
 * Error bodies follow workos/emulate's error handler (`{message, code, errors?}`), which is also
 * what @workos-inc/node's `handleHttpError` reads: 401 → UnauthorizedException, 404 →
 * NotFoundException, 409 → ConflictException, 422 → UnprocessableEntityException, 429 →
 * RateLimitExceededException (Retry-After header), a body with `code` and `errors` →
 * BadRequestException, `error`/`error_description` → OauthException, anything else →
 * GenericServerException.
 */

export interface ApiFieldError {
  field?: string;
  code: string;
  message?: string;
}

export interface SimApiErrorMore {
  /** OAuth-style errors (`{error, error_description}`) used by /user_management/authenticate. */
  oauth?: { error: string; description: string };
  /** Extra body fields (e.g. the pending authentication token of email_verification_required). */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export class SimApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly errors: ApiFieldError[] | undefined;
  readonly more: SimApiErrorMore;
  constructor(status: number, message: string, code?: string, errors?: ApiFieldError[], more: SimApiErrorMore = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors;
    this.more = more;
  }
  body(): Record<string, unknown> {
    if (this.more.oauth) return { error: this.more.oauth.error, error_description: this.more.oauth.description };
    const body: Record<string, unknown> = { message: this.message };
    if (this.code !== undefined) body.code = this.code;
    if (this.errors !== undefined) body.errors = this.errors;
    return { ...body, ...this.more.extra };
  }
}

export const notFound = (what: string) => new SimApiError(404, `${what} not found`, 'not_found');

/** 422 with per-field codes: what the SDK turns into UnprocessableEntityException. */
export const invalid = (message: string, errors: ApiFieldError[]) => new SimApiError(422, message, 'unprocessable_entity', errors);

export const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) throw new SimApiError(413, 'Request body too large', 'request_too_large');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON object body; an empty body is `{}` (PUT /deactivate sends `{}`, POST may send nothing). */
export function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SimApiError(400, 'Problems parsing JSON', 'invalid_request_body');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SimApiError(400, 'Problems parsing JSON', 'invalid_request_body');
  }
  return value as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) }),
    ...headers,
  });
  res.end(text);
}

/** A load balancer's 502 page: not JSON, so the SDK raises ParseError (as it would in production). */
export function sendBadGatewayHtml(res: ServerResponse): void {
  if (res.destroyed || res.headersSent) return;
  const html = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n';
  res.writeHead(502, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(html)) });
  res.end(html);
}
