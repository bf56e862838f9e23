import { FlaglessError } from '../../protocol/errors.js';
import { httpStatusError, isTransientStatus, parseRetryAfter } from '../../protocol/http-status.js';

/**
 * @workos-inc/node 8.x exceptions → FlaglessError with the engine's retry class.
 *
 * What the SDK throws (src/workos.ts handleHttpError and src/common/net/fetch-client.ts):
 * - 429 → RateLimitExceededException {retryAfter: number | null} (8.x never retries it itself);
 * - 401 → UnauthorizedException; 404 → NotFoundException; 409 → ConflictException;
 *   422 → UnprocessableEntityException {code, errors};
 * - a body with `code` and `errors` (WorkOS's 400s) → BadRequestException {code, errors};
 * - a body with `error`/`error_description` → OauthException {status, error};
 *   the client timeout also lands here: status 408, error "Request timeout";
 * - other statuses → GenericServerException {status, rawData};
 * - a non-JSON error body (a load balancer's 502 page) → ParseError {rawStatus};
 * - a dropped connection or refused socket → `Error("Unexpected error: TypeError: fetch failed")`
 *   whose cause chain holds the socket error.
 * Messages carry WorkOS's status, code and message, never a request body (which may hold a hash).
 */

interface SdkError {
  name?: string;
  message?: string;
  status?: number;
  rawStatus?: number;
  code?: string;
  error?: string;
  errors?: { code?: string; field?: string }[];
  retryAfter?: number | null;
  rawData?: { code?: string; message?: string; errors?: { code?: string }[] };
}

const DUPLICATE_CODES = new Set(['email_not_available', 'external_id_already_used', 'user_already_exists']);

function text(e: SdkError): string {
  const m = (e.message ?? '').replace(/\s+/g, ' ').trim();
  return m.length > 200 ? `${m.slice(0, 200)}…` : m;
}

function subCodes(e: SdkError): string[] {
  const list = e.errors ?? e.rawData?.errors ?? [];
  return list.map((x) => x.code ?? '').filter((c) => c !== '');
}

/** The innermost socket error code (ECONNRESET, UND_ERR_SOCKET, ECONNREFUSED…), if any. */
export function networkCause(e: unknown): string | undefined {
  let cur: unknown = e;
  let found: string | undefined;
  for (let depth = 0; cur && depth < 6; depth++) {
    const c = cur as { name?: string; code?: unknown; cause?: unknown; message?: string };
    if (typeof c.code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(c.code)) found = c.code;
    else if (c.name === 'TypeError' && /fetch failed/.test(c.message ?? '')) found ??= 'fetch failed';
    cur = c.cause;
  }
  return found;
}

export function isNotFound(e: unknown): boolean {
  return (e as SdkError)?.name === 'NotFoundException';
}

export function isConflict(e: unknown): boolean {
  return (e as SdkError)?.name === 'ConflictException';
}

/**
 * Classifies anything the SDK threw while doing `action` (e.g. "create user"): each SDK exception
 * stands for an HTTP status, and the status's code and retry class come from the protocol's one
 * mapping (protocol/http-status.ts); the messages say what WorkOS answered and what to check.
 */
export function classifyWorkosError(err: unknown, action: string): FlaglessError {
  if (err instanceof FlaglessError) return err;
  // The SDK wraps what it cannot map ("Unexpected error: …"): a ParseError of a non-JSON 502 page lands here.
  const inner = (err as { cause?: SdkError } | undefined)?.cause;
  if (inner?.name === 'ParseError') return classifyWorkosError(inner, action);
  const e = (err ?? {}) as SdkError;
  const where = `WorkOS ${action}`;
  const fail = (status: number, message: string, retryAfter?: number | null) => httpStatusError(status, `${where}: ${message}`, { side: 'target', retryAfter, cause: err });
  switch (e.name) {
    case 'RateLimitExceededException': {
      const after = parseRetryAfter(e.retryAfter);
      return fail(429, `rate limited (429)${after !== undefined ? `, retry after ${after} s` : ''}`, e.retryAfter);
    }
    case 'UnauthorizedException':
      return fail(401, '401 Unauthorized. Check WORKOS_API_KEY (and that it belongs to the environment at WORKOS_API_URL).');
    case 'NoApiKeyProvidedException':
    case 'ApiKeyRequiredException':
      return fail(401, 'no API key. Set WORKOS_API_KEY.');
    case 'ConflictException':
      return fail(409, `409 conflict: ${text(e)}`);
    case 'BadRequestException': {
      const codes = subCodes(e);
      // WorkOS answers a taken email or external id with a 400 whose codes say so: a conflict.
      if (codes.some((c) => DUPLICATE_CODES.has(c)) || (e.code !== undefined && DUPLICATE_CODES.has(e.code))) {
        return fail(409, `400 ${e.code ?? ''} (${codes.join(', ')}): the record already exists in WorkOS`);
      }
      return fail(400, `400 ${e.code ?? ''} (${codes.join(', ') || text(e)})`);
    }
    case 'UnprocessableEntityException': {
      const codes = subCodes(e);
      return fail(422, `422 ${e.code ?? ''}${codes.length ? ` (${codes.join(', ')})` : ''}: ${text(e)}`);
    }
    case 'NotFoundException':
      return fail(404, `404 ${text(e)}`);
    case 'OauthException': {
      const status = e.status ?? 400;
      if (status === 408) return fail(408, 'no answer before the client timeout');
      if (e.error === 'invalid_client' || status === 401) return fail(401, `${e.error ?? 'unauthorized'}. Check WORKOS_CLIENT_ID and WORKOS_API_KEY.`);
      return fail(status, `${e.status ?? ''} ${e.error ?? ''}`);
    }
    case 'ParseError': {
      const status = e.rawStatus ?? 0;
      if (isTransientStatus(status)) return fail(status, `${status} with a non-JSON body (a gateway error)`);
      // Not WorkOS answering at all: no status can say what to do, the URL is wrong.
      return new FlaglessError('E_TARGET_UNAVAILABLE', `${where}: the answer (HTTP ${status}) is not WorkOS JSON; is WORKOS_API_URL right?`, { errorClass: 'fatal', cause: err });
    }
    case 'GenericServerException': {
      const status = e.status ?? 0;
      if (status === 403) return fail(403, `403 ${text(e)}: the API key may lack a permission`);
      return fail(status, isTransientStatus(status) ? `${status} ${text(e)}` : `${status} ${e.rawData?.code ?? ''} ${text(e)}`.trim());
    }
  }
  const net = networkCause(err);
  if (net !== undefined || (e.message ?? '').startsWith('Unexpected error:')) {
    return new FlaglessError('E_TARGET_UNAVAILABLE', `${where}: the connection failed (${net ?? 'network error'})`, { errorClass: 'retriable', cause: err });
  }
  // Not an SDK or network error: a bug on our side, which retrying would only repeat.
  return new FlaglessError('E_INTERNAL', `${where}: unexpected error: ${text(e) || String(err)}`, { errorClass: 'fatal', cause: err });
}
