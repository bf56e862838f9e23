/**
 * `flagless sso setup --to kratos`: Ory Kratos configures its OIDC providers in its config file
 * (`selfservice.methods.oidc.config.providers`), so the setup is a snippet to merge there, printed
 * on stdout; nothing is written to Kratos. Each OIDC connection becomes a `generic` provider
 * (id, issuer_url, client_id, scope, mapper_url). The client secret is not printed: the snippet
 * holds a placeholder to replace (or set the providers through SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS).
 *
 * SAML: self-hosted (open-source) Kratos has no SAML login; Ory documents SAML SSO as an Ory
 * Network feature (Organizations, "B2B Single Sign-On & SAML"), and Ory Polis (BoxyHQ Jackson)
 * bridges SAML IdPs to OIDC. SAML connections are listed as needing one of those.
 */
import type { SsoSetupAction, SsoSetupOptions, SsoSetupResult, SsoTargetSetup } from '../../protocol/sso-setup.js';
import type { SsoInventory } from '../../protocol/sso.js';

export const CLIENT_SECRET_PLACEHOLDER = 'REPLACE_WITH_THE_CLIENT_SECRET';
export const MAPPER_URL = 'file:///etc/config/kratos/oidc.flagless.jsonnet';

/** The Jsonnet claims mapper the providers point at: email (verified only when the IdP says so) and names. */
export const CLAIMS_MAPPER = `local claims = { email_verified: false } + std.extVar('claims');
{
  identity: {
    traits: {
      [if 'email' in claims && claims.email_verified then 'email' else null]: claims.email,
      [if 'given_name' in claims || 'family_name' in claims then 'name' else null]: {
        [if 'given_name' in claims then 'first' else null]: claims.given_name,
        [if 'family_name' in claims then 'last' else null]: claims.family_name,
      },
    },
  },
}
`;

function providerId(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'sso';
}

function yamlScalar(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/** A small YAML writer for plain objects, arrays and scalars (JSON strings are valid YAML scalars). */
export function toYaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return `${indent}[]\n`;
    return value
      .map((item) => {
        if (item && typeof item === 'object') {
          const inner = toYaml(item, `${indent}  `);
          return `${indent}- ${inner.slice(indent.length + 2)}`;
        }
        return `${indent}- ${yamlScalar(item)}\n`;
      })
      .join('');
  }
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => {
        if (v && typeof v === 'object' && (!Array.isArray(v) || v.length > 0)) return `${indent}${k}:\n${toYaml(v, `${indent}  `)}`;
        return `${indent}${k}: ${Array.isArray(v) ? '[]' : yamlScalar(v)}\n`;
      })
      .join('');
  }
  return `${indent}${yamlScalar(value)}\n`;
}

export async function setupKratosSso(inventory: SsoInventory, options: SsoSetupOptions): Promise<SsoSetupResult> {
  const actions: SsoSetupAction[] = [];
  const warnings: string[] = [];
  const providers: Record<string, unknown>[] = [];
  for (const c of inventory.connections) {
    if (options.only && !options.only.includes(c.name)) continue;
    if (c.protocol === 'saml') {
      warnings.push(`${c.name}: SAML is not supported by self-hosted Ory Kratos; use Ory Network (Enterprise SSO) or Ory Polis to bridge this IdP to OIDC.`);
      actions.push({ connection: c.name, what: 'config', action: 'skipped', detail: 'SAML: needs Ory Network or Ory Polis' });
      continue;
    }
    if (!c.idp.issuer) {
      warnings.push(`${c.name}: no issuer in the inventory; Kratos's generic provider needs issuer_url.`);
      actions.push({ connection: c.name, what: 'config', action: 'skipped', detail: 'issuer unknown' });
      continue;
    }
    providers.push({
      id: providerId(c.name),
      provider: 'generic',
      label: c.name,
      issuer_url: c.idp.issuer,
      client_id: c.idp.clientId ?? 'REPLACE_WITH_THE_CLIENT_ID',
      client_secret: CLIENT_SECRET_PLACEHOLDER,
      mapper_url: MAPPER_URL,
      scope: ['openid', 'email', 'profile'],
    });
    actions.push({ connection: c.name, what: 'config', action: 'generated', id: providerId(c.name) });
  }
  const config = { selfservice: { methods: { oidc: { enabled: true, config: { providers } } } } };
  const format = options.format ?? 'yaml';
  const text = format === 'json' ? `${JSON.stringify(config, null, 2)}\n` : toYaml(config);
  if (providers.length) warnings.push(`replace ${CLIENT_SECRET_PLACEHOLDER} with each client's secret, and put the claims mapper at ${MAPPER_URL} (--json prints it as mapper).`);
  return { target: 'kratos', actions, snippet: { format, text, companion: { path: MAPPER_URL, text: CLAIMS_MAPPER } }, warnings };
}

export const kratosSsoSetup: SsoTargetSetup = { setup: setupKratosSso };
