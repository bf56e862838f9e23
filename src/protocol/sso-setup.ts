import type { SsoInventory } from './sso.js';

/**
 * How `flagless sso setup` prepares one target for an inventory's connections. Each target
 * connector implements it in its own folder; the app picks it from the registry by name.
 */
export interface SsoSetupOptions {
  /** Environment holding the target's credentials (each connector reads its own names). */
  env: Record<string, string | undefined>;
  /** The target's base URL when not the default (a simulator, a local server). */
  targetUrl?: string;
  /** Keycloak: the realm the identity providers go into. */
  realm?: string;
  /** Print what would be created; write nothing. */
  dryRun: boolean;
  /**
   * The cutover proxy will deliver the IdPs' responses unchanged: the target must present itself
   * with the legacy SP entity ID the IdPs already trust.
   */
  proxy: boolean;
  /**
   * The cutover proxy's public base URL: each identity provider's IdP sign-in URL becomes the
   * proxy's `/v1/sso/relay/target/<connection>`, so a response to a request the target issued comes
   * back to the target whatever the connection's flag says.
   */
  proxyUrl?: string;
  /** OIDC client secrets: the name of the environment variable holding them (never printed). */
  clientSecretEnv?: string;
  /** WorkOS: only regenerate the Admin Portal links (organizations must exist). */
  linksOnly?: boolean;
  /** WorkOS: where the Admin Portal sends the admin back to (return_url / success_url). */
  returnUrl?: string;
  successUrl?: string;
  /** Kratos: the snippet's format. */
  format?: 'yaml' | 'json';
  /** Only these connections (by name); all when absent. */
  only?: string[];
}

export type SsoSetupVerb = 'created' | 'updated' | 'unchanged' | 'would-create' | 'would-update' | 'generated' | 'skipped';

export interface SsoSetupAction {
  connection: string;
  /** What was set up: organization, identity-provider, mapper:<name>, flow, portal-link, config. */
  what: string;
  action: SsoSetupVerb;
  /** The target's id of the thing, when it has one. */
  id?: string;
  /** Why, for skipped or unchanged actions. */
  detail?: string;
}

/** One Admin Portal setup link, for the team to send to a customer's IT admin. */
export interface SsoSetupLink {
  connection: string;
  organizationId: string;
  domains: string[];
  link: string;
  /** ISO 8601. */
  expiresAt: string;
}

export interface SsoSetupResult {
  target: string;
  actions: SsoSetupAction[];
  links?: SsoSetupLink[];
  /** A configuration to put into the target's own config file (Kratos), already formatted. */
  snippet?: { format: 'yaml' | 'json'; text: string; companion?: { path: string; text: string } };
  /**
   * The target's side of the cutover proxy's `--sso-config`, per connection set up: where the target
   * receives responses, and the IdP's own sign-in URL (where the proxy relays requests on to).
   */
  proxyTargets?: SsoProxyTarget[];
  /** Connections that need a person (unsupported protocol, missing data), one sentence each. */
  warnings: string[];
}

export interface SsoProxyTarget {
  connection: string;
  callbackUrl: string;
  idpSignInUrl?: string;
}

export interface SsoTargetSetup {
  setup(inventory: SsoInventory, options: SsoSetupOptions): Promise<SsoSetupResult>;
}
