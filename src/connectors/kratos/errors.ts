import { FlaglessError } from '../../protocol/errors.js';
import { httpStatusError, isTransientStatus } from '../../protocol/http-status.js';

/**
 * Ory's answers → FlaglessError classes. Ory Network's 429 carries `x-ratelimit-reset` (seconds
 * until the window resets, https://www.ory.com/docs/guides/rate-limits-project); Retry-After is
 * honoured too. Reasons come from Ory's error body (`error.reason`), which names fields, never
 * credentials.
 */
export function classifyHttpStatus(status: number, headers: { get(name: string): string | null } | Record<string, unknown>, action: string, reason: string): FlaglessError {
  const header = (name: string): string | undefined => {
    const v = typeof (headers as { get?: unknown }).get === 'function' ? (headers as { get(n: string): string | null }).get(name) : (headers as Record<string, unknown>)[name];
    return v === null || v === undefined ? undefined : String(v);
  };
  const detail = reason ? `: ${reason}` : '';
  // Code and class from the protocol's one status mapping; the messages are Ory's.
  const fail = (message: string) => httpStatusError(status, message, { side: 'target', retryAfter: header('x-ratelimit-reset') ?? header('retry-after') });
  if (status === 429) return fail(`${action} was rate limited (429)`);
  if (status === 401 || status === 403) return fail(`${action} was refused (${status}): set ORY_API_KEY (or KRATOS_ADMIN_TOKEN) to an API key of the project${detail}`);
  if (status === 409) return fail(`${action}: conflict (409)${detail}`);
  if (status === 404) return fail(`${action}: not found (404)${detail}`);
  if (isTransientStatus(status)) return fail(`${action} failed (${status})${detail}`);
  if (status >= 400 && status < 500) return fail(`${action}: rejected (${status})${detail}`);
  return fail(`${action} answered ${status}${detail}`);
}

interface AxiosLike {
  isAxiosError?: boolean;
  code?: string;
  message?: string;
  response?: { status: number; headers: Record<string, unknown>; data?: unknown };
}

/** An error the SDK (axios) threw → FlaglessError. */
export function classifyKratosError(e: unknown, action: string): FlaglessError {
  if (e instanceof FlaglessError) return e;
  const a = e as AxiosLike;
  if (a?.response) {
    const data = a.response.data as { error?: { reason?: string } } | undefined;
    return classifyHttpStatus(a.response.status, a.response.headers ?? {}, action, data?.error?.reason ?? '');
  }
  return new FlaglessError('E_TARGET_UNAVAILABLE', `${action}: Kratos could not be reached (${a?.code ?? a?.message ?? 'unknown error'})`, { errorClass: 'retriable', cause: e });
}

export function statusOf(e: unknown): number | undefined {
  return (e as AxiosLike)?.response?.status;
}
