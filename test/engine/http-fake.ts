import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Secret } from '../../src/model/secret.js';
import type { CanonicalUser, Organization } from '../../src/model/user.js';
import type { TargetCapabilities } from '../../src/protocol/capabilities.js';
import { FlaglessError, type ErrorClass, type ErrorCode } from '../../src/protocol/errors.js';
import type { CreateUserOptions, LoginResult, Target, TargetOrgRef, TargetUserRef, TargetUserView } from '../../src/protocol/target.js';
import { FAKE_CAPABILITIES, FakeTargetState } from './fake-target.js';

/**
 * The fake target over real HTTP, so a `migrate` child process can be killed at an exact point of
 * a request: before the write is applied, after it is applied but before the reply leaves (the
 * send/acknowledge gap), or just after the reply left. The server lives in the test process and
 * holds the target's state across the child's deaths.
 */
export type KillWhen = 'before-apply' | 'after-apply' | 'after-reply';

export interface KillPoint {
  /** The n-th request of `method` (1-based), or of any write when method is 'write'. */
  nth: number;
  method: 'write' | 'findUser' | 'findOrganization' | 'createUser' | 'ensureMembership' | 'createOrganization';
  when: KillWhen;
}

const WRITE_METHODS = new Set(['createUser', 'updateUser', 'createOrganization', 'ensureMembership']);

class Killed extends Error {}

/** Secrets cross the wire of this test harness explicitly (a real connector sends them to its vendor). */
function encode(v: unknown): unknown {
  if (v instanceof Secret) return { $secret: v.reveal() };
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$secret === 'string' && Object.keys(o).length === 1) return new Secret(o.$secret);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

export interface FakeServer {
  url: string;
  state: FakeTargetState;
  /** Arms one kill: `kill` is called at that point (the test SIGKILLs its child there). */
  arm(point: KillPoint | undefined, kill: () => void): void;
  fired(): boolean;
  close(): Promise<void>;
}

export async function startFakeServer(state: FakeTargetState): Promise<FakeServer> {
  let point: KillPoint | undefined;
  let kill: () => void = () => undefined;
  let fired = false;
  const seen: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const { method, args } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { method: string; args: unknown[] };
        const a = decode(args) as never[];
        const isWrite = WRITE_METHODS.has(method);
        if (isWrite) seen.write = (seen.write ?? 0) + 1;
        seen[method] = (seen[method] ?? 0) + 1;
        const hit =
          !fired && point && (point.method === 'write' ? isWrite && seen.write === point.nth : point.method === method && seen[method] === point.nth) ? point : undefined;
        try {
          const result = await state.handle(method as never, async () => {
            if (hit?.when === 'before-apply') {
              fired = true;
              kill();
              throw new Killed();
            }
            const r = await (state as unknown as Record<string, (...x: unknown[]) => unknown>)[method]!.apply(state, a);
            if (hit?.when === 'after-apply') {
              fired = true;
              state.appliedBy[method] = (state.appliedBy[method] ?? 0) + 1;
              kill();
              throw new Killed();
            }
            return r;
          });
          const body = JSON.stringify({ result: result === undefined ? null : result });
          res.writeHead(200, { 'content-type': 'application/json' });
          if (hit?.when === 'after-reply') {
            fired = true;
            res.on('finish', () => kill());
          }
          res.end(body);
        } catch (e) {
          if (e instanceof Killed) {
            req.socket.destroy();
            return;
          }
          if (e instanceof FlaglessError) {
            res.writeHead(e.code === 'E_RATE_LIMITED' ? 429 : 400, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { code: e.code, errorClass: e.errorClass, message: e.message, retryAfterSeconds: e.retryAfterSeconds } }));
          } else {
            // A reset after apply (fault injection): drop the connection.
            req.socket.destroy();
          }
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    arm(p, k) {
      point = p;
      kill = k;
      fired = false;
      for (const x of Object.keys(seen)) delete seen[x];
    },
    fired: () => fired,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The child's Target: every call is one HTTP request to the fake server. */
export class HttpFakeTarget implements Target {
  readonly capabilities: TargetCapabilities = FAKE_CAPABILITIES;
  readonly stats = { writes: 0, reads: 0 };
  constructor(private readonly url: string) {}

  async #call<T>(method: string, args: unknown[]): Promise<T> {
    if (WRITE_METHODS.has(method)) this.stats.writes++;
    else this.stats.reads++;
    const res = await fetch(`${this.url}/rpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method, args: encode(args) }) });
    const body = (await res.json()) as { result?: T; error?: { code: ErrorCode; errorClass: ErrorClass; message: string; retryAfterSeconds?: number } };
    if (body.error) {
      throw new FlaglessError(body.error.code, body.error.message, { errorClass: body.error.errorClass, ...(body.error.retryAfterSeconds !== undefined ? { retryAfterSeconds: body.error.retryAfterSeconds } : {}) });
    }
    return (body.result ?? undefined) as T;
  }

  findUser(key: { externalId: string; email?: string }) {
    return this.#call<TargetUserRef | undefined>('findUser', [key]);
  }
  createUser(user: CanonicalUser, options: CreateUserOptions) {
    return this.#call<TargetUserRef>('createUser', [user, options]);
  }
  updateUser(ref: TargetUserRef, user: CanonicalUser, options: CreateUserOptions) {
    return this.#call<TargetUserRef>('updateUser', [ref, user, options]);
  }
  findOrganization(key: { externalId: string; name: string }) {
    return this.#call<TargetOrgRef | undefined>('findOrganization', [key]);
  }
  createOrganization(org: Organization) {
    return this.#call<TargetOrgRef>('createOrganization', [org]);
  }
  ensureMembership(user: TargetUserRef, org: TargetOrgRef, roles: string[]) {
    return this.#call<'created' | 'updated' | 'exists'>('ensureMembership', [user, org, roles]);
  }
  getUser(): Promise<TargetUserView | undefined> {
    throw new Error('not used by migrate');
  }
  listUsers(): AsyncIterable<TargetUserView> {
    throw new Error('not used by migrate');
  }
  login(): Promise<LoginResult> {
    throw new Error('not used by migrate');
  }
  setPassword(): Promise<void> {
    throw new Error('not used by migrate');
  }
  async close(): Promise<void> {}
}
