// What the Keycloak target prepares in the realm, each step idempotent (a re-run only reads):
//
// - the realm itself, when missing (`--realm NAME`);
// - the user profile: unmanaged attributes kept with policy ADMIN_EDIT (attributes are readable and
//   writable through the admin API and console only). Not ENABLED: that lets every user edit their
//   own attributes in the account console, and so rewrite private metadata (a plan, a role) or the
//   `flagless_source_id` that re-runs find them by. A realm that already keeps them (ENABLED or
//   ADMIN_EDIT) is left as it is. In a realm flagless creates, email and names are optional: the
//   sources do not guarantee them, and Keycloak refuses every password grant of a user who lacks a
//   required attribute ("Account is not fully set up"). In an existing realm the operator's
//   profile stands, and the plan reports users who lack what it requires;
// - organizations, switched on at the first organization it creates; on servers without
//   organization groups (before 26.6) organizations become realm groups instead (org-groups.ts);
// - identity providers for linked social accounts: Keycloak silently drops a federated identity
//   whose provider does not exist, so a missing one is created as a DISABLED placeholder
//   (no client id or secret; display name says so), which keeps the links until an operator
//   configures and enables it;
// - for sign-in checks only (`login`, used by `verify --logins`): a confidential client
//   `flagless-verify` (direct grant only) whose direct-grant flow is a copy reduced to username +
//   password. Sign-ins go through Keycloak's real token endpoint and password check (and its
//   re-hash), but a user with an imported TOTP factor can be checked by password alone. The secret
//   is read through the admin API, never printed; the realm's own flows still demand the TOTP code.
import { FlaglessError } from '../../protocol/errors.js';
import type { KeycloakAdminHttp } from './admin-http.js';
import { type IdentityProviderSpec, type ProfileRequirements } from './map.js';

export const VERIFY_CLIENT_ID = 'flagless-verify';
export const VERIFY_FLOW_ALIAS = 'flagless password check';

interface ProfileAttribute {
  name?: string;
  required?: { roles?: string[]; scopes?: string[] };
  [k: string]: unknown;
}
interface ProfileConfig {
  attributes?: ProfileAttribute[];
  unmanagedAttributePolicy?: string;
  [k: string]: unknown;
}

/** Where organizations go: Keycloak organizations (26.6+, with role groups) or realm groups. */
export type OrganizationMode = 'organizations' | 'groups';

/** The first Keycloak with organization groups, which roles need. */
export const ORGANIZATION_GROUPS_SINCE = [26, 6] as const;

/** `organizations` from 26.6 on, `groups` before (or when the version cannot be read). */
export function organizationModeFor(version: string | undefined): OrganizationMode {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return 'groups';
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const [wantMajor, wantMinor] = ORGANIZATION_GROUPS_SINCE;
  return major > wantMajor || (major === wantMajor && minor >= wantMinor) ? 'organizations' : 'groups';
}

/** The server's version from /admin/serverinfo (undefined when it cannot be read). */
export async function serverVersion(http: KeycloakAdminHttp): Promise<string | undefined> {
  // Only "not allowed" and "not there" mean unknown; an outage or a timeout fails the open, so that
  // one bad moment cannot send one run's organizations to groups and the next run's elsewhere.
  const r = await http.request<{ systemInfo?: { version?: string } }>('GET', '/serverinfo', { root: 'admin', what: 'read the server version', accept: [403, 404] });
  if (r.status !== 200) return undefined;
  return r.body.systemInfo?.version;
}

export interface RealmState {
  created: boolean;
  organizationsEnabled: boolean;
  organizationMode: OrganizationMode;
  /** The server's version as /admin/serverinfo reports it. */
  serverVersion?: string;
  /** Send the execute-actions email (UPDATE_PASSWORD) to users created without a password. */
  sendResetEmail: boolean;
  profile: ProfileRequirements;
}

function requires(config: ProfileConfig, name: string): boolean {
  const a = config.attributes?.find((x) => x.name === name);
  if (!a?.required) return false;
  const roles = a.required.roles;
  // Required with no roles (and no scopes) means always; otherwise it binds when a user edits their profile.
  return !roles || roles.length === 0 ? !a.required.scopes?.length : roles.includes('user');
}

/**
 * `organizationMode`: forced by the caller (KEYCLOAK_ORGANIZATIONS), else chosen from the server's
 * version.
 */
export async function prepareRealm(http: KeycloakAdminHttp, opts: { organizationMode?: OrganizationMode; sendResetEmail?: boolean } = {}): Promise<RealmState> {
  const version = await serverVersion(http);
  const organizationMode = opts.organizationMode ?? organizationModeFor(version);
  const found = await http.get<{ organizationsEnabled?: boolean; smtpServer?: Record<string, string> }>('', { what: `read realm '${http.realm}'`, accept: [404] });
  if (opts.sendResetEmail) {
    // Checked before anything is written (a realm created now would have no email settings): Keycloak
    // answers every email it cannot send with a 500.
    const smtp = found.status === 200 ? found.body.smtpServer : undefined;
    if (!smtp?.host || !smtp.from) {
      throw new FlaglessError(
        'E_USAGE',
        `KEYCLOAK_SEND_RESET_EMAIL is set, but realm '${http.realm}' ${found.status === 404 ? 'does not exist yet, so it has' : 'has'} no email settings (host and from address): set them under Realm settings → Email, or leave the variable out (the users still get the UPDATE_PASSWORD action; an admin can send the email later from the console, or switch on "Forgot password" for the realm).`,
      );
    }
  }
  let created = false;
  let organizationsEnabled = found.status === 200 && found.body.organizationsEnabled === true;
  if (found.status === 404) {
    const r = await http.request('POST', '', { root: true, what: `create realm '${http.realm}'`, body: { realm: http.realm, enabled: true, ...(organizationMode === 'organizations' ? { organizationsEnabled: true } : {}) }, accept: [409] });
    created = r.status === 201;
    organizationsEnabled = created && organizationMode === 'organizations';
  }
  const { body: profile } = await http.get<ProfileConfig>('/users/profile', { what: 'read the user profile' });
  let changed = false;
  if (profile.unmanagedAttributePolicy !== 'ENABLED' && profile.unmanagedAttributePolicy !== 'ADMIN_EDIT') {
    profile.unmanagedAttributePolicy = 'ADMIN_EDIT';
    changed = true;
  }
  if (created) {
    for (const a of profile.attributes ?? []) {
      if ((a.name === 'email' || a.name === 'firstName' || a.name === 'lastName') && a.required) {
        delete a.required;
        changed = true;
      }
    }
  }
  if (changed) await http.request('PUT', '/users/profile', { what: 'configure the user profile', body: profile });
  return {
    created,
    organizationsEnabled,
    organizationMode,
    ...(version ? { serverVersion: version } : {}),
    sendResetEmail: opts.sendResetEmail === true,
    profile: { email: requires(profile, 'email'), firstName: requires(profile, 'firstName'), lastName: requires(profile, 'lastName') },
  };
}

export async function enableOrganizations(http: KeycloakAdminHttp): Promise<void> {
  const { body } = await http.get<Record<string, unknown>>('', { what: `read realm '${http.realm}'` });
  if (body.organizationsEnabled === true) return;
  await http.request('PUT', '', { what: 'enable organizations', body: { ...body, organizationsEnabled: true } });
}

/** The realm's identity providers by alias, created as disabled placeholders when missing (once per alias). */
export class IdentityProviders {
  #known: Promise<Set<string>> | undefined;
  readonly #pending = new Map<string, Promise<void>>();
  /** Aliases this target created (for reports and tests). */
  readonly created: string[] = [];

  constructor(private readonly http: KeycloakAdminHttp) {}

  #load(): Promise<Set<string>> {
    this.#known ??= this.http
      .get<{ alias?: string }[]>('/identity-provider/instances', { what: 'list identity providers', query: { briefRepresentation: true, max: 1000 } })
      .then(({ body }) => new Set((body ?? []).map((p) => p.alias ?? '')))
      .catch((e: unknown) => {
        this.#known = undefined;
        throw e;
      });
    return this.#known;
  }

  async aliases(): Promise<string[]> {
    return [...(await this.#load())];
  }

  async ensure(specs: readonly IdentityProviderSpec[]): Promise<void> {
    const known = await this.#load();
    await Promise.all(
      specs
        .filter((s) => !known.has(s.alias))
        .map((s) => {
          let p = this.#pending.get(s.alias);
          if (!p) {
            p = this.#create(s, known).finally(() => this.#pending.delete(s.alias));
            this.#pending.set(s.alias, p);
          }
          return p;
        }),
    );
  }

  async #create(s: IdentityProviderSpec, known: Set<string>): Promise<void> {
    const r = await this.http.request('POST', '/identity-provider/instances', {
      what: `create identity provider '${s.alias}'`,
      body: {
        alias: s.alias,
        providerId: s.providerId,
        enabled: false,
        displayName: `${s.alias} (placeholder created by flagless: configure, then enable)`,
        config: {},
      },
      accept: [409],
    });
    if (r.status === 201) this.created.push(s.alias);
    known.add(s.alias);
  }
}

interface Execution {
  id?: string;
  providerId?: string;
  requirement?: string;
  [k: string]: unknown;
}

/**
 * The confidential client `login` signs in through, created on first use; returns its secret.
 * Only reads when it exists already.
 */
export async function ensureVerifyClient(http: KeycloakAdminHttp): Promise<string> {
  const flowPath = `/authentication/flows/${encodeURIComponent(VERIFY_FLOW_ALIAS)}`;
  const { body: flows } = await http.get<{ id?: string; alias?: string }[]>('/authentication/flows', { what: 'list authentication flows' });
  let flowId = flows.find((f) => f.alias === VERIFY_FLOW_ALIAS)?.id;
  if (!flowId) {
    const made = await http.request('POST', '/authentication/flows', {
      what: 'create the sign-in check flow',
      body: { alias: VERIFY_FLOW_ALIAS, description: 'flagless verify: username and password only', providerId: 'basic-flow', topLevel: true, builtIn: false },
      accept: [409],
    });
    flowId = made.createdId;
    for (const provider of ['direct-grant-validate-username', 'direct-grant-validate-password']) {
      await http.request('POST', `${flowPath}/executions/execution`, { what: 'add a step to the sign-in check flow', body: { provider } });
    }
    const { body: steps } = await http.get<Execution[]>(`${flowPath}/executions`, { what: 'read the sign-in check flow' });
    for (const step of steps) {
      if (step.requirement !== 'REQUIRED') await http.request('PUT', `${flowPath}/executions`, { what: 'require a step of the sign-in check flow', body: { ...step, requirement: 'REQUIRED' } });
    }
    flowId ??= (await http.get<{ id?: string; alias?: string }[]>('/authentication/flows', { what: 'list authentication flows' })).body.find((f) => f.alias === VERIFY_FLOW_ALIAS)?.id;
  }
  const { body: clients } = await http.get<{ id?: string; clientId?: string; authenticationFlowBindingOverrides?: Record<string, string> }[]>('/clients', {
    what: `find client '${VERIFY_CLIENT_ID}'`,
    query: { clientId: VERIFY_CLIENT_ID },
  });
  const rep = {
    clientId: VERIFY_CLIENT_ID,
    name: 'flagless verify (sign-in checks of migrated users)',
    enabled: true,
    publicClient: false,
    directAccessGrantsEnabled: true,
    standardFlowEnabled: false,
    implicitFlowEnabled: false,
    serviceAccountsEnabled: false,
    protocol: 'openid-connect',
    authenticationFlowBindingOverrides: { direct_grant: flowId ?? '' },
  };
  let id = clients.find((c) => c.clientId === VERIFY_CLIENT_ID)?.id;
  const existing = clients.find((c) => c.id === id);
  if (!id) {
    id = (await http.request('POST', '/clients', { what: `create client '${VERIFY_CLIENT_ID}'`, body: rep })).createdId;
  } else if (existing?.authenticationFlowBindingOverrides?.direct_grant !== flowId) {
    await http.request('PUT', `/clients/${id}`, { what: `update client '${VERIFY_CLIENT_ID}'`, body: { ...existing, ...rep } });
  }
  const { body: secret } = await http.get<{ value?: string }>(`/clients/${id}/client-secret`, { what: `read the secret of client '${VERIFY_CLIENT_ID}'` });
  if (!secret.value) throw new FlaglessError('E_TARGET_AUTH', `Keycloak client '${VERIFY_CLIENT_ID}' has no secret to sign in with`);
  return secret.value;
}
