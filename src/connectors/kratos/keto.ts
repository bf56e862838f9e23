import { FlaglessError } from '../../protocol/errors.js';
import { classifyHttpStatus } from './errors.js';

/**
 * Keto's relationship API over plain HTTP (ory/keto spec/api.json): the write API's
 * PUT /admin/relation-tuples (createRelationship) and DELETE /admin/relation-tuples
 * (deleteRelationships: every tuple the query matches, `namespace` required, 204 whether or not
 * any matched), and the read API's GET /relation-tuples (getRelationships, paged by
 * next_page_token). Organization roles are tuples `orgs:<organization>#<role>@<identity id>`.
 */

export interface Relationship {
  namespace: string;
  object: string;
  relation: string;
  subject_id: string;
}

export class KetoClient {
  constructor(
    private readonly writeUrl: string,
    private readonly readUrl: string,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
    private readonly stats: { writes: number; reads: number },
  ) {}

  async #request(method: string, url: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new FlaglessError('E_TARGET_UNAVAILABLE', `Keto could not be reached (${(e as Error).message})`, { errorClass: 'retriable', cause: e });
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let reason = '';
      try {
        reason = (JSON.parse(text) as { error?: { reason?: string; message?: string } }).error?.reason ?? '';
      } catch {
        /* not JSON */
      }
      throw classifyHttpStatus(res.status, res.headers, `Keto ${method} ${new URL(url).pathname}`, reason);
    }
    return res;
  }

  /** Every matching tuple, page by page (or only the first `limit`). */
  async list(query: Partial<Relationship>, limit = Infinity): Promise<Relationship[]> {
    const out: Relationship[] = [];
    let token = '';
    do {
      const u = new URL('/relation-tuples', this.readUrl);
      for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, v);
      u.searchParams.set('page_size', String(Math.min(1000, limit)));
      if (token) u.searchParams.set('page_token', token);
      this.stats.reads++;
      const page = (await (await this.#request('GET', u.toString())).json()) as { relation_tuples?: Relationship[]; next_page_token?: string };
      out.push(...(page.relation_tuples ?? []));
      token = page.next_page_token ?? '';
    } while (token && out.length < limit);
    return out;
  }

  async create(tuple: Relationship): Promise<void> {
    this.stats.writes++;
    await this.#request('PUT', new URL('/admin/relation-tuples', this.writeUrl).toString(), tuple);
  }

  /** Deletes every tuple the query matches (Keto requires the namespace). */
  async delete(query: Partial<Relationship> & { namespace: string }): Promise<void> {
    const u = new URL('/admin/relation-tuples', this.writeUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, v);
    this.stats.writes++;
    await this.#request('DELETE', u.toString());
  }
}
