import type { CommandSpec, FlagSpec } from './spec.js';

/**
 * The SSO cutover proxy's commands (`sso flip`, `sso status`) and its `serve` flags, declared
 * here and spread into the command table (commands.ts), so the `sso` group's other commands
 * (inventory, setup) live beside them without touching the same lines.
 */
const SSO_STATE_FLAG: FlagSpec = { name: 'state', type: 'string', value: 'path|url', description: 'Where the flags live, as for serve: a SQLite file (default .flagless/state.db) or postgres://user@host/db[?schema=name] (every gateway instance on it follows a flip within its flag refresh, 250 ms by default).' };

export const SSO_SERVE_FLAGS: FlagSpec[] = [
  {
    name: 'sso-config',
    type: 'string',
    value: 'path',
    description:
      "Turn on the SSO cutover proxy: a JSON file naming the connections (name, protocol, the callback paths the IdPs post to, the legacy and target callback URLs, optional start/return URLs and IdP sign-in URL), optionally on top of a `flagless sso inventory --json` document (`inventory`: the document or its path). Each connection's SAML responses and OIDC callbacks go to the side its flag names (`flagless sso flip`). Without --from/--to the gateway is only the proxy.",
  },
  { name: 'auto-rollback', type: 'string', value: 'rate[:min]', description: 'With --sso-config: flip a connection back (recorded as auto-rollback, and logged) when the logins at the side it was flipped to fail at this rate or more since the flip, over at least min logins (default 20), e.g. 0.2 or 0.2:50.' },
];

export const SSO_PROXY_COMMANDS: CommandSpec[] = [
  {
    name: 'sso flip',
    summary: "Move one SSO connection's responses to the target or back to legacy (every gateway instance follows on its next request).",
    description:
      'Writes the connection\'s flag in the state store the gateways share and records the flip (who: --who or $USER; when; from; to; rollout; reason manual). Every `flagless serve --sso-config` instance on that state routes the connection\'s next SAML responses and OIDC callbacks to the new side within its flag refresh; a response to an AuthnRequest the other side issued still goes back to it. --percent and --domains move only part of the connection\'s users (bucketed by email or NameID, unverified, routing only); the others stay on the other side. Exit 0 when the flip is recorded, 2 when refused.',
    positionals: [{ name: 'connection', description: "The connection's name (as in the proxy's configuration and `sso inventory`).", required: true }],
    flags: [
      { name: 'to', type: 'string', value: 'side', required: true, choices: ['target', 'legacy'], description: 'The side the connection moves to.' },
      { name: 'percent', type: 'string', value: 'N', description: 'Only N % of the connection\'s users (0-100) move; the others stay on the other side.' },
      { name: 'domains', type: 'string', value: 'a,b', description: 'Only users whose email domain is listed move (with --percent: that share of them).' },
      { name: 'who', type: 'string', value: 'name', description: 'Who flips, for the log (default $USER).' },
      SSO_STATE_FLAG,
    ],
    examples: ['flagless sso flip acme-okta --to target --state postgres://gw@db/flagless', 'flagless sso flip acme-okta --to target --percent 10 --domains acme.com', 'flagless sso flip acme-okta --to legacy --json'],
    load: () => import('./run-sso-flip.js'),
  },
  {
    name: 'sso status',
    summary: 'Show every SSO connection: its side and rollout, its last flip, and what was routed and how logins ended at each side since.',
    description:
      'Reads the flags and counts the gateway instances share (--state): per connection the side, any rollout, the last flip (who, when, from, to, why) and, since that flip, responses and starts routed to each side and logins completed and failed at each side (as the proxy saw them end: the provider redirecting back through /v1/sso/return, or the application reporting to /v1/sso/outcome), and the last flips. With --sso-config, connections never flipped are listed too, on the proxy\'s default side. Exit 0.',
    flags: [SSO_STATE_FLAG, { name: 'sso-config', type: 'string', value: 'path', description: "The proxy's configuration, to list its connections that were never flipped." }],
    examples: ['flagless sso status --state postgres://gw@db/flagless', 'flagless sso status --json'],
    load: () => import('./run-sso-status.js'),
  },
];
