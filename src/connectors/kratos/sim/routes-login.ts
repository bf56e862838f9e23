import { randomBytes, randomUUID } from 'node:crypto';
import { compareKratosHash } from './compare.js';
import { HttpError, type SimContext, type SimReply } from './http.js';
import { identityJson, type SimIdentity } from './state.js';

/**
 * The native (API) login flow with the password method (spec/api.json createNativeLoginFlow,
 * updateLoginFlow; behaviour from selfservice/strategy/password/login.go):
 * GET /self-service/login/api → a flow; POST /self-service/login?flow=<id> {method: 'password',
 * identifier, password} → 200 {session, session_token}, or 400 with the flow and message 4000006
 * for an unknown identifier or a wrong password. A credential marked use_password_migration_hook
 * is checked by POSTing {identifier, password} to the configured hook, which must answer 200
 * {"status":"password_match"}; the password is then hashed and stored, so the next sign-in does
 * not call the hook. A hash other than the simulator's own hasher (bcrypt) is re-hashed after a
 * successful sign-in, as Kratos does.
 */

const FLOW_LIFESPAN_MS = 60 * 60 * 1000;
const INVALID_CREDENTIALS = {
  id: 4000006,
  text: 'The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.',
  type: 'error',
  context: {},
};

export class LoginFlows {
  readonly #flows = new Map<string, { expiresAt: number; issuedAt: string; used: boolean }>();

  create(ctx: SimContext): SimReply {
    const id = randomUUID();
    const now = Date.now();
    const flow = { expiresAt: now + FLOW_LIFESPAN_MS, issuedAt: new Date(now).toISOString(), used: false };
    this.#flows.set(id, flow);
    return { status: 200, body: this.#json(ctx, id, flow) };
  }

  #json(ctx: SimContext, id: string, flow: { expiresAt: number; issuedAt: string }, messages: unknown[] = [], identifier = '') {
    return {
      id,
      type: 'api',
      expires_at: new Date(flow.expiresAt).toISOString(),
      issued_at: flow.issuedAt,
      request_url: `${ctx.url}/self-service/login/api`,
      refresh: false,
      requested_aal: 'aal1',
      state: 'choose_method',
      ui: {
        action: `${ctx.url}/self-service/login?flow=${id}`,
        method: 'POST',
        nodes: [
          { type: 'input', group: 'default', attributes: { name: 'identifier', type: 'text', value: identifier, required: true, disabled: false, node_type: 'input' }, messages: [], meta: { label: { id: 1070004, text: 'ID', type: 'info' } } },
          { type: 'input', group: 'password', attributes: { name: 'password', type: 'password', required: true, disabled: false, node_type: 'input' }, messages: [], meta: { label: { id: 1070001, text: 'Password', type: 'info' } } },
          { type: 'input', group: 'password', attributes: { name: 'method', type: 'submit', value: 'password', disabled: false, node_type: 'input' }, messages: [], meta: { label: { id: 1010001, text: 'Sign in', type: 'info' } } },
        ],
        ...(messages.length ? { messages } : {}),
      },
    };
  }

  async submit(ctx: SimContext, flowId: string | null, body: unknown): Promise<SimReply> {
    const flow = flowId ? this.#flows.get(flowId) : undefined;
    if (!flowId || !flow) throw new HttpError(404, 'The login flow could not be found.');
    if (flow.expiresAt < Date.now()) {
      return { status: 410, body: { error: { code: 410, status: 'Gone', id: 'self_service_flow_expired', reason: 'The login flow has expired.', message: 'The requested resource is no longer available' } } };
    }
    const b = (body ?? {}) as Record<string, unknown>;
    if (b.method !== 'password') throw new HttpError(400, 'Could not find a strategy to log you in with. Did you fill out the form correctly?');
    const identifier = typeof b.identifier === 'string' ? b.identifier : typeof b.password_identifier === 'string' ? b.password_identifier : '';
    const password = typeof b.password === 'string' ? b.password : '';
    if (identifier === '' || password === '') {
      return { status: 400, body: this.#json(ctx, flowId, flow, [{ id: 4000002, text: 'Property identifier and password are required.', type: 'error', context: {} }], identifier) };
    }
    const fail = (): SimReply => {
      ctx.stats.logins.failed++;
      return { status: 400, body: this.#json(ctx, flowId, flow, [INVALID_CREDENTIALS], identifier) };
    };
    const identity = ctx.store.findByIdentifier('password', identifier);
    const cred = identity?.credentials.password;
    // An identity without a password holds a password credential with identifiers only: no sign-in.
    if (!identity || !cred || (!cred.config.use_password_migration_hook && !cred.config.hashed_password)) return fail();
    if (cred.config.use_password_migration_hook) {
      if (!ctx.migrationHookUrl) throw new HttpError(500, 'Password migration hook is not enabled but password migration is requested.');
      ctx.stats.hookCalls++;
      if (!(await this.#askHook(ctx, identifier, password))) return fail();
      await this.#rehash(ctx, identity, password);
    } else {
      const verdict = await compareKratosHash(password, cred.config.hashed_password ?? '');
      if (verdict !== 'match') return fail();
      if (!/^\$2[abzy]?\$/.test(cred.config.hashed_password ?? '')) await this.#rehash(ctx, identity, password);
    }
    if (identity.state !== 'active') {
      // Kratos refuses sessions for inactive identities (session.ErrIdentityDisabled).
      ctx.stats.logins.failed++;
      return { status: 401, body: { error: { code: 401, status: 'Unauthorized', id: 'session_identity_disabled', reason: 'This account was disabled.', message: 'The request could not be authorized' } } };
    }
    ctx.stats.logins.succeeded++;
    const now = new Date().toISOString();
    return {
      status: 200,
      body: {
        session_token: `ory_st_${randomBytes(24).toString('base64url')}`,
        session: {
          id: randomUUID(),
          active: true,
          authenticated_at: now,
          issued_at: now,
          expires_at: new Date(Date.now() + 24 * 3600 * 1000).toISOString(),
          authenticator_assurance_level: 'aal1',
          authentication_methods: [{ method: 'password', aal: 'aal1', completed_at: now }],
          identity: identityJson(identity, ctx.schemaUrl(identity.schema_id)),
        },
      },
    };
  }

  async #askHook(ctx: SimContext, identifier: string, password: string): Promise<boolean> {
    try {
      const res = await fetch(ctx.migrationHookUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(ctx.migrationHookToken ? { authorization: `Bearer ${ctx.migrationHookToken}` } : {}) },
        body: JSON.stringify({ identifier, password }),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status !== 200) return false;
      const body = (await res.json().catch(() => undefined)) as { status?: string } | undefined;
      return body?.status === 'password_match';
    } catch {
      return false;
    }
  }

  async #rehash(ctx: SimContext, identity: SimIdentity, password: string): Promise<void> {
    const { hash } = await import('@node-rs/bcrypt');
    identity.credentials.password = { identifiers: identity.credentials.password!.identifiers, config: { hashed_password: await hash(password, ctx.bcryptCost) } };
    identity.updated_at = new Date().toISOString();
  }
}
