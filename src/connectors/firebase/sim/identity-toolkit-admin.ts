/**
 * A strict local stand-in for the two Identity Toolkit admin v2 lists `flagless sso inventory`
 * reads (the Firebase Auth emulator does not serve them):
 *   GET /admin/v2/projects/{project}/inboundSamlConfigs?pageSize=&pageToken=
 *   GET /admin/v2/projects/{project}/oauthIdpConfigs?pageSize=&pageToken=
 * → `{inboundSamlConfigs|oauthIdpConfigs: [...], nextPageToken?}` (a list with nothing in it is `{}`,
 * as Google's JSON mapping leaves empty repeated fields out).
 * - `Authorization: Bearer <token>` must be the configured token: otherwise 401 UNAUTHENTICATED.
 * - Another project: 403 PERMISSION_DENIED. pageSize beyond 100 or not a number, or an unknown
 *   pageToken: 400 INVALID_ARGUMENT. Unknown paths: 404 NOT_FOUND.
 * Errors are Google's `{"error": {"code", "message", "status"}}`. OIDC configs are answered with
 * their clientSecret, as the real API does, so the reader's dropping of it is tested.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FirebaseAdminSimOptions {
  projectId: string;
  accessToken: string;
  inboundSamlConfigs?: Record<string, unknown>[];
  oauthIdpConfigs?: Record<string, unknown>[];
}

export interface FirebaseAdminSim {
  url: string;
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

const STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED' };

class GoogleError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startFirebaseAdminSimulator(opts: FirebaseAdminSimOptions): Promise<FirebaseAdminSim> {
  const requests: FirebaseAdminSim['requests'] = [];
  const lists: Record<string, Record<string, unknown>[]> = { inboundSamlConfigs: opts.inboundSamlConfigs ?? [], oauthIdpConfigs: opts.oauthIdpConfigs ?? [] };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      if (req.headers.authorization !== `Bearer ${opts.accessToken}`) throw new GoogleError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
      if (req.method !== 'GET') throw new GoogleError(405, 'Method not allowed.');
      const m = /^\/admin\/v2\/projects\/([^/]+)\/(inboundSamlConfigs|oauthIdpConfigs)$/.exec(url.pathname);
      if (!m) throw new GoogleError(404, 'Requested entity was not found.');
      if (decodeURIComponent(m[1]!) !== opts.projectId) throw new GoogleError(403, `The caller does not have permission`);
      const kind = m[2]!;
      const rawSize = url.searchParams.get('pageSize');
      const size = rawSize === null ? 100 : Number(rawSize);
      if (!Number.isInteger(size) || size < 0 || size > 100) throw new GoogleError(400, 'Invalid value at \'page_size\': page size must be between 0 and 100.');
      const token = url.searchParams.get('pageToken');
      let start = 0;
      if (token) {
        const t = /^o:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
        if (!t) throw new GoogleError(400, 'Invalid page token.');
        start = Number(t[1]);
      }
      const per = size === 0 ? 100 : size;
      const list = lists[kind]!;
      const slice = list.slice(start, start + per);
      const body = { ...(slice.length ? { [kind]: slice } : {}), ...(start + per < list.length ? { nextPageToken: Buffer.from(`o:${start + per}`).toString('base64url') } : {}) };
      requests.push({ path: url.pathname, status: 200 });
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
    } catch (e) {
      const err = e instanceof GoogleError ? e : new GoogleError(500, 'Internal error.');
      requests.push({ path: url.pathname, status: err.code });
      res.writeHead(err.code, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify({ error: { code: err.code, message: err.message, status: STATUS[err.code] ?? 'INTERNAL' } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
