/**
 * Which traits an Ory Kratos identity schema has, read from the schema the server reports
 * (GET /schemas/{id}), so the map writes only what the schema holds and names the rest as lossy.
 *
 * Kratos schemas are JSON Schema with an `ory.sh/kratos` extension per trait
 * (https://www.ory.sh/docs/kratos/manage-identities/identity-schema): `credentials.password.identifier`
 * marks a sign-in identifier, `verification.via` (email | sms) a verifiable address, `recovery.via`
 * a recovery address.
 */

export type TraitPath = readonly string[];

export interface TraitPlan {
  email?: TraitPath;
  username?: TraitPath;
  /** A first/last split (name.first / name.last, first_name / last_name, given_name / family_name). */
  firstName?: TraitPath;
  lastName?: TraitPath;
  /** One name string, when the schema has no split. */
  fullName?: TraitPath;
  phone?: TraitPath;
  /** Traits the schema requires (top level). */
  required: readonly string[];
  /** Addresses Kratos verifies: the email (via email) and/or the phone (via sms). */
  emailVerifiable: boolean;
  emailRecovery: boolean;
  phoneVerifiable: boolean;
  /** Top-level trait names, for the simulator's additionalProperties check. */
  names: readonly string[];
}

interface JsonSchema {
  type?: string | string[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  'ory.sh/kratos'?: {
    credentials?: { password?: { identifier?: boolean } };
    verification?: { via?: string };
    recovery?: { via?: string };
  };
}

function isString(s: JsonSchema | undefined): boolean {
  return !!s && (s.type === 'string' || (Array.isArray(s.type) && s.type.includes('string')));
}

function ext(s: JsonSchema | undefined) {
  return s?.['ory.sh/kratos'];
}

/** Reads the trait plan from an identity schema document; throws when it has no traits object. */
export function traitPlanOf(schema: unknown): TraitPlan {
  const traits = (schema as { properties?: { traits?: JsonSchema } } | null)?.properties?.traits;
  if (!traits || typeof traits !== 'object' || !traits.properties) {
    throw new Error('the identity schema has no properties.traits object');
  }
  const props = traits.properties;
  const names = Object.keys(props);
  const plan: { -readonly [K in keyof TraitPlan]: TraitPlan[K] } = {
    required: traits.required ?? [],
    emailVerifiable: false,
    emailRecovery: false,
    phoneVerifiable: false,
    names,
  };
  const emailName =
    names.find((n) => isString(props[n]) && props[n]!.format === 'email' && ext(props[n])?.credentials?.password?.identifier) ??
    names.find((n) => isString(props[n]) && props[n]!.format === 'email') ??
    (isString(props.email) ? 'email' : undefined);
  if (emailName) {
    plan.email = [emailName];
    plan.emailVerifiable = ext(props[emailName])?.verification?.via === 'email';
    plan.emailRecovery = ext(props[emailName])?.recovery?.via === 'email';
  }
  const usernameName = names.find((n) => n !== emailName && isString(props[n]) && (n === 'username' || (ext(props[n])?.credentials?.password?.identifier && props[n]!.format !== 'tel')));
  if (usernameName) plan.username = [usernameName];
  const phoneName = names.find((n) => isString(props[n]) && (props[n]!.format === 'tel' || n === 'phone' || n === 'phone_number'));
  if (phoneName) {
    plan.phone = [phoneName];
    plan.phoneVerifiable = ext(props[phoneName])?.verification?.via === 'sms';
  }
  const name = props.name;
  const splits: [string, string][] = [['first', 'last'], ['first_name', 'last_name'], ['given_name', 'family_name']];
  if (name?.properties) {
    const pair = splits.find(([f, l]) => isString(name.properties![f]) && isString(name.properties![l]));
    if (pair) {
      plan.firstName = ['name', pair[0]];
      plan.lastName = ['name', pair[1]];
    }
  } else if (isString(name)) {
    plan.fullName = ['name'];
  }
  if (!plan.firstName && !plan.fullName) {
    const pair = splits.find(([f, l]) => isString(props[f]) && isString(props[l]));
    if (pair) {
      plan.firstName = [pair[0]];
      plan.lastName = [pair[1]];
    }
  }
  return plan;
}

export function getTrait(traits: Record<string, unknown>, path: TraitPath | undefined): unknown {
  if (!path) return undefined;
  let cur: unknown = traits;
  for (const key of path) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function setTrait(traits: Record<string, unknown>, path: TraitPath, value: unknown): void {
  let cur = traits;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (!next || typeof next !== 'object') cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}
