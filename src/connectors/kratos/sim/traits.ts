/**
 * The simulator's identity-schema check: validates traits against the JSON Schema subset identity
 * schemas use (type, properties, required, additionalProperties, format email/tel, min/maxLength)
 * and reads the `ory.sh/kratos` extension for the password identifiers and the addresses Kratos
 * derives from the traits (verification.via, recovery.via).
 */

export interface SchemaNode {
  type?: string | string[];
  format?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean;
  minLength?: number;
  maxLength?: number;
  'ory.sh/kratos'?: {
    credentials?: { password?: { identifier?: boolean } };
    verification?: { via?: string };
    recovery?: { via?: string };
  };
}

export interface TraitFacts {
  /** Password identifiers (email-format ones lower-cased, as Kratos stores them). */
  identifiers: string[];
  verifiable: { value: string; via: 'email' | 'sms' }[];
  recovery: { value: string; via: 'email' }[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TEL = /^\+[1-9][0-9]{6,14}$/;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(node: SchemaNode, v: unknown): boolean {
  if (node.type === undefined) return true;
  const types = Array.isArray(node.type) ? node.type : [node.type];
  const t = typeOf(v);
  return types.includes(t) || (t === 'integer' && types.includes('number'));
}

/** Validates `traits` against the schema's `properties.traits`; returns the first problem, Kratos-style. */
export function checkTraits(schema: { properties?: { traits?: SchemaNode } }, traits: unknown): { error: string } | { facts: TraitFacts } {
  const root = schema.properties?.traits;
  if (!root) return { error: 'the identity schema has no traits' };
  const facts: TraitFacts = { identifiers: [], verifiable: [], recovery: [] };
  const walk = (node: SchemaNode, value: unknown, path: string): string | undefined => {
    if (!typeMatches(node, value)) return `I[${path}] S[#/properties/traits${path ? '/properties/' + path.split('/').filter(Boolean).join('/properties/') : ''}/type] expected ${String(node.type)}, but got ${typeOf(value)}`;
    if (typeof value === 'string') {
      if (node.minLength !== undefined && value.length < node.minLength) return `I[${path}] length must be >= ${node.minLength}, but got ${value.length}`;
      if (node.maxLength !== undefined && value.length > node.maxLength) return `I[${path}] length must be <= ${node.maxLength}, but got ${value.length}`;
      if (node.format === 'email' && !EMAIL.test(value)) return `I[${path}] "${value}" is not valid "email"`;
      if (node.format === 'tel' && !TEL.test(value)) return `I[${path}] "${value}" is not valid "tel"`;
      const ext = node['ory.sh/kratos'];
      const stored = node.format === 'email' ? value.toLowerCase() : value;
      if (ext?.credentials?.password?.identifier) facts.identifiers.push(stored);
      if (ext?.verification?.via === 'email' || ext?.verification?.via === 'sms') facts.verifiable.push({ value: stored, via: ext.verification.via });
      if (ext?.recovery?.via === 'email') facts.recovery.push({ value: stored, via: 'email' });
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      for (const r of node.required ?? []) if (!(r in obj)) return `I[${path || '#'}] missing properties: "${r}"`;
      for (const [k, v] of Object.entries(obj)) {
        const child = node.properties?.[k];
        if (!child) {
          if (node.additionalProperties === false) return `I[${path || '#'}] additionalProperties "${k}" not allowed`;
          continue;
        }
        const problem = walk(child, v, `${path}/${k}`);
        if (problem) return problem;
      }
    }
    return undefined;
  };
  if (!traits || typeof traits !== 'object' || Array.isArray(traits)) return { error: 'traits must be a JSON object' };
  const problem = walk(root, traits, '');
  return problem ? { error: problem } : { facts };
}

/**
 * The identity schema `flagless sim kratos` serves as `default`: Ory's email-and-password preset
 * plus a username, a first/last name and a phone number.
 */
export const DEFAULT_IDENTITY_SCHEMA = {
  $id: 'https://schemas.flagless.dev/kratos/default.schema.json',
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Person',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: {
          type: 'string',
          format: 'email',
          title: 'E-Mail',
          maxLength: 320,
          'ory.sh/kratos': {
            credentials: { password: { identifier: true }, totp: { account_name: true } },
            verification: { via: 'email' },
            recovery: { via: 'email' },
          },
        },
        username: { type: 'string', title: 'Username', minLength: 1, maxLength: 128, 'ory.sh/kratos': { credentials: { password: { identifier: true } } } },
        name: {
          type: 'object',
          properties: { first: { type: 'string', title: 'First name' }, last: { type: 'string', title: 'Last name' } },
          additionalProperties: false,
        },
        phone: { type: 'string', format: 'tel', title: 'Phone number', 'ory.sh/kratos': { verification: { via: 'sms' } } },
      },
      required: ['email'],
      additionalProperties: false,
    },
  },
} as const;
