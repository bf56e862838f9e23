import { TARGET_CAPABILITIES } from '../connectors/index.js';
import { LOG_LEVELS } from '../engine/log.js';
import { SOURCE_VENDORS } from '../connectors/index.js';
import type { CommandSpec, FlagSpec } from './spec.js';
import { SSO_SETUP_COMMANDS } from './commands-sso-setup.js';
import { SSO_PROXY_COMMANDS, SSO_SERVE_FLAGS } from './sso-proxy-commands.js';

/**
 * Every command and every flag, declared once. `flagless --help`, `flagless <cmd> --help`, the
 * argument parser and the README's command reference are all generated from this table.
 */

export const JSON_FLAG: FlagSpec = { name: 'json', type: 'boolean', description: 'One JSON document on stdout instead of the human result (progress, logs and error messages stay on stderr).' };
export const QUIET_FLAG: FlagSpec = { name: 'quiet', type: 'boolean', description: 'No progress output.' };
/** Structured logs (pino JSON lines on stderr; secrets redacted). */
export const LOG_LEVEL_FLAG: FlagSpec = { name: 'log-level', type: 'string', value: 'level', choices: LOG_LEVELS, description: 'pino log level for JSON logs on stderr (serve: default info, warn with --quiet; migrate and verify: default silent; debug logs every target call, secrets redacted).' };
export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', type: 'boolean', description: 'Show help for this command.' };

const FROM_FLAG: FlagSpec = { name: 'from', type: 'string', value: 'vendor', required: true, choices: SOURCE_VENDORS, description: 'The provider the export comes from.' };
const FILE_FLAG: FlagSpec = { name: 'file', type: 'string', value: 'path', description: "The export file (Clerk CSV, Auth0 NDJSON, Firebase JSON, Cognito ListUsers JSON)." };
const PASSWORDS_FLAG: FlagSpec = { name: 'passwords', type: 'string', value: 'path', description: "Auth0 only: the password-hash NDJSON that Auth0 support provides, joined to the users by id." };
const HASH_CONFIG_FLAG: FlagSpec = { name: 'hash-config', type: 'string', value: 'path', description: "Firebase only: the project's password hash parameters (JSON with base64_signer_key, base64_salt_separator, rounds, mem_cost)." };
const API_DUMP_FLAG: FlagSpec = { name: 'api-dump', type: 'string', value: 'path', description: "JSON saved from the vendor's API ({users, organizations, memberships}), joined to the file export by user id: social links, metadata, organizations and roles that file exports lack." };
const API_FLAG: FlagSpec = { name: 'api', type: 'boolean', description: "Read from the vendor's API instead of a file (credentials from the environment: CLERK_SECRET_KEY, AUTH0_DOMAIN/AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET, COGNITO_USER_POOL_ID + AWS credentials)." };
const SOURCE_URL_FLAG: FlagSpec = { name: 'source-url', type: 'string', value: 'url', description: "Override the source vendor's API base URL (a local simulator, a proxy)." };

/** The flags that say where users come from; shared by assess, migrate and verify. */
export const SOURCE_FLAGS: FlagSpec[] = [FROM_FLAG, FILE_FLAG, PASSWORDS_FLAG, HASH_CONFIG_FLAG, API_DUMP_FLAG, API_FLAG, SOURCE_URL_FLAG];

/** The flags that say where users go; shared by migrate, verify (and serve). */
export const TARGET_FLAGS: FlagSpec[] = [
  { name: 'to', type: 'string', value: 'target', required: true, choices: TARGET_CAPABILITIES.map((c) => c.name), description: 'The provider to move users into.' },
  { name: 'target-url', type: 'string', value: 'url', description: "Override the target's base URL (WorkOS: default WORKOS_API_URL or https://api.workos.com; credentials come from the environment, e.g. WORKOS_API_KEY)." },
  { name: 'db', type: 'string', value: 'path|url', description: 'For database-backed targets (Better Auth): a SQLite path or postgres:// URL.' },
  { name: 'realm', type: 'string', value: 'name', description: 'Keycloak only: the realm to import into.' },
  { name: 'schema-id', type: 'string', value: 'id', description: "Ory Kratos only: the identity schema to create identities with (default: the server's `default` schema; KRATOS_ADMIN_URL, KRATOS_PUBLIC_URL, ORY_API_KEY and KETO_WRITE_URL / KETO_READ_URL come from the environment)." },
];
const STATE_FLAG: FlagSpec = { name: 'state', type: 'string', value: 'path|url', description: 'The ledger: a SQLite file (default .flagless/state.db; one migrate process at a time) or postgres://user@host/db[?schema=name] (several workers share one run and its rate limit).' };
/** Shared by migrate, verify and serve. */
export const DECISIONS_FLAG: FlagSpec = {
  name: 'decisions',
  type: 'string',
  value: 'path',
  description:
    'The duplicate-account decisions (a CSV from `assess --decisions-out`, edited): per duplicate-email group, the account to keep moves with the address; each other one is skip (not moved, listed) or link (its social links and memberships go to the kept account where the target stores them). A decided group is done, not quarantined. Checked against the export first: a file that no longer matches (an id not in any group, a group with two keepers, a new account with a decided address) is refused before anything is written (exit 2).',
};
const MISSING_PASSWORD_FLAG: FlagSpec = { name: 'missing-password', type: 'string', value: 'mode', choices: ['jit', 'reset'], default: 'jit', description: 'Users without a hash the target accepts: jit = moved at their next sign-in through `flagless serve`; reset = the target asks them to set a new password.' };

const MAX_HASH_COST_FLAG: FlagSpec = {
  name: 'max-hash-cost',
  type: 'string',
  value: 'name=n,...',
  description:
    'Cost ceilings for imported password hashes, over the defaults bcrypt=14,argon2-m=262144,argon2=1048576,pbkdf2=2000000,scrypt=256 (bcrypt cost; argon2 memory in KiB; argon2 memory×passes in KiB; PBKDF2 iterations; scrypt 128·N·r·p in MiB). A hash above its ceiling is E_HASH_COST: never verified nor imported, the user resets.',
};

const SYNC_FLAG: FlagSpec = {
  name: 'sync',
  type: 'boolean',
  description:
    "Keep the target true to the legacy provider while both run: POST /v1/sync/<from> receives its change webhooks (Clerk through Svix, CLERK_WEBHOOK_SECRET; Auth0 event streams and log streams, AUTH0_WEBHOOK_TOKEN), stores each event durably before answering 2xx and applies it exactly once, newest state wins: profile, email, metadata and membership changes are updated at the target, new users created without a password (they move at their first login), deleted users deleted (see --on-delete), organizations created, renamed and deleted (with their memberships) where the target can, a password changed at the legacy provider (Auth0's password-change log event; a newer password_last_updated_at on a Clerk user than when the target got the password) puts the user back on legacy until the next login moves the new one. The vendor's API credentials (CLERK_SECRET_KEY, AUTH0_DOMAIN/AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET) let it re-read a user when an event is partial or out of order.",
};
const ON_DELETE_FLAG: FlagSpec = { name: 'on-delete', type: 'string', value: 'action', choices: ['delete', 'disable'], description: 'A user deleted at the legacy provider: delete (default) or disable the account at the target (a target that can disable users).' };
const RECONCILE_EVERY_FLAG: FlagSpec = { name: 'reconcile-every', type: 'string', value: 'duration', description: 'With --sync: also list the source through its API this often (e.g. 15m, 1h, 90s) and apply what differs, for changes whose webhook never arrived and for sources without webhooks (Cognito, Firebase).' };

export const COMMANDS: CommandSpec[] = [
  {
    name: 'assess',
    summary: 'Report what is in an export and what will survive the move to each target.',
    description:
      'Streams the export and reports users, password hash algorithms, MFA, social-only users, disabled users, users without email, duplicate-email groups, organizations, memberships and every problem with its file and line. For each target flagless knows it says what imports natively, what needs a just-in-time move or a reset, and what is lost. Memory does not grow with the export (except for --passwords, whose records the join holds): duplicate emails and repeated ids are found from digests kept in scratch files (unlinked at once). A plain Auth0 NDJSON export is read in parts on several threads (--threads). Writes nothing anywhere except the optional HTML report and decisions file. Exit code 1 when problems were found.',
    flags: [
      ...SOURCE_FLAGS,
      { name: 'html', type: 'string', value: 'path', description: 'Also write a self-contained HTML report to this path.' },
      MAX_HASH_COST_FLAG,
      { name: 'app', type: 'string', value: 'dir', description: "Also inventory the application's code in this folder (as `flagless inventory` does) and add it to the report (a section of the HTML report; `application` in --json)." },
      { name: 'sso-inventory', type: 'string', value: 'path', description: 'An SSO inventory (`flagless sso inventory --json`) to add to the report: the enterprise connections, their certificates\' expiry and the recommended cutover path (a section of the HTML report; `sso` in --json).' },
      {
        name: 'decisions-out',
        type: 'string',
        value: 'path',
        description:
          'Write every duplicate-email group as a CSV to edit (email, source_id, decision, reason, verified, last_sign_in_at, created_at, line), one row per account, decision prefilled by the default policy: keep the account whose address is verified, then the most recent sign-in, then the oldest; the others skip. Then pass it to migrate, verify and serve with --decisions.',
      },
      {
        name: 'threads',
        type: 'string',
        value: 'N',
        description: 'Threads reading a plain NDJSON export (Auth0) at once, each its own part of the file (default: the cores, at most 4; 1 = the whole file in one read).',
      },
    ],
    examples: [
      'flagless assess --from clerk --file users.csv',
      'flagless assess --from auth0 --file users.ndjson --passwords passwords.ndjson --json',
      'flagless assess --from firebase --file users.json --hash-config hash-config.json --html report.html',
      'flagless assess --from clerk --file users.csv --app ./web --html report.html',
    ],
    load: () => import('./run-assess.js'),
  },
  {
    name: 'inventory',
    summary: "List where an application uses the legacy provider's SDK: packages, imports, hooks, components, server helpers, middleware, webhooks, env vars.",
    description:
      "Parses every .ts, .tsx, .mts, .cts, .js, .jsx, .mjs and .cjs file of the application with the TypeScript compiler's parser (no text search), honouring .gitignore (git's own rules inside a git work tree) and never entering node_modules, and lists the footprint of Clerk, Auth0, Firebase Auth and Cognito: SDK packages and versions from every package.json, each import and require of their packages, each use of a hook, component, server helper, middleware or webhook handler with file and line, and the environment variable names the code reads and .env.example-like files declare (names only: .env files are never opened). Ends with counts and a rough effort estimate. Reads only; writes nothing. Exit 0 when the folder was read.",
    positionals: [{ name: 'app-dir', description: "The application's root folder.", required: true }],
    flags: [{ name: 'from', type: 'string', value: 'vendor', choices: SOURCE_VENDORS, description: 'Look for this provider only (default: all of them).' }],
    examples: ['flagless inventory ./web', 'flagless inventory ./web --from clerk --json > inventory.json'],
    load: () => import('./run-inventory.js'),
  },
  {
    name: 'codemod',
    summary: "Rewrite an application's use of the legacy provider's SDK to the target's: components, hooks, server helpers, middleware, imports, package.json, .env.example.",
    description:
      "Parses the application (as `flagless inventory` does) and rewrites with ts-morph what has a documented equivalent at the target: the provider component, control components (SignedIn, SignedOut, sign-in/out buttons, written into a small file of the app on the target's hooks), hooks and server helpers with their destructured results (`const { isLoaded, user } = useUser()` becomes the target's hook and fields), the middleware, imports, the package.json dependencies and the variable names in .env.example files (placeholders only; .env files are never opened). It writes the target's own routes (WorkOS: the callback, login and sign-up routes; Better Auth: the auth handler and client; Keycloak: a keycloak-js provider with PKCE and server-side JWT verification against the realm's keys). What has no mechanical equivalent gets a `TODO(flagless)` comment at the spot with the target's documentation link, and is listed. Every rewritten file must parse or it is left as it was. A second run changes nothing. Refuses to run on a folder with uncommitted changes, or outside git, unless --force. Exit 0 when nothing is left to do by hand, 1 when TODOs or unparsable rewrites remain, 2 when refused.",
    positionals: [{ name: 'app-dir', description: "The application's root folder (where its package.json is).", required: true }],
    flags: [
      { name: 'from', type: 'string', value: 'vendor', required: true, choices: ['clerk'], description: 'The provider the application uses now.' },
      { name: 'to', type: 'string', value: 'target', required: true, choices: ['workos', 'better-auth', 'keycloak'], description: 'The provider to rewrite it for.' },
      { name: 'dry-run', type: 'boolean', description: 'Print the unified diff of every change and write nothing (values in .env.example files are masked).' },
      { name: 'force', type: 'boolean', description: 'Run even with uncommitted changes or outside a git work tree.' },
    ],
    examples: ['flagless codemod --from clerk --to workos ./web --dry-run', 'flagless codemod --from clerk --to keycloak ./spa --json'],
    load: () => import('./run-codemod.js'),
  },
  {
    name: 'doctor',
    summary: "Check the target's configuration before a migration, and print the fix for each failure.",
    description:
      "WorkOS: WORKOS_API_KEY present, sk_ prefix and accepted by the API, WORKOS_CLIENT_ID (client_), the redirect URI (NEXT_PUBLIC_WORKOS_REDIRECT_URI or WORKOS_REDIRECT_URI) valid, WORKOS_COOKIE_PASSWORD at least 32 characters, the roles the export uses (--roles; WorkOS does not list roles through its API, so this is a warning to check by hand). Keycloak: reachable, admin credentials work, the realm exists, the user profile keeps unmanaged attributes, email settings present when resets will be sent (--resets), brute-force detection on, flagless's hash extension deployed when bcrypt or Firebase scrypt hashes will be imported (--hashes). Better Auth (--db): Better Auth's tables and the flagless plugin's columns are there. Ory Kratos: the admin API answers (KRATOS_ADMIN_URL, ORY_API_KEY or KRATOS_ADMIN_TOKEN), the identity schema (KRATOS_SCHEMA_ID, default `default`) has an email trait, and recovery by email when resets will be sent. With --social-legacy, compares the legacy provider's social connections with the target's (Keycloak: its identity providers; others: --social-target) and warns when one is missing or has another client id (users would not be linked to their accounts). Values of secrets are never printed. Exit 0 only when everything is in place, 1 otherwise.",
    flags: [
      { name: 'to', type: 'string', value: 'target', required: true, choices: TARGET_CAPABILITIES.map((c) => c.name), description: 'The target to check.' },
      { name: 'target-url', type: 'string', value: 'url', description: "The target's base URL (WorkOS API, Keycloak, Kratos admin API); default WORKOS_API_URL / KEYCLOAK_URL / KRATOS_ADMIN_URL." },
      { name: 'db', type: 'string', value: 'path|url', description: "Better Auth: the application's database (SQLite file or postgres:// URL)." },
      { name: 'realm', type: 'string', value: 'name', description: 'Keycloak: the realm users will go to.' },
      { name: 'resets', type: 'boolean', description: 'Password-reset emails will be sent (users without a usable hash): check email settings.' },
      { name: 'hashes', type: 'string', value: 'list', description: 'Hash algorithms the export holds, comma-separated (as `flagless assess` names them: bcrypt, firebase-scrypt, argon2id, ...).' },
      { name: 'roles', type: 'string', value: 'list', description: "Role slugs the export's memberships use, comma-separated." },
      { name: 'social-legacy', type: 'string', value: 'path', description: "The legacy provider's social connections: Auth0's GET /api/v2/connections JSON, or [{\"provider\", \"clientId\"}]." },
      { name: 'social-target', type: 'string', value: 'path', description: "The target's social connections as [{\"provider\", \"clientId\"}] (Keycloak's are read from its identity providers)." },
    ],
    examples: [
      'flagless doctor --to workos --roles admin,member',
      'flagless doctor --to keycloak --realm app --hashes bcrypt --resets --social-legacy auth0-connections.json --json',
      'flagless doctor --to better-auth --db ./auth.db',
    ],
    load: () => import('./run-doctor.js'),
  },
  {
    name: 'setup',
    summary: "Create the target's application clients: for Keycloak a PKCE frontend client, a confidential backend client, and mappers for the legacy tokens' claims.",
    description:
      "Keycloak: in an existing realm, creates or updates (idempotently) a public frontend client (authorization code with PKCE S256 only; --redirect-uri, --web-origin), a confidential backend client (client credentials only; its secret stays in Keycloak: admin console → Clients → Credentials), and a client scope `flagless-legacy-claims`, default on both, holding one protocol mapper per claim the legacy tokens carried (--claims-from: a Clerk JWT template as JSON, or a sample legacy token): email, names, username, realm roles, groups (organizations) and user attributes (metadata flagless migrated as `metadata.<key>`), under the same claim names and JSON types. Exit 1 when some template claims could not be mapped.",
    positionals: [{ name: 'target', description: 'The target to set up.', required: true, choices: ['keycloak'] }],
    flags: [
      { name: 'realm', type: 'string', value: 'name', required: true, description: 'The realm (it must exist).' },
      { name: 'redirect-uri', type: 'string', value: 'uri', multiple: true, description: "The frontend's redirect URIs (repeat or comma-separate), e.g. http://localhost:3000/*." },
      { name: 'web-origin', type: 'string', value: 'origin', multiple: true, description: "The frontend's web origins for CORS (default + = the redirect URIs' origins)." },
      { name: 'frontend-client', type: 'string', value: 'id', default: 'app-frontend', description: 'The public frontend client id.' },
      { name: 'backend-client', type: 'string', value: 'id', default: 'app-backend', description: 'The confidential backend client id.' },
      { name: 'claims-from', type: 'string', value: 'path', description: 'A Clerk JWT template (JSON) or a sample legacy token (JWT) whose claims Keycloak tokens must carry.' },
      { name: 'target-url', type: 'string', value: 'url', description: 'Keycloak base URL (default KEYCLOAK_URL; admin from KEYCLOAK_ADMIN_USERNAME / KEYCLOAK_ADMIN_PASSWORD).' },
    ],
    examples: ['flagless setup keycloak --realm app --redirect-uri "http://localhost:3000/*" --claims-from clerk-jwt-template.json'],
    load: () => import('./run-setup-keycloak.js'),
  },
  {
    name: 'tokens',
    summary: "Compare a legacy token's claims with the tokens the target issues for the same user.",
    description:
      "Signs the user in at Keycloak (password on stdin; through the public client `flagless-verify`, which allows the password grant and carries the legacy-claims scope, unless --client names another) and reports each claim of the legacy token that is missing, renamed (same value under another name) or of another JSON type in Keycloak's access and ID tokens. Registered and session claims (iss, sub, exp, sid, ...) are not compared. Exit 0 when the backend would see the same claims, 1 otherwise.",
    positionals: [
      { name: 'action', description: 'What to do.', required: true, choices: ['compare'] },
      { name: 'legacy-token', description: 'A file holding a token the legacy provider issued (a JWT).', required: true },
    ],
    flags: [
      { name: 'to', type: 'string', value: 'target', required: true, choices: ['keycloak'], description: 'The target to sign in at.' },
      { name: 'realm', type: 'string', value: 'name', required: true, description: 'The realm.' },
      { name: 'user', type: 'string', value: 'identifier', required: true, description: 'The username or email to sign in as.' },
      { name: 'password-stdin', type: 'boolean', description: 'Read the password from stdin (required: never on the command line).' },
      { name: 'client', type: 'string', value: 'id', description: 'A client that allows the password grant (default: flagless-verify, created when missing).' },
      { name: 'target-url', type: 'string', value: 'url', description: 'Keycloak base URL (default KEYCLOAK_URL).' },
    ],
    examples: ['printf %s "$PASSWORD" | flagless tokens compare legacy.jwt --to keycloak --realm app --user ada@example.com --password-stdin'],
    load: () => import('./run-tokens.js'),
  },
  {
    name: 'generate',
    summary: "Write a realistic export in a vendor's exact format, with known plaintext passwords.",
    description:
      'For tests, demos and benchmarks. Hashes are real (a pool of precomputed hashes is reused, so a million users takes seconds). Unless --clean is given, the export contains the traps real exports have: duplicate emails differing in case, unknown hashers, social-only and phone-only users, orphan password records.',
    positionals: [{ name: 'vendor', description: 'Which export format to write.', required: true, choices: SOURCE_VENDORS }],
    flags: [
      { name: 'users', type: 'string', value: 'N', required: true, description: 'How many users.' },
      { name: 'out', type: 'string', value: 'path', required: true, description: 'The export file to write (side files go next to it).' },
      { name: 'seed', type: 'string', value: 'S', default: '1', description: 'Seed for reproducible output.' },
      { name: 'plaintexts', type: 'string', value: 'path', description: 'Write `identifier,password` for every user with a password (the format `verify --logins` reads; Clerk adds `totp_secret` for users with a TOTP factor).' },
      { name: 'clean', type: 'boolean', description: 'Leave out the deliberate traps.' },
    ],
    examples: ['flagless generate clerk --users 1000 --out users.csv --plaintexts logins.csv'],
    load: () => import('./run-generate.js'),
  },
  {
    name: 'export',
    summary: "Save a vendor's API (users, organizations, memberships) to the JSON dump --api-dump reads.",
    description:
      "Reads the vendor's Backend/Management API through its official SDK, page by page at the page size's maximum, waiting out 429s (Retry-After), and writes every record in the vendor's own API shape to <out>.partial, renamed to <out> when complete. After each page a checkpoint (<out>.partial.json: the list and page reached, the counts) is saved, so running the same command again after a stop (Ctrl-C, a crash, kill -9) continues from there, and each user is in the dump once. Credentials come from the environment (CLERK_SECRET_KEY; AUTH0_DOMAIN with AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET or AUTH0_MGMT_TOKEN; COGNITO_USER_POOL_ID with AWS_REGION and AWS credentials) and never appear in any output. Progress on stderr; the summary (counts, path) on stdout, one JSON document with --json. Exit 0 when the dump is complete, 2 on bad usage or refused credentials (nothing written), 3 when the run stopped part-way (run it again to continue), 130/143 after SIGINT/SIGTERM (likewise).",
    flags: [
      { name: 'from', type: 'string', value: 'vendor', required: true, choices: ['clerk', 'auth0', 'cognito'], description: 'The provider whose API to save.' },
      { name: 'api', type: 'boolean', description: "Read the vendor's API (required: the only kind of export this command makes)." },
      { name: 'out', type: 'string', value: 'path', required: true, description: 'The dump to write (JSON {organizations, memberships, users}; Cognito: {groups, memberships, users}).' },
      SOURCE_URL_FLAG,
      { name: 'page-size', type: 'string', value: 'N', description: "Records per request for Clerk and Cognito (default: the API's maximum, 500 and 60); Auth0 pages users 100 at a time." },
    ],
    examples: ['CLERK_SECRET_KEY=sk_live_... flagless export --from clerk --api --out clerk-dump.json', 'flagless migrate --from clerk --file users.csv --api-dump clerk-dump.json --to workos'],
    load: () => import('./run-export.js'),
  },
  {
    name: 'migrate',
    summary: 'Move users, organizations and memberships into a target: resumable, rate-limited, exactly once.',
    description:
      'Plans every record from the target\'s capabilities (what is created, skipped or lossy, and why), then applies: organizations, users, memberships. Every write is recorded in the ledger before it is sent and confirmed after the target acknowledged it, so a run killed at any moment resumes without creating anything twice, and a finished migration run again sends nothing. One token bucket shared by every request paces the writes at the target\'s documented limit (or --rate), and lookups at its read limit where it documents one, honouring Retry-After and slowing down on bursts of 429s; 5xx and dropped connections are retried with jittered back-off after a lookup; records the target rejects are quarantined with a reason (--retry-failed runs only them). An account that already exists in the target is linked, skipped or quarantined per --on-conflict, and its memberships are repaired. Progress on stderr; --json prints the summary (counts per entity and outcome, and `writes`). Exit 0 when every record is done or decided, 1 with quarantined, undecided or pending records, 2 when refused before anything was sent (bad usage, unreadable input, a decisions file that no longer matches the export, credentials or configuration found wrong at start), 3 on a fatal stop mid-run (credentials revoked, target gone after retries), 130/143 after SIGINT/SIGTERM (run the same command again to continue).',
    flags: [
      ...SOURCE_FLAGS,
      ...TARGET_FLAGS,
      { name: 'dry-run', type: 'boolean', description: 'Print the plan (per entity: create, update, skip, lossy, and why) and stop: no target call, no state file created.' },
      STATE_FLAG,
      { name: 'concurrency', type: 'string', value: 'N', default: '8', description: 'Most requests in flight at once.' },
      { name: 'rate', type: 'string', value: 'R', description: "Write requests per second (default: the target's documented limit, e.g. 50 for WorkOS)." },
      { name: 'on-conflict', type: 'string', value: 'mode', choices: ['link', 'skip', 'fail'], default: 'link', description: 'When an account with the same email already exists in the target: link it (update it from the source and repair its memberships), skip it, or quarantine the record.' },
      { name: 'retry-failed', type: 'boolean', description: 'Also run the records quarantined by earlier runs, with whatever else the export brings (a newer export: new, changed and repaired users).' },
      DECISIONS_FLAG,
      LOG_LEVEL_FLAG,
      MISSING_PASSWORD_FLAG,
      MAX_HASH_COST_FLAG,
    ],
    examples: [
      'flagless migrate --from clerk --file users.csv --to workos --dry-run',
      'WORKOS_API_KEY=sk_... flagless migrate --from clerk --file users.csv --api-dump clerk-api.json --to workos --json',
      'flagless migrate --from auth0 --file users.ndjson --passwords pw.ndjson --to workos --state postgres://localhost/flagless --concurrency 16',
      'flagless migrate --from clerk --file users.csv --to workos --retry-failed',
    ],
    load: () => import('./run-migrate.js'),
  },
  {
    name: 'verify',
    summary: "Reconcile the source with the target through the target's API, and sign in as users.",
    description:
      "Reads every user of the target through its own API (not the ledger) and compares with the source, record by record, as the plan says they should look: missing users, extra users, duplicates, field mismatches (email, verified flag, names, external id, metadata), missing organizations, memberships and roles, and social links where the target stores them. With --logins (a CSV with the header identifier,password) it signs in as each user through the target's real login API and reports the success rate and each failure's reason, never the password. Exit 0 when nothing is missing or wrong and every login works, 1 otherwise, 2 on bad usage or unreadable input, 3 when the target fails after retries.",
    flags: [
      ...SOURCE_FLAGS,
      ...TARGET_FLAGS,
      { name: 'logins', type: 'string', value: 'path', description: 'CSV with header identifier,password and an optional totp_secret column (e.g. from `flagless generate --plaintexts`): sign in as each, answering a TOTP challenge with the current code.' },
      LOG_LEVEL_FLAG,
      { name: 'concurrency', type: 'string', value: 'N', default: '4', description: 'Most requests in flight at once.' },
      { name: 'rate', type: 'string', value: 'R', description: "Requests per second (default: the target's documented limit)." },
      MISSING_PASSWORD_FLAG,
      MAX_HASH_COST_FLAG,
      DECISIONS_FLAG,
    ],
    examples: ['flagless verify --from clerk --file users.csv --to workos --logins logins.csv --json'],
    load: () => import('./run-verify.js'),
  },
  {
    name: 'ids',
    summary: 'Export the id map (source id → target id for users and organizations) from the ledger.',
    description:
      "What the application needs to rewrite its own foreign keys after a migration. Reads the ledger only (the file or database `migrate` wrote), changes nothing. Columns: kind, source_id, target_id, target, run_id, status (present; or deleted / disabled when sync applied a deletion at the legacy provider since, for users and organizations alike; users and organizations sync created, moved by no run, follow with run_id `sync`).",
    positionals: [{ name: 'action', description: 'What to do with the id map.', required: true, choices: ['export'] }],
    flags: [
      { name: 'format', type: 'string', value: 'fmt', choices: ['csv', 'json'], description: 'Output format (default csv; json with --json).' },
      STATE_FLAG,
      { name: 'run', type: 'string', value: 'id', description: 'Only this run (the `runId` migrate prints); default every run in the ledger.' },
    ],
    examples: ['flagless ids export --format csv > ids.csv', 'flagless ids export --format json --state postgres://localhost/flagless'],
    load: () => import('./run-ids.js'),
  },
  {
    name: 'finish',
    summary: "Send the target's own password reset to users who never moved their password, once; list who must re-enrol SMS factors.",
    description:
      "For users still without a usable password at the target (moved by `migrate` without a hash it accepts and never signed in through the gateway since, or flagged back to legacy because their password changed there): the target's own password-reset / set-password message, once per user. WorkOS: its password reset email (POST /user_management/password_reset); Keycloak: its update-password email (execute-actions-email, needs the realm's SMTP settings); Better Auth: requestPasswordReset with the application's own sendResetPassword (BETTER_AUTH_RESET_SENDER=module exporting it). Each message is recorded in the state before the target is asked and after it answered, so a re-run or a run after kill -9 never mails anyone twice; one a crash left unconfirmed is listed and re-sent only with --resend-unconfirmed. A user who set a password since, or is disabled at the target, is skipped with the reason. Users whose SMS second factor the target does not carry are listed (--sms-csv) with the notice to send them before the cutover (--notice-out). No reset link or token reaches a log or the report. Exit 0 when every user who needed a reset has one or was skipped with a reason, 1 with failed or unconfirmed ones, 2 when refused before sending anything, 3 on a fatal stop mid-run (run it again to continue).",
    flags: [
      ...TARGET_FLAGS,
      STATE_FLAG,
      { name: 'dry-run', type: 'boolean', description: 'List who would be sent what from the state alone: no target call, nothing sent or recorded.' },
      { name: 'rate', type: 'string', value: 'R', description: "Messages per second (default: the target's documented write rate, at most 10)." },
      { name: 'report', type: 'string', value: 'path', description: 'Write who was sent what as CSV (source_id, target_id, email, reason, result, via, at, detail; never a link).' },
      { name: 'resend-unconfirmed', type: 'boolean', description: 'Also send to users a stopped run left unconfirmed (check the target\'s email log first: they may have it already).' },
      { name: 'links-out', type: 'string', value: 'path', description: 'Also write each reset link the target returns to this file (created 0600, with a warning): for teams that deliver the links themselves. The links are credentials.' },
      { name: 'sms-csv', type: 'string', value: 'path', description: 'Write the users whose SMS second factor the target does not carry (they must re-enrol) as CSV.' },
      { name: 'notice-out', type: 'string', value: 'prefix', description: 'Write the re-enrolment notice for SMS users as <prefix>.txt and <prefix>.html, to send before the cutover.' },
      { name: 'cutover', type: 'string', value: 'date', description: 'The cutover date the notice names (default: a [DATE] placeholder).' },
      { name: 'product', type: 'string', value: 'name', description: "The product's name in the notice." },
    ],
    examples: [
      'flagless finish --to workos --dry-run',
      'WORKOS_API_KEY=sk_... flagless finish --to workos --rate 5 --report finish.csv --sms-csv sms.csv --notice-out sms-notice --cutover 2027-01-15',
      'BETTER_AUTH_RESET_SENDER=./src/auth/send-reset.mjs flagless finish --to better-auth --db app.db --json',
    ],
    load: () => import('./run-finish.js'),
  },
  {
    name: 'status',
    summary: 'Go/no-go for switching the legacy provider off, with the reasons.',
    description:
      "Reads the state (the ledger, the gateway's flags, finish's resets) and says \"safe to switch off\" only when nothing is left: users still only on legacy by reason (moved without a usable hash and never signed in, flagged back to legacy, quarantined, undecided duplicates, not yet written, without an email), password resets unconfirmed or refused, moves in flight at the gateway, the last sign-in checked at the legacy provider, sync lag and failures, webhooks silent longer than expected, and SSO connections not yet cut over. A check whose data cannot be read is unknown, and unknown is never safe. Writes no data. Exit 0 only when safe, 1 with the reasons, 2 when the state is missing or unusable.",
    flags: [
      STATE_FLAG,
      { name: 'expect-webhooks-every', type: 'string', value: 'duration', description: 'Webhooks are expected at least this often (e.g. 15m, 6h): a longer silence is a reason.' },
      { name: 'sso-config', type: 'string', value: 'path', description: "The SSO cutover proxy's configuration (as `serve --sso-config`): its connections never flipped to the target count as not cut over." },
    ],
    examples: ['flagless status', 'flagless status --state postgres://localhost/flagless --expect-webhooks-every 6h --json'],
    load: () => import('./run-status.js'),
  },
  {
    name: 'demo',
    summary: 'See the whole product work in one command, on embedded defaults.',
    description:
      'Generates a small Clerk export with known passwords (bcrypt and argon2 hashes, TOTP, social-only users, organizations) in ./flagless-demo/, assesses it, migrates it into Better Auth on an embedded SQLite file (twice, to show the re-run writes nothing), verifies every user through Better Auth and signs in as sample users with their original passwords, then prints what moved, what is lossy and why, the sign-in success rate and the next commands to try. Needs nothing beyond `npm ci`; can be run again and again. `demo sso` shows the SSO cutover proxy instead: a real Keycloak realm as the customers\' IdP (two SAML connections, one OIDC), strict simulators of the legacy (Auth0) and target (WorkOS) service-provider sides that validate every signed response, the gateway with the proxy on the legacy callback URLs, and headless chromium signing in through it in a loop per connection (SP-initiated and IdP-initiated SAML, OIDC) while one connection is flipped to the target and back; it prints, per connection, logins before, during and after the flip, failures and the rollback, and stops everything it started. It needs chromium (--chromium) and a Keycloak: KEYCLOAK_URL, or the one `npm run keycloak:prepare` puts in ~/.cache/flagless (exit 2, with the way out, when either is missing).',
    positionals: [{ name: 'scenario', description: 'Which demo: none = the user migration; sso = the SSO cutover proxy.', required: false, choices: ['sso'] }],
    flags: [
      { name: 'dir', type: 'string', value: 'path', default: 'flagless-demo', description: 'Where the demo writes its files.' },
      { name: 'users', type: 'string', value: 'N', default: '300', description: 'How many users the generated export has.' },
      { name: 'chromium', type: 'string', value: 'path', default: '/usr/bin/chromium', description: 'demo sso: the chromium executable to sign in with (driven headless by playwright-core).' },
      { name: 'logins', type: 'string', value: 'N', default: '4', description: 'demo sso: logins per connection before, during and after the flip (1-50).' },
    ],
    examples: ['flagless demo', 'flagless demo sso', 'KEYCLOAK_URL=http://127.0.0.1:8080 flagless demo sso --json'],
    load: () => import('./run-demo.js'),
  },
  {
    name: 'sim',
    summary: "Run a strict local simulator of a target's API (WorkOS, Ory Kratos), for tests, demos and benchmarks.",
    description:
      "Serves the WorkOS User Management endpoints flagless uses (users, organizations, memberships, password sign-in that verifies every imported hash type for real, Admin Portal links) on 127.0.0.1, with WorkOS's documented validation, error bodies, pagination and rate limits (429 + Retry-After), plus injectable faults. State is in memory. Prints the WORKOS_API_URL / WORKOS_API_KEY / WORKOS_CLIENT_ID lines to export; runs until Ctrl-C. Counters at <url>/_sim/stats. `sim kratos` serves Ory Kratos's admin API (batch PATCH /admin/identities with its limits, per-item answers and whole-request 400 on a credential Kratos cannot parse, external_id lookups, keyset pagination, JSON Patch and delete of one identity), the identity schema's trait validation, the native login flow verifying every imported hash format for real and calling the password-migration hook (--migration-hook), and Keto's relationship API, on one port; it prints the KRATOS_ADMIN_URL / KRATOS_PUBLIC_URL / KETO_WRITE_URL / KETO_READ_URL lines.",
    positionals: [{ name: 'target', description: 'Which API to simulate.', required: true, choices: ['workos', 'kratos'] }],
    flags: [
      { name: 'port', type: 'string', value: 'P', default: '0', description: 'Port on 127.0.0.1 (0 = any free port).' },
      { name: 'rate-limit', type: 'string', value: 'R', description: 'Accepted write requests per second (default 50 = the documented 500 per 10 s; 0 = unlimited).' },
      { name: 'burst', type: 'string', value: 'N', description: 'Largest burst of writes (default: 10 seconds of --rate-limit, the documented window).' },
      { name: 'read-rate-limit', type: 'string', value: 'R', description: 'Read requests per second (default 100 = the documented 1,000 per 10 s; 0 = unlimited).' },
      { name: 'faults', type: 'string', value: 'spec', description: 'Injected faults, e.g. 5xx=0.1,timeout=0.02,reset=0.02,reset-after-commit=0.01,latency=20ms (kinds: 5xx, timeout, reset, each also -after-commit).' },
      { name: 'seed', type: 'string', value: 'S', description: 'Seed for fault and latency draws.' },
      { name: 'api-key', type: 'string', value: 'K', description: 'The API key the simulator accepts (default sk_test_flagless_simulator).' },
      { name: 'client-id', type: 'string', value: 'C', description: 'The client id password sign-in accepts (default client_flagless_simulator).' },
      { name: 'roles', type: 'string', value: 'slugs', description: 'Comma-separated role slugs that exist (default: any well-formed slug).' },
      { name: 'require-email-verification', type: 'boolean', description: 'Refuse password sign-in for unverified emails (email_verification_required).' },
      { name: 'migration-hook', type: 'string', value: 'url', description: "Kratos only: the password-migration hook to call for identities imported with use_password_migration_hook (e.g. flagless serve's <gateway>/v1/lazy/kratos/password-migration)." },
      { name: 'migration-hook-token', type: 'string', value: 'T', description: 'Kratos only: the bearer token sent to the migration hook (the gateway\'s --token).' },
      { name: 'ory-network', type: 'boolean', description: "Kratos only: behave as an Ory Network project: the admin APIs need --api-key as a bearer token, and identity writes are limited to the Production plan's 15 per second, 400 per minute (429 + x-ratelimit-reset)." },
    ],
    examples: ['flagless sim workos --port 4100', 'flagless sim workos --rate-limit 50 --faults 5xx=0.1,reset-after-commit=0.02 --json', 'flagless sim kratos --port 4433 --migration-hook http://127.0.0.1:8080/v1/lazy/kratos/password-migration --migration-hook-token "$GATEWAY_TOKEN"'],
    load: () => import('./run-sim.js'),
  },
  {
    name: 'sync',
    summary: 'Apply the changes made at the legacy provider since the move began, from a listing of its API (or a fresh export).',
    description:
      "`sync reconcile` lists the source through its API (as `migrate --api`), or reads a fresh export (--file, for Firebase, which has no API reader here: `firebase auth:export`), compares each user's last change with what sync last applied, and applies the differences through the same inbox and worker as the gateway's webhooks, exactly once and newest state wins: changed and new users are written to the target (new ones without a password), users the target holds that the source no longer has are deleted (or disabled with --on-delete disable); organizations missing at the target are created and renamed ones renamed, and organizations the source no longer has are reported (deleted only with --delete-missing-orgs); a listing that fails part-way deletes nothing. For Cognito and Firebase, which send no change webhooks, and for Clerk and Auth0 deliveries that never arrived. Exit 0 when every event was applied, 1 when some are quarantined or still waiting for a retry.",
    positionals: [{ name: 'action', description: 'What to do.', required: true, choices: ['reconcile'] }],
    flags: [
      ...SOURCE_FLAGS,
      ...TARGET_FLAGS,
      STATE_FLAG,
      ON_DELETE_FLAG,
      {
        name: 'delete-missing-orgs',
        type: 'boolean',
        description:
          'Delete at the target (with their memberships) the organizations the listing no longer has. Without it they are only reported (organizationsMissing, missingOrganizationIds): an organization is deleted by default only when its own deletion event arrives. A listing without organizations reports none.',
      },
      JSON_FLAG,
      QUIET_FLAG,
    ],
    examples: [
      'flagless sync reconcile --from clerk --api --to better-auth --db auth.db',
      'flagless sync reconcile --from clerk --api --to workos --delete-missing-orgs --json',
      'flagless sync reconcile --from cognito --api --to keycloak --realm app --on-delete disable --json',
      'flagless sync reconcile --from firebase --file users-today.json --hash-config hash.json --to workos',
    ],
    load: () => import('./run-sync.js'),
  },
  {
    name: 'serve',
    summary: 'Run the gateway: route each login by the user\'s migration flag and move users at their first successful login.',
    description:
      'An HTTP service the application calls instead of its provider for password sign-in: POST /v1/login {identifier, password}. A user already on the target signs in there; anyone else is checked against the legacy provider (the export\'s own hashes, or the vendor\'s login API), and on success is created in the target with profile, social links, organizations and metadata, gets the typed password as the target\'s native password, and is marked migrated; the answer names the user\'s id in the target. A wrong password never writes anything; an outage answers 503 and loses nothing. New sign-ups go straight to the target (the application uses the target\'s own sign-up). With --token it also answers the lazy-migration calls of Keycloak (user-migration provider), Ory Kratos (password-migration hook) and Auth0 (custom-database scripts, see --auth0-script). Also serves /dashboard, /metrics (Prometheus), /healthz and /readyz. State lives next to the migrate ledger (--state): SQLite by default, PostgreSQL when several gateway instances run. Runs until SIGINT/SIGTERM.',
    flags: [
      { name: 'config', type: 'string', value: 'path', description: 'A JSON config (or a JS module exporting one) whose keys are these flag names; flags on the command line win.' },
      ...SOURCE_FLAGS.map((f) => (f.name === 'from' ? { ...f, required: false, description: `${f.description} Required (here or in --config).` } : f)),
      ...TARGET_FLAGS.map((f) => (f.name === 'to' ? { ...f, required: false, description: `${f.description} Required (here or in --config).` } : f)),
      STATE_FLAG,
      DECISIONS_FLAG,
      { name: 'port', type: 'string', value: 'N', description: 'Port to listen on (default 8787; 0 picks a free one).' },
      { name: 'host', type: 'string', value: 'addr', description: 'Address to listen on (default 127.0.0.1; put a TLS proxy in front before opening it wider).' },
      { name: 'token', type: 'string', value: 'T', description: 'Bearer token (or Basic password) the lazy-migration endpoints require; they are off without one. /metrics and /dashboard require it too unless --ops-token is given. Also FLAGLESS_GATEWAY_TOKEN.' },
      { name: 'ops-token', type: 'string', value: 'T', description: 'Bearer token (or Basic password: a browser asks for it) that /metrics and /dashboard require, instead of --token. Also FLAGLESS_OPS_TOKEN. Without either token they are public.' },
      MAX_HASH_COST_FLAG,
      { name: 'verify-budget-ms', type: 'string', value: 'N', description: 'CPU time one legacy hash verification may use (default 5000; twice that in wall time at most, at least 10 s). Verifications run in child processes; a hash that runs past its budget is stopped, that login fails, and the user is not tried again for 15 minutes.' },
      { name: 'legacy', type: 'string', value: 'mode', choices: ['auto', 'export', 'api'], description: "How passwords are checked at the legacy side: export = the export's hashes; api = the vendor's login API (Auth0 password-realm grant, Cognito USER_PASSWORD_AUTH, Firebase signInWithPassword, Clerk verify_password; credentials from the environment); auto (default) = the export, then the API for users it cannot check when credentials are set." },
      { name: 'jit-password', type: 'string', value: 'mode', choices: ['native', 'import-hash'], description: "native (default): set the typed password as the target's own hash; import-hash: write the export's hash when the target accepts it (one slow hash less per first login)." },
      { name: 'index-storage', type: 'string', value: 'where', choices: ['memory', 'sqlite'], description: 'Where the export index lives: memory (default, fastest) or a private temporary SQLite file (large exports).' },
      { name: 'trust-proxy', type: 'boolean', description: 'Take the client address from X-Forwarded-For (behind a reverse proxy), for the per-address limits.' },
      { name: 'auth0-script', type: 'string', value: 'path', description: 'Write the Auth0 custom-database Login and Get User scripts (calling this gateway) to this file.' },
      SYNC_FLAG,
      ON_DELETE_FLAG,
      RECONCILE_EVERY_FLAG,
      { name: 'expect-webhooks-every', type: 'string', value: 'duration', description: "Webhooks are expected at least this often (e.g. 6h): the dashboard's switch-off card counts a longer silence (as `flagless status --expect-webhooks-every`)." },
      ...SSO_SERVE_FLAGS,
      LOG_LEVEL_FLAG,
    ],
    examples: [
      'flagless serve --from clerk --file users.csv --to better-auth --db auth.db --port 8787',
      'flagless serve --config flagless.config.json',
      'flagless serve --from auth0 --legacy api --to keycloak --realm app --state postgres://gw@db/flagless --token "$GATEWAY_TOKEN" --auth0-script auth0-scripts.js',
    ],
    load: () => import('./run-serve.js'),
  },
  ...SSO_SETUP_COMMANDS,
  ...SSO_PROXY_COMMANDS,
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** Two-word commands (`sso inventory`) share their first word: the group's subcommands. */
export function subcommandsOf(group: string): CommandSpec[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `));
}
