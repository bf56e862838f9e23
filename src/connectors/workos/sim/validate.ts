import type { PasswordHash } from '../../../model/password/types.js';
import { decodeWorkosHash, isWorkosHashType, type WorkosHashType } from '../hash-types.js';
import { invalid, type ApiFieldError } from './http.js';

/**
 * Request validation of the WorkOS simulator, strict where WorkOS documents a rule:
 * - metadata (workos.com/docs/authkit/metadata): up to 10 key-value pairs; key up to 40 characters,
 *   value up to 600 characters, both ASCII only; values are strings (the SDK types it
 *   Record<string, string>; on update a null value removes the key).
 * - external_id (same page): unique in the environment, up to 64 characters.
 * - password (Create User reference, as generated into the official Rust SDK 2.x): mutually exclusive
 *   with password_hash; password_hash and password_hash_type require each other.
 * Unknown body fields are rejected (422 unknown_field): the real API may ignore them, but a
 * connector that sends a misspelt field should fail here, not silently lose data.
 */

export const METADATA_MAX_KEYS = 10;
export const METADATA_MAX_KEY_LENGTH = 40;
export const METADATA_MAX_VALUE_LENGTH = 600;
export const EXTERNAL_ID_MAX_LENGTH = 64;
const NAME_MAX_LENGTH = 1000;

const ASCII = /^[\x00-\x7f]*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isValidEmail(value: string): boolean {
  return value.length <= 320 && EMAIL.test(value);
}

function rejectUnknown(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw invalid(`Unknown parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, unknown.map((field) => ({ field, code: 'unknown_field' })));
  }
}

/** Validates a metadata map; `allowNull` for updates, where null removes a key. */
export function validateMetadata(value: unknown, allowNull: boolean): Record<string, string | null> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('metadata must be an object of string values', [{ field: 'metadata', code: 'invalid_type' }]);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const errors: ApiFieldError[] = [];
  if (entries.filter(([, v]) => v !== null).length > METADATA_MAX_KEYS) {
    errors.push({ field: 'metadata', code: 'too_many_keys', message: `Metadata can have at most ${METADATA_MAX_KEYS} keys.` });
  }
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > METADATA_MAX_KEY_LENGTH || !ASCII.test(k)) {
      errors.push({ field: `metadata.${k}`, code: 'invalid_key', message: `Keys must be 1 to ${METADATA_MAX_KEY_LENGTH} ASCII characters.` });
      continue;
    }
    if (v === null && allowNull) continue;
    if (typeof v !== 'string') {
      errors.push({ field: `metadata.${k}`, code: 'invalid_type', message: 'Values must be strings.' });
    } else if (v.length > METADATA_MAX_VALUE_LENGTH || !ASCII.test(v)) {
      errors.push({ field: `metadata.${k}`, code: 'invalid_value', message: `Values must be at most ${METADATA_MAX_VALUE_LENGTH} ASCII characters.` });
    }
  }
  if (errors.length) throw invalid('Metadata is invalid', errors);
  return Object.fromEntries(entries) as Record<string, string | null>;
}

/** Merges validated metadata into existing metadata (null removes) and re-checks the key count. */
export function mergeMetadata(current: Record<string, string>, patch: Record<string, string | null>): Record<string, string> {
  const next: Record<string, string> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  if (Object.keys(next).length > METADATA_MAX_KEYS) {
    throw invalid('Metadata is invalid', [{ field: 'metadata', code: 'too_many_keys', message: `Metadata can have at most ${METADATA_MAX_KEYS} keys.` }]);
  }
  return next;
}

export function validateExternalId(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > EXTERNAL_ID_MAX_LENGTH) {
    throw invalid(`external_id must be a string of 1 to ${EXTERNAL_ID_MAX_LENGTH} characters`, [{ field: 'external_id', code: 'invalid_external_id' }]);
  }
  return value;
}

function optionalName(body: Record<string, unknown>, field: string): string | null | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'string' || v.length > NAME_MAX_LENGTH) {
    throw invalid(`${field} must be a string`, [{ field, code: 'invalid_type' }]);
  }
  return v;
}

export interface UserFields {
  email?: string;
  emailVerified?: boolean;
  firstName?: string | null;
  lastName?: string | null;
  externalId?: string | null;
  metadata?: Record<string, string | null>;
  locale?: string | null;
  password?: string;
  passwordHash?: { type: WorkosHashType; hash: PasswordHash };
}

const CREATE_FIELDS = ['email', 'password', 'password_hash', 'password_hash_type', 'first_name', 'last_name', 'name', 'email_verified', 'external_id', 'metadata'];
const UPDATE_FIELDS = [...CREATE_FIELDS, 'locale'];

/** Validates a Create User (`mode: 'create'`) or Update User body. */
export function validateUserBody(body: Record<string, unknown>, mode: 'create' | 'update'): UserFields {
  rejectUnknown(body, mode === 'create' ? CREATE_FIELDS : UPDATE_FIELDS);
  const out: UserFields = {};
  if (body.email !== undefined || mode === 'create') {
    const email = body.email;
    if (email === undefined || email === null || email === '') {
      throw invalid('email is required', [{ field: 'email', code: 'required' }]);
    }
    if (typeof email !== 'string' || !isValidEmail(email.trim())) {
      throw invalid('email is not a valid email address', [{ field: 'email', code: 'invalid_email' }]);
    }
    out.email = email.trim();
  }
  if (body.email_verified !== undefined) {
    if (typeof body.email_verified !== 'boolean') throw invalid('email_verified must be a boolean', [{ field: 'email_verified', code: 'invalid_type' }]);
    out.emailVerified = body.email_verified;
  }
  const first = optionalName(body, 'first_name');
  if (first !== undefined) out.firstName = first;
  const last = optionalName(body, 'last_name');
  if (last !== undefined) out.lastName = last;
  optionalName(body, 'name');
  if (body.external_id !== undefined) out.externalId = validateExternalId(body.external_id);
  if (body.metadata !== undefined) out.metadata = validateMetadata(body.metadata, mode === 'update');
  if (mode === 'update' && body.locale !== undefined) {
    if (body.locale !== null && typeof body.locale !== 'string') throw invalid('locale must be a string', [{ field: 'locale', code: 'invalid_type' }]);
    out.locale = body.locale as string | null;
  }

  const hasPassword = body.password !== undefined && body.password !== null;
  const hasHash = body.password_hash !== undefined && body.password_hash !== null;
  const hasType = body.password_hash_type !== undefined && body.password_hash_type !== null;
  if (hasPassword && (hasHash || hasType)) {
    throw invalid('password cannot be combined with password_hash', [{ field: 'password', code: 'password_and_hash_given' }]);
  }
  if (hasPassword) {
    if (typeof body.password !== 'string' || body.password.length === 0) {
      throw invalid('password must be a non-empty string', [{ field: 'password', code: 'invalid_type' }]);
    }
    out.password = body.password;
  }
  if (hasHash !== hasType) {
    const missing = hasHash ? 'password_hash_type' : 'password_hash';
    throw invalid(`${missing} is required when ${hasHash ? 'password_hash' : 'password_hash_type'} is given`, [{ field: missing, code: 'required' }]);
  }
  if (hasHash && hasType) {
    if (!isWorkosHashType(body.password_hash_type)) {
      throw invalid('password_hash_type is not a supported algorithm', [{ field: 'password_hash_type', code: 'invalid_password_hash_type' }]);
    }
    if (typeof body.password_hash !== 'string') throw invalid('password_hash must be a string', [{ field: 'password_hash', code: 'invalid_type' }]);
    let hash: PasswordHash;
    try {
      hash = decodeWorkosHash(body.password_hash_type, body.password_hash);
    } catch {
      // The reason never quotes the hash: error bodies end up in logs.
      throw invalid(`password_hash is not a valid ${body.password_hash_type} hash`, [{ field: 'password_hash', code: 'invalid_password_hash' }]);
    }
    out.passwordHash = { type: body.password_hash_type, hash };
  }
  return out;
}

const ORG_FIELDS = ['name', 'domain_data', 'domains', 'external_id', 'metadata', 'allow_profiles_outside_organization', 'stripe_customer_id'];

export interface OrganizationFields {
  name?: string;
  externalId?: string | null;
  metadata?: Record<string, string | null>;
  domains?: { domain: string; state: 'verified' | 'pending' }[];
}

export function validateOrganizationBody(body: Record<string, unknown>, mode: 'create' | 'update'): OrganizationFields {
  rejectUnknown(body, ORG_FIELDS);
  const out: OrganizationFields = {};
  if (body.name !== undefined || mode === 'create') {
    if (typeof body.name !== 'string' || body.name.trim() === '') throw invalid('Name is required', [{ field: 'name', code: 'required' }]);
    out.name = body.name.trim();
  }
  if (body.external_id !== undefined) out.externalId = validateExternalId(body.external_id);
  if (body.metadata !== undefined) out.metadata = validateMetadata(body.metadata, mode === 'update');
  if (body.domain_data !== undefined) {
    if (!Array.isArray(body.domain_data)) throw invalid('domain_data must be an array', [{ field: 'domain_data', code: 'invalid_type' }]);
    out.domains = body.domain_data.map((d: unknown, i: number) => {
      const item = d as { domain?: unknown; state?: unknown };
      if (typeof item?.domain !== 'string' || !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(item.domain)) {
        throw invalid('domain_data has an invalid domain', [{ field: `domain_data[${i}].domain`, code: 'invalid_domain' }]);
      }
      if (item.state !== 'verified' && item.state !== 'pending') {
        throw invalid('domain_data state must be verified or pending', [{ field: `domain_data[${i}].state`, code: 'invalid_state' }]);
      }
      return { domain: item.domain.toLowerCase(), state: item.state };
    });
  }
  return out;
}

/** Role slugs from `role_slug` / `role_slugs` (not both); undefined when neither was given. */
export function validateRoleSlugs(body: Record<string, unknown>, known: readonly string[] | undefined): string[] | undefined {
  const single = body.role_slug;
  const many = body.role_slugs;
  if (single !== undefined && many !== undefined) {
    throw invalid('Give role_slug or role_slugs, not both', [{ field: 'role_slugs', code: 'role_slug_and_role_slugs_given' }]);
  }
  let slugs: unknown[] | undefined;
  if (single !== undefined) slugs = [single];
  else if (many !== undefined) {
    if (!Array.isArray(many) || many.length === 0) throw invalid('role_slugs must be a non-empty array', [{ field: 'role_slugs', code: 'invalid_type' }]);
    slugs = many;
  }
  if (slugs === undefined) return undefined;
  const out: string[] = [];
  for (const s of slugs) {
    if (typeof s !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(s)) {
      throw invalid('Role slugs are lowercase letters, digits, - and _', [{ field: 'role_slug', code: 'invalid_role_slug' }]);
    }
    if (known && !known.includes(s)) {
      throw invalid(`Role "${s}" does not exist in this environment`, [{ field: 'role_slug', code: 'role_not_found' }]);
    }
    if (!out.includes(s)) out.push(s);
  }
  return out;
}
