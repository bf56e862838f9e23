import { SOURCE_VENDORS } from '../connectors/index.js';
import type { CommandSpec, FlagSpec } from './spec.js';

/**
 * `sso inventory`, `sso setup`, `sso links`: the SSO playbook's inventory and target setup
 * (the cutover proxy's `sso flip` / `sso status` live beside these in their own file).
 */
const INVENTORY_FLAG: FlagSpec = { name: 'inventory', type: 'string', value: 'path', required: true, description: 'The inventory to set up (`flagless sso inventory --json > inventory.json`).' };
const CONNECTION_FLAG: FlagSpec = { name: 'connection', type: 'string', value: 'name', multiple: true, description: 'Only this connection (repeat for several); default every connection of the inventory.' };
const TARGET_URL_FLAG: FlagSpec = { name: 'target-url', type: 'string', value: 'url', description: "The target's base URL (WorkOS API, Keycloak); default WORKOS_API_URL / KEYCLOAK_URL. Credentials come from the environment (WORKOS_API_KEY; KEYCLOAK_ADMIN_USERNAME / KEYCLOAK_ADMIN_PASSWORD)." };
const OUT_FLAG: FlagSpec = { name: 'out', type: 'string', value: 'path', description: 'WorkOS: the CSV of Admin Portal links to write (connection, organization_id, domains, link, expires_at); required unless --dry-run. The links are never printed.' };
const RETURN_URL_FLAG: FlagSpec = { name: 'return-url', type: 'string', value: 'url', description: "WorkOS: where the Admin Portal's logo leads (return_url; default: the dashboard's Redirects setting)." };
const SUCCESS_URL_FLAG: FlagSpec = { name: 'success-url', type: 'string', value: 'url', description: 'WorkOS: where the admin lands after finishing the setup (success_url).' };

export const SSO_SETUP_COMMANDS: CommandSpec[] = [
  {
    name: 'sso inventory',
    summary: "List the legacy provider's enterprise SSO connections: IdP, certificates, domains, legacy ACS URL and SP entity ID, users, and the recommended cutover path.",
    description:
      "Reads the legacy provider's API (Auth0 enterprise connections: samlp, oidc, waad, google-apps, adfs, with the organizations they are enabled for; Cognito SAML and OIDC identity providers; Clerk SAML connections; Firebase / Identity Platform inbound SAML and OIDC configs), or a dump saved with --save-dump. For each connection: protocol, the IdP's entity ID or issuer, sign-in URL, each signing certificate's SHA-256 fingerprint and expiry (parsed with node:crypto), domains, organizations, the ACS URL and SP entity ID (or OIDC callback) the customer's IdP is configured with today, how many users of --export signed in through it, and the playbook's path: handoff links under 15 connections, the cutover proxy from 15. Secrets (OIDC client secrets, signing keys) are never read into the dump or the output. Credentials from the environment: AUTH0_DOMAIN with AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET or AUTH0_MGMT_TOKEN (read:connections, read:organizations; AUTH0_TENANT when AUTH0_DOMAIN is a custom domain); COGNITO_USER_POOL_ID with AWS_REGION and AWS credentials; CLERK_SECRET_KEY; FIREBASE_PROJECT_ID with FIREBASE_ACCESS_TOKEN (FIREBASE_AUTH_DOMAIN optional). Exit 0 when read, 1 when a certificate has expired or expires within 30 days, 2 on bad usage or refused credentials.",
    flags: [
      { name: 'from', type: 'string', value: 'vendor', required: true, choices: SOURCE_VENDORS, description: 'The legacy provider.' },
      { name: 'dump', type: 'string', value: 'path', description: 'Read this saved dump (from --save-dump) instead of the API.' },
      { name: 'save-dump', type: 'string', value: 'path', description: "Save what the API answered (the vendor's shapes, secrets left out) to this JSON file." },
      { name: 'source-url', type: 'string', value: 'url', description: "Override the provider's API base URL (a local simulator, a proxy)." },
      { name: 'legacy-host', type: 'string', value: 'host', description: "The host the customers' IdPs post to when it is a custom domain (Auth0 custom domain, Cognito custom domain, Firebase authDomain)." },
      { name: 'export', type: 'string', value: 'path', description: 'An export of the users (the file `assess` reads) to count, per connection, the users who signed in through it.' },
      { name: 'passwords', type: 'string', value: 'path', description: 'Auth0: the password-hash file joined to --export (as in assess).' },
      { name: 'hash-config', type: 'string', value: 'path', description: 'Firebase: the hash parameters of --export (as in assess).' },
      { name: 'api-dump', type: 'string', value: 'path', description: 'The API dump joined to --export (Clerk: the enterprise accounts a CSV export lacks).' },
    ],
    examples: [
      'flagless sso inventory --from auth0 --json > inventory.json',
      'flagless sso inventory --from auth0 --save-dump auth0-sso.json --export users.ndjson',
      'flagless sso inventory --from cognito --dump cognito-sso.json',
    ],
    load: () => import('./run-sso-inventory.js'),
  },
  {
    name: 'sso setup',
    summary: 'Set the inventory\'s connections up at the target: WorkOS organizations and Admin Portal links, Keycloak identity providers, or the Ory Kratos config snippet.',
    description:
      "WorkOS: one organization per connection, found by external id first and created exactly once (the organization `migrate` created when the connection serves exactly one legacy organization, otherwise external id sso:<legacy connection id>; domains added as pending), then an Admin Portal link per connection (intent sso) written to --out, for the team to send to each customer's IT admin; links expire five minutes after issuance, `sso links` makes fresh ones. Keycloak: in --realm, one identity provider per connection from the legacy IdP's settings (SAML: IdP entity ID, SSO URL, signing certificates with signature validation, name-ID format, principal SUBJECT, POST bindings; with --proxy the SP entity ID is the legacy one the IdP already trusts; OIDC: the issuer's discovery document imported by Keycloak, the client id, the client secret from the variable --client-secret-env names), mappers for email, first and last name, and the first-broker-login flow flagless-link-existing-user (Detect existing broker user; then Automatically set existing user only when that account's verified email is the asserted one, else Verify existing account by Email) that links a first IdP login to the migrated account, never creating one; it needs flagless's Keycloak extension (its emailVerified conditions). A second run changes nothing and says so. Ory Kratos: the selfservice.methods.oidc providers to merge into the Kratos config, on stdout (self-hosted Kratos has no SAML: SAML connections are listed as needing Ory Network or Ory Polis). Secrets are never printed. Exit 0 when everything is set up, 1 when some connections need a person (listed), 2 on bad usage or refused credentials.",
    flags: [
      { name: 'to', type: 'string', value: 'target', required: true, choices: ['workos', 'keycloak', 'kratos'], description: 'The target.' },
      INVENTORY_FLAG,
      OUT_FLAG,
      TARGET_URL_FLAG,
      { name: 'realm', type: 'string', value: 'name', description: 'Keycloak: the realm the users were migrated into (required for Keycloak).' },
      { name: 'proxy', type: 'boolean', description: "Keycloak: the cutover proxy will forward the IdPs' responses unchanged, so the identity provider presents the legacy SP entity ID the IdP already trusts." },
      { name: 'proxy-url', type: 'string', value: 'url', description: "Keycloak: the cutover proxy's public base URL; each identity provider's IdP sign-in URL becomes <url>/v1/sso/relay/target/<connection> (implies --proxy), so a response to a request Keycloak issued comes back to Keycloak whatever the flag says." },
      { name: 'proxy-config-out', type: 'string', value: 'path', description: "Keycloak, with --proxy-url: write the proxy's --sso-config for the inventory there (legacy paths from the inventory, target callback URLs from what setup created)." },
      { name: 'client-secret-env', type: 'string', value: 'NAME', description: 'Keycloak: the environment variable holding the OIDC connections\' client secret (read, never printed).' },
      { name: 'format', type: 'string', value: 'fmt', choices: ['yaml', 'json'], default: 'yaml', description: 'Ory Kratos: the snippet\'s format.' },
      RETURN_URL_FLAG,
      SUCCESS_URL_FLAG,
      CONNECTION_FLAG,
      { name: 'links-only', type: 'boolean', description: 'WorkOS: only make fresh Admin Portal links (as `sso links`).' },
      { name: 'dry-run', type: 'boolean', description: 'Print what would be created or changed; write nothing.' },
    ],
    examples: [
      'WORKOS_API_KEY=sk_... flagless sso setup --to workos --inventory inventory.json --out portal-links.csv',
      'flagless sso setup --to keycloak --realm app --inventory inventory.json --proxy --client-secret-env OIDC_CLIENT_SECRET --dry-run',
      'flagless sso setup --to keycloak --realm app --inventory inventory.json --proxy-url https://login.example.com --proxy-config-out sso.json',
      'flagless sso setup --to kratos --inventory inventory.json > kratos-oidc.yaml',
    ],
    load: () => import('./run-sso-setup.js'),
  },
  {
    name: 'sso links',
    summary: 'Make fresh WorkOS Admin Portal setup links for the inventory\'s connections (they expire five minutes after issuance).',
    description:
      'For each connection whose organization `sso setup --to workos` created, generates a new Admin Portal link (intent sso) and writes the CSV (connection, organization_id, domains, link, expires_at) to --out. Creates nothing else. Exit 0 when every connection got a link, 1 when some have no organization yet, 2 on bad usage or refused credentials.',
    flags: [
      { name: 'to', type: 'string', value: 'target', required: true, choices: ['workos'], description: 'The target (WorkOS).' },
      INVENTORY_FLAG,
      { ...OUT_FLAG, required: true, description: 'The CSV of Admin Portal links to write. The links are never printed.' },
      TARGET_URL_FLAG,
      RETURN_URL_FLAG,
      SUCCESS_URL_FLAG,
      CONNECTION_FLAG,
    ],
    examples: ['flagless sso links --to workos --inventory inventory.json --connection acme-okta --out acme-link.csv'],
    load: async () => ({ run: (await import('./run-sso-setup.js')).runLinks }),
  },
];
