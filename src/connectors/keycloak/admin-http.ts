// The target's requests to the Keycloak admin REST API: plain fetch with the token that the official
// admin client keeps fresh (connectKeycloak). Plain fetch because the target needs what the admin
// client hides: the status of a refusal (409 "already a member" is success for an idempotent
// ensure), the Location header of a create, and one count per request for `stats`.
import { FlaglessError } from '../../protocol/errors.js';
import { httpStatusError } from '../../protocol/http-status.js';

export interface AdminResponse<T> {
  status: number;
  body: T;
  /** The new resource's id, from the Location header of a 201. */
  createdId?: string;
}

export interface AdminRequest {
  /** Names the call in error messages (never data). */
  what: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Statuses answered as results instead of errors (404 for lookups, 409 for idempotent adds). */
  accept?: readonly number[];
}

/** Keycloak's own short reason: errorMessage / error_description, or the user-profile field that failed. */
function reasonOf(body: unknown): string {
  if (!body || typeof body !== 'object') return '';
  const b = body as Record<string, unknown>;
  const errors = Array.isArray(b.errors) ? (b.errors as Record<string, unknown>[]) : [b];
  const parts: string[] = [];
  for (const e of errors.slice(0, 3)) {
    const text = e.errorMessage ?? e.error_description ?? e.error;
    if (typeof text !== 'string') continue;
    parts.push(typeof e.field === 'string' ? `${e.field}: ${text}` : text);
  }
  return parts.join('; ').slice(0, 300);
}

/** A refused admin request as a FlaglessError (code and class from the protocol's status mapping). */
export function adminError(status: number, body: unknown, retryAfter: string | null, what: string): FlaglessError {
  const reason = reasonOf(body);
  const msg = `Keycloak ${what}: HTTP ${status}${reason ? ` (${reason})` : ''}`;
  const hint = status === 401 || status === 403 ? ': check KEYCLOAK_ADMIN_USERNAME / KEYCLOAK_ADMIN_PASSWORD and the admin\'s realm roles' : '';
  return httpStatusError(status, msg + hint, { side: 'target', retryAfter });
}

export class KeycloakAdminHttp {
  readonly stats = { writes: 0, reads: 0 };

  constructor(
    readonly baseUrl: string,
    readonly realm: string,
    private readonly token: () => Promise<string | undefined>,
    private readonly timeoutMs = 30_000,
  ) {}

  /** `path` below /admin/realms/{realm} ('' for the realm itself); `root` for /admin/realms, `'admin'` for /admin (serverinfo). */
  url(path: string, query?: AdminRequest['query'], root: boolean | 'admin' = false): string {
    const base =
      root === 'admin' ? `${this.baseUrl}/admin${path}` : root ? `${this.baseUrl}/admin/realms${path}` : `${this.baseUrl}/admin/realms/${encodeURIComponent(this.realm)}${path}`;
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, String(v));
    const s = q.toString();
    return s ? `${base}?${s}` : base;
  }

  async request<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, req: AdminRequest & { root?: boolean | 'admin' }): Promise<AdminResponse<T>> {
    if (method === 'GET') this.stats.reads++;
    else this.stats.writes++;
    const token = await this.token();
    let res: Response;
    try {
      res = await fetch(this.url(path, req.query, req.root), {
        method,
        headers: {
          authorization: `Bearer ${token ?? ''}`,
          accept: 'application/json',
          ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(req.body !== undefined ? { body: typeof req.body === 'string' ? req.body : JSON.stringify(req.body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const why = e instanceof Error ? (e.name === 'TimeoutError' ? `no answer in ${this.timeoutMs} ms` : (e.cause as Error | undefined)?.message ?? e.message) : 'network error';
      throw new FlaglessError('E_TARGET_UNAVAILABLE', `Keycloak ${req.what}: ${why}`, { errorClass: 'retriable', cause: e });
    }
    const text = await res.text().catch(() => '');
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (!res.ok && !req.accept?.includes(res.status)) throw adminError(res.status, body, res.headers.get('retry-after'), req.what);
    const location = res.headers.get('location');
    const createdId = res.status === 201 && location ? decodeURIComponent(location.slice(location.lastIndexOf('/') + 1)) : undefined;
    return { status: res.status, body: body as T, ...(createdId ? { createdId } : {}) };
  }

  get<T>(path: string, req: AdminRequest): Promise<AdminResponse<T>> {
    return this.request<T>('GET', path, req);
  }

  /** Reads every page of a list endpoint (`first` / `max`). */
  async *pages<T>(path: string, req: AdminRequest, pageSize = 100): AsyncIterable<T[]> {
    for (let first = 0; ; first += pageSize) {
      const { body } = await this.get<T[]>(path, { ...req, query: { ...req.query, first, max: pageSize } });
      const page = Array.isArray(body) ? body : [];
      if (page.length) yield page;
      if (page.length < pageSize) return;
    }
  }
}
