import type ProtocolMapperRepresentation from '@keycloak/keycloak-admin-client/lib/defs/protocolMapperRepresentation.js';
import { METADATA_PREFIX } from './map.js';

/** Where a claim's value comes from in Keycloak, and how it is typed in the token. */
export type ClaimSource =
  | { kind: 'property'; property: 'email' | 'emailVerified' | 'firstName' | 'lastName' | 'username' }
  | { kind: 'fullName' }
  | { kind: 'attribute'; attribute: string }
  | { kind: 'realmRoles' }
  | { kind: 'groups' };

export interface ClaimSpec {
  claim: string;
  source: ClaimSource;
  jsonType: 'String' | 'boolean' | 'long' | 'JSON';
  multivalued: boolean;
}

/** Registered and session claims every IdP sets its own way: never mapped, never compared. */
export const REGISTERED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'azp', 'sid', 'nonce', 'auth_time', 'session_state', 'at_hash', 'c_hash', 'acr', 'amr', 'typ', 'scope', 'v', 'fva', 'sts', 'allowed-origins', 'realm_access', 'resource_access']);

const BY_NAME: Record<string, ClaimSource> = {
  email: { kind: 'property', property: 'email' },
  email_verified: { kind: 'property', property: 'emailVerified' },
  given_name: { kind: 'property', property: 'firstName' },
  first_name: { kind: 'property', property: 'firstName' },
  firstName: { kind: 'property', property: 'firstName' },
  family_name: { kind: 'property', property: 'lastName' },
  last_name: { kind: 'property', property: 'lastName' },
  lastName: { kind: 'property', property: 'lastName' },
  preferred_username: { kind: 'property', property: 'username' },
  username: { kind: 'property', property: 'username' },
  name: { kind: 'fullName' },
  full_name: { kind: 'fullName' },
  roles: { kind: 'realmRoles' },
  groups: { kind: 'groups' },
};

function jsonTypeOf(v: unknown): ClaimSpec['jsonType'] {
  const x = Array.isArray(v) ? v[0] : v;
  if (typeof x === 'boolean') return 'boolean';
  if (typeof x === 'number') return 'long';
  if (x !== null && typeof x === 'object') return 'JSON';
  return 'String';
}

/** From a sample legacy token's payload: each claim the backend may read, by name and JSON type. */
export function claimsFromToken(payload: Record<string, unknown>): ClaimSpec[] {
  const out: ClaimSpec[] = [];
  for (const [claim, value] of Object.entries(payload)) {
    if (REGISTERED_CLAIMS.has(claim)) continue;
    const source = BY_NAME[claim] ?? { kind: 'attribute', attribute: METADATA_PREFIX + claim };
    out.push({ claim, source, jsonType: source.kind === 'realmRoles' || source.kind === 'groups' ? 'String' : jsonTypeOf(value), multivalued: Array.isArray(value) });
  }
  return out;
}

/** Clerk JWT template shortcodes (`{{user.primary_email_address}}`) → Keycloak sources; flagless stores public metadata as `metadata.<key>` attributes. */
const CLERK_SHORTCODES: Record<string, ClaimSource> = {
  'user.primary_email_address': { kind: 'property', property: 'email' },
  'user.email_verified': { kind: 'property', property: 'emailVerified' },
  'user.first_name': { kind: 'property', property: 'firstName' },
  'user.last_name': { kind: 'property', property: 'lastName' },
  'user.full_name': { kind: 'fullName' },
  'user.username': { kind: 'property', property: 'username' },
  'org.slug': { kind: 'groups' },
  'org.id': { kind: 'groups' },
  'org.role': { kind: 'realmRoles' },
  'org_membership.permissions': { kind: 'realmRoles' },
};

/**
 * From a Clerk JWT template (the dashboard's JSON: `{ "claim": "{{user.public_metadata.plan}}" }`,
 * or `{ "claims": {...} }`): each claim whose value is one shortcode. Returns the specs and the
 * claims it cannot map (literals, composite strings, unknown shortcodes).
 */
export function claimsFromClerkTemplate(template: Record<string, unknown>): { specs: ClaimSpec[]; unmapped: string[] } {
  const claims = (template.claims && typeof template.claims === 'object' ? template.claims : template) as Record<string, unknown>;
  const specs: ClaimSpec[] = [];
  const unmapped: string[] = [];
  for (const [claim, value] of Object.entries(claims)) {
    if (REGISTERED_CLAIMS.has(claim)) continue;
    const code = typeof value === 'string' ? value.match(/^\{\{\s*([\w.]+)\s*\}\}$/)?.[1] : undefined;
    const meta = code?.match(/^user\.(?:public_metadata|unsafe_metadata)\.(\w+)$/)?.[1];
    const source = code ? (CLERK_SHORTCODES[code] ?? (meta ? ({ kind: 'attribute', attribute: METADATA_PREFIX + meta } as const) : undefined)) : undefined;
    if (!source) {
      unmapped.push(claim);
      continue;
    }
    const multivalued = source.kind === 'realmRoles' || source.kind === 'groups';
    specs.push({ claim, source, jsonType: source.kind === 'property' && source.property === 'emailVerified' ? 'boolean' : 'String', multivalued });
  }
  return { specs, unmapped };
}

/** The protocol mapper that puts one claim in the access, ID and userinfo tokens. Named `flagless <claim>` so a re-run replaces it. */
export function mapperFor(spec: ClaimSpec): ProtocolMapperRepresentation {
  const common = { 'claim.name': spec.claim, 'access.token.claim': 'true', 'id.token.claim': 'true', 'userinfo.token.claim': 'true', 'introspection.token.claim': 'true' };
  const name = `flagless ${spec.claim}`;
  const s = spec.source;
  switch (s.kind) {
    case 'property':
      return { name, protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-property-mapper', config: { ...common, 'user.attribute': s.property, 'jsonType.label': spec.jsonType } };
    case 'fullName':
      return { name, protocol: 'openid-connect', protocolMapper: 'oidc-full-name-mapper', config: { 'access.token.claim': 'true', 'id.token.claim': 'true', 'userinfo.token.claim': 'true' } };
    case 'attribute':
      return { name, protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-attribute-mapper', config: { ...common, 'user.attribute': s.attribute, 'jsonType.label': spec.jsonType, multivalued: String(spec.multivalued) } };
    case 'realmRoles':
      return { name, protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-realm-role-mapper', config: { ...common, 'jsonType.label': 'String', multivalued: 'true' } };
    case 'groups':
      return { name, protocol: 'openid-connect', protocolMapper: 'oidc-group-membership-mapper', config: { ...common, 'full.path': 'false' } };
  }
}
