import { randomUUID } from 'node:crypto';
import type { TraitFacts } from './traits.js';

/** One identity as the simulator stores it (the admin API's `identity` schema plus credential configs). */
export interface SimIdentity {
  id: string;
  schema_id: string;
  state: 'active' | 'inactive';
  traits: Record<string, unknown>;
  external_id?: string;
  metadata_public: unknown;
  metadata_admin: unknown;
  organization_id?: string | null;
  verifiable_addresses: { id: string; value: string; via: 'email' | 'sms'; verified: boolean; status: string; verified_at?: string; created_at: string; updated_at: string }[];
  recovery_addresses: { id: string; value: string; via: 'email'; created_at: string; updated_at: string }[];
  credentials: {
    password?: { identifiers: string[]; config: { hashed_password?: string; use_password_migration_hook?: boolean } };
    oidc?: { identifiers: string[]; config: { providers: { provider: string; subject: string; use_auto_link?: boolean }[] } };
    saml?: { identifiers: string[]; config: { providers: { provider: string; subject: string }[] } };
    totp?: { identifiers: string[]; config: { totp_url: string } };
  };
  created_at: string;
  updated_at: string;
  state_changed_at: string;
}

export class Conflict extends Error {}

/** In-memory identities with Kratos's unique indexes: external_id, and (type, identifier) per credential. */
export class SimStore {
  readonly identities = new Map<string, SimIdentity>();
  readonly byExternalId = new Map<string, string>();
  readonly byIdentifier = new Map<string, string>();
  /** Keto relationships, `namespace:object#relation@subject_id`, in insertion order. */
  readonly tuples = new Map<string, { namespace: string; object: string; relation: string; subject_id: string }>();
  #sorted: string[] | undefined;

  sortedIds(): string[] {
    this.#sorted ??= [...this.identities.keys()].sort();
    return this.#sorted;
  }

  #credentialKeys(i: SimIdentity): string[] {
    const keys: string[] = [];
    for (const [type, c] of Object.entries(i.credentials)) {
      // TOTP's identifier is the identity id (Kratos issue 4561): never a conflict.
      if (type === 'totp' || !c) continue;
      for (const id of c.identifiers) keys.push(`${type}:${id}`);
    }
    return keys;
  }

  /** Inserts (or, with `replacing`, replaces) an identity; throws Conflict naming the clash. */
  put(i: SimIdentity, replacing?: SimIdentity): void {
    if (i.external_id !== undefined) {
      const owner = this.byExternalId.get(i.external_id);
      if (owner && owner !== i.id) throw new Conflict('external_id');
    }
    for (const key of this.#credentialKeys(i)) {
      const owner = this.byIdentifier.get(key);
      if (owner && owner !== i.id) throw new Conflict('identifier');
    }
    if (replacing) {
      if (replacing.external_id !== undefined) this.byExternalId.delete(replacing.external_id);
      for (const key of this.#credentialKeys(replacing)) this.byIdentifier.delete(key);
    }
    if (i.external_id !== undefined) this.byExternalId.set(i.external_id, i.id);
    for (const key of this.#credentialKeys(i)) this.byIdentifier.set(key, i.id);
    if (!this.identities.has(i.id)) this.#sorted = undefined;
    this.identities.set(i.id, i);
  }

  delete(id: string): boolean {
    const i = this.identities.get(id);
    if (!i) return false;
    if (i.external_id !== undefined) this.byExternalId.delete(i.external_id);
    for (const key of this.#credentialKeys(i)) this.byIdentifier.delete(key);
    this.identities.delete(id);
    this.#sorted = undefined;
    return true;
  }

  findByIdentifier(type: string, identifier: string): SimIdentity | undefined {
    const id = this.byIdentifier.get(`${type}:${identifier}`) ?? this.byIdentifier.get(`${type}:${identifier.toLowerCase()}`);
    return id ? this.identities.get(id) : undefined;
  }
}

/** Builds the stored identity from a validated create body and the facts its traits yield. */
export function buildIdentity(body: Record<string, unknown>, schemaId: string, facts: TraitFacts, now = new Date().toISOString()): SimIdentity {
  const imported = (body.verifiable_addresses as { value: string; via: string; verified: boolean; status: string }[] | undefined) ?? [];
  const creds = (body.credentials ?? {}) as Record<string, { config?: Record<string, unknown> } | undefined>;
  const id = randomUUID();
  const identity: SimIdentity = {
    id,
    schema_id: schemaId,
    state: (body.state as 'active' | 'inactive' | undefined) ?? 'active',
    traits: body.traits as Record<string, unknown>,
    metadata_public: body.metadata_public ?? null,
    metadata_admin: body.metadata_admin ?? null,
    organization_id: (body.organization_id as string | undefined) ?? null,
    // Kratos keeps an imported address only where the schema derives the same one from the traits.
    verifiable_addresses: facts.verifiable.map((a) => {
      const given = imported.find((x) => x.value.toLowerCase() === a.value.toLowerCase() && x.via === a.via);
      return {
        id: randomUUID(),
        value: a.value,
        via: a.via,
        verified: given?.verified ?? false,
        status: given?.status ?? 'pending',
        ...(given?.verified ? { verified_at: now } : {}),
        created_at: now,
        updated_at: now,
      };
    }),
    recovery_addresses: facts.recovery.map((a) => ({ id: randomUUID(), value: a.value, via: a.via, created_at: now, updated_at: now })),
    credentials: {},
    created_at: now,
    updated_at: now,
    state_changed_at: now,
  };
  if (typeof body.external_id === 'string' && body.external_id !== '') identity.external_id = body.external_id;
  const password = creds.password?.config;
  if (password && (password.use_password_migration_hook === true || typeof password.hashed_password === 'string')) {
    identity.credentials.password = {
      identifiers: facts.identifiers,
      config: password.use_password_migration_hook === true ? { use_password_migration_hook: true } : { hashed_password: password.hashed_password as string },
    };
  } else if (facts.identifiers.length) {
    // Kratos's schema extension gives every identity a password credential holding the traits'
    // identifiers, with an empty config when there is no password (identity/extension_credentials.go
    // setIdentifier): so an identity without a password is found by its email, and its email is
    // taken (the identifier index is unique).
    identity.credentials.password = { identifiers: facts.identifiers, config: {} };
  }
  const providers = (creds.oidc?.config?.providers as { provider: string; subject: string; use_auto_link?: boolean }[] | undefined) ?? [];
  if (providers.length) identity.credentials.oidc = { identifiers: providers.map((p) => `${p.provider}:${p.subject}`), config: { providers } };
  const saml = (creds.saml?.config?.providers as { provider: string; subject: string }[] | undefined) ?? [];
  if (saml.length) identity.credentials.saml = { identifiers: saml.map((p) => `${p.provider}:${p.subject}`), config: { providers: saml } };
  const totp = creds.totp?.config?.totp_url;
  if (typeof totp === 'string') identity.credentials.totp = { identifiers: [id], config: { totp_url: totp } };
  return identity;
}

/** The admin API's JSON for an identity; credential configs only for the types asked for. */
export function identityJson(i: SimIdentity, schemaUrl: string, includeCredential: readonly string[] = []) {
  const credentials: Record<string, unknown> = {};
  for (const [type, c] of Object.entries(i.credentials)) {
    if (!c) continue;
    credentials[type] = {
      type,
      identifiers: c.identifiers,
      version: 0,
      created_at: i.created_at,
      updated_at: i.updated_at,
      ...(includeCredential.includes(type) && type !== 'password' ? { config: c.config } : {}),
    };
  }
  return {
    id: i.id,
    schema_id: i.schema_id,
    schema_url: schemaUrl,
    state: i.state,
    state_changed_at: i.state_changed_at,
    traits: i.traits,
    verifiable_addresses: i.verifiable_addresses,
    recovery_addresses: i.recovery_addresses,
    metadata_public: i.metadata_public,
    metadata_admin: i.metadata_admin,
    organization_id: i.organization_id ?? null,
    ...(i.external_id !== undefined ? { external_id: i.external_id } : {}),
    credentials,
    created_at: i.created_at,
    updated_at: i.updated_at,
  };
}
