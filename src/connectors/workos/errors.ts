import { FlaglessError } from '../../protocol/errors.js';

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

/** Classifies anything the SDK threw while doing `action` (e.g. "create user"). */
export function classifyWorkosError(err: unknown, action: string): FlaglessError {
  if (err instanceof FlaglessError) return err;
  // The SDK wraps what it cannot map ("Unexpected error: …"): a ParseError of a non-JSON 502 page lands here.
  const inner = (err as { cause?: SdkError } | undefined)?.cause;
  if (inner?.name === 'ParseError') return classifyWorkosError(inner, action);
  const e = (err ?? {}) as SdkError;
  const where = `WorkOS ${action}`;
  const opts = (errorClass: 'fatal' | 'retriable' | 'skippable', extra: { retryAfterSeconds?: number } = {}) => ({ errorClass, cause: err, ...extra });
  switch (e.name) {
    case 'RateLimitExceededException': {
      const after = typeof e.retryAfter === 'number' && Number.isFinite(e.retryAfter) && e.retryAfter >= 0 ? e.retryAfter : undefined;
      return new FlaglessError('E_RATE_LIMITED', `${where}: rate limited (429)${after !== undefined ? `, retry after ${after} s` : ''}`, opts('retriable', after !== undefined ? { retryAfterSeconds: after } : {}));
    }
    case 'UnauthorizedException':
      return new FlaglessError('E_TARGET_AUTH', `${where}: 401 Unauthorized. Check WORKOS_API_KEY (and that it belongs to the environment at WORKOS_API_URL).`, opts('fatal'));
    case 'NoApiKeyProvidedException':
    case 'ApiKeyRequiredException':
      return new FlaglessError('E_TARGET_AUTH', `${where}: no API key. Set WORKOS_API_KEY.`, opts('fatal'));
    case 'ConflictException':
      return new FlaglessError('E_TARGET_CONFLICT', `${where}: 409 conflict: ${text(e)}`, opts('skippable'));
    case 'BadRequestException': {
      const codes = subCodes(e);
      if (codes.some((c) => DUPLICATE_CODES.has(c)) || (e.code !== undefined && DUPLICATE_CODES.has(e.code))) {
        return new FlaglessError('E_TARGET_CONFLICT', `${where}: 400 ${e.code ?? ''} (${codes.join(', ')}): the record already exists in WorkOS`, opts('skippable'));
      }
      return new FlaglessError('E_TARGET_VALIDATION', `${where}: 400 ${e.code ?? ''} (${codes.join(', ') || text(e)})`, opts('skippable'));
    }
    case 'UnprocessableEntityException': {
      const codes = subCodes(e);
      return new FlaglessError('E_TARGET_VALIDATION', `${where}: 422 ${e.code ?? ''}${codes.length ? ` (${codes.join(', ')})` : ''}: ${text(e)}`, opts('skippable'));
    }
    case 'NotFoundException':
      return new FlaglessError('E_TARGET_VALIDATION', `${where}: 404 ${text(e)}`, opts('skippable'));
    case 'OauthException': {
      if (e.status === 408) return new FlaglessError('E_TARGET_UNAVAILABLE', `${where}: no answer before the client timeout`, opts('retriable'));
      if (e.error === 'invalid_client' || e.status === 401) {
        return new FlaglessError('E_TARGET_AUTH', `${where}: ${e.error ?? 'unauthorized'}. Check WORKOS_CLIENT_ID and WORKOS_API_KEY.`, opts('fatal'));
      }
      if ((e.status ?? 0) >= 500) return new FlaglessError('E_TARGET_UNAVAILABLE', `${where}: ${e.status} ${e.error ?? ''}`, opts('retriable'));
      return new FlaglessError('E_TARGET_VALIDATION', `${where}: ${e.status ?? ''} ${e.error ?? ''}`, opts('skippable'));
    }
    case 'ParseError': {
      const status = e.rawStatus ?? 0;
      if (status >= 500 || status === 429 || status === 408) {
        return new FlaglessError('E_TARGET_UNAVAILABLE', `${where}: ${status} with a non-JSON body (a gateway error)`, opts('retriable'));
      }
      return new FlaglessError('E_TARGET_UNAVAILABLE', `${where}: the answer (HTTP ${status}) is not WorkOS JSON; is WORKOS_API_URL right?`, opts('fatal'));
    }
    case 'GenericServerException': {
      const status = e.status ?? 0;
      if (status >= 500 || status === 408) return new FlaglessError('E_TARGET_UNAVAILABLE', `${where}: ${status} ${text(e)}`, opts('retriable'));
      if (status === 403) return new FlaglessError('E_TARGET_AUTH', `${where}: 403 ${text(e)}: the API key may lack a permission`, opts('fatal'));
      return new FlaglessError('E_TARGET_VALIDATION', `${where}: ${status} ${e.rawData?.code ?? ''} ${text(e)}`.trim(), opts('skippable'));
    }
  }
  const net = networkCause(err);
  if (net !== undefined || (e.message ?? '').startsWith('Unexpected error:')) {
    return new FlaglessError('E_TARGET_UNAVAILABLE', `${where}: the connection failed (${net ?? 'network error'})`, opts('retriable'));
  }
  // Not an SDK or network error: a bug on our side, which retrying would only repeat.
  return new FlaglessError('E_INTERNAL', `${where}: unexpected error: ${text(e) || String(err)}`, opts('fatal'));
}
