/**
 * Auth0's record shapes as flagless reads them. Field names follow the Management API's user
 * object (`UserResponseSchema` in the `auth0` SDK v7), which is also what the user-export job
 * (`POST /api/v2/jobs/users-exports`, `format: "json"`, one user per line, gzipped) writes for the
 * fields requested. Every field is optional: the export only carries the fields the job asked
 * for, and `export_as` may have renamed some (the documented example renames
 * `identities[0].connection` to `provider`).
 */

/** One entry of `identities[]`. GitHub and some other providers give a numeric `user_id`. */
export interface Auth0Identity {
  connection?: string;
  provider?: string;
  user_id?: string | number;
  isSocial?: boolean;
  profileData?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Auth0User {
  /** `<provider>|<id>`: `auth0|5f...` (database), `google-oauth2|1...`, `samlp|<connection>|<nameid>`. */
  user_id?: string;
  email?: string;
  email_verified?: boolean;
  username?: string;
  phone_number?: string;
  phone_verified?: boolean;
  given_name?: string;
  family_name?: string;
  name?: string;
  nickname?: string;
  picture?: string;
  identities?: Auth0Identity[];
  user_metadata?: Record<string, unknown>;
  app_metadata?: Record<string, unknown>;
  blocked?: boolean;
  created_at?: string;
  updated_at?: string;
  last_login?: string;
  last_ip?: string;
  logins_count?: number;
  /** MFA providers the user enrolled with: `guardian`, `google-authenticator`, `duo`. No secrets. */
  multifactor?: string[];
  /** `identities[0].connection` renamed by `export_as: "provider"` (Auth0's documented example). */
  provider?: string;
  [key: string]: unknown;
}

/**
 * One line of the password-hash file Auth0 support delivers (NDJSON, MongoDB extended JSON):
 * `{"_id":{"$oid":"5dea..."},"email":"...","email_verified":false,"passwordHash":"$2b$10$...",
 * "password_set_date":{"$date":"2019-12-06T18:36:12.412Z"},"tenant":"...","connection":
 * "Username-Password-Authentication","_tmp_is_unique":true,"alt_id":"euclid"}`.
 * The user's `user_id` is `auth0|<alt_id>` when `alt_id` is present (custom-database users and
 * users created through the API with their own id), else `auth0|<_id.$oid>`.
 */
export interface Auth0PasswordRecord {
  _id?: { $oid?: string } | string;
  alt_id?: string;
  email?: string;
  email_verified?: boolean;
  passwordHash?: string;
  password_set_date?: { $date?: string } | string;
  tenant?: string;
  connection?: string;
  _tmp_is_unique?: boolean;
  identifiers?: { type?: string; value?: string; verified?: boolean }[];
  [key: string]: unknown;
}

/** `GET /api/v2/organizations` items. */
export interface Auth0Organization {
  id?: string;
  /** The organization's machine name (lowercase, used in login URLs). */
  name?: string;
  display_name?: string;
  metadata?: Record<string, unknown>;
  branding?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A role as `GET /organizations/{id}/members?fields=roles` and `.../members/{user_id}/roles` give it. */
export interface Auth0Role {
  id?: string;
  name?: string;
  description?: string;
}

/**
 * One organization membership in flagless's API dump: the member from
 * `GET /organizations/{id}/members` with the roles from `.../members/{user_id}/roles`.
 */
export interface Auth0DumpMembership {
  organization_id?: string;
  user_id?: string;
  roles?: Auth0Role[];
}

/** What `--api-dump` holds: JSON saved from the Management API. */
export interface Auth0ApiDump {
  users?: Auth0User[];
  organizations?: Auth0Organization[];
  memberships?: Auth0DumpMembership[];
}

export const DATABASE_PROVIDER = 'auth0';
