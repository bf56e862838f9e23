/**
 * Clerk's own shapes, as its exports and its Backend API give them. Field names are confirmed
 * against `@clerk/backend` 3.25.0 (`dist/api/resources/JSON.d.ts`: UserJSON, EmailAddressJSON,
 * PhoneNumberJSON, ExternalAccountJSON, EnterpriseAccountJSON, OrganizationJSON,
 * OrganizationMembershipJSON) and the dashboard CSV header used by clerk/migration-tool
 * `samples/clerk.csv`. Everything is optional here: an API dump saved by hand, or by
 * `flagless generate`, may carry only the fields the CSV lacks.
 */

/** The columns of the Clerk dashboard "Export users" CSV, in Clerk's order. */
export const CLERK_CSV_COLUMNS = [
  'id',
  'first_name',
  'last_name',
  'username',
  'primary_email_address',
  'primary_phone_number',
  'verified_email_addresses',
  'unverified_email_addresses',
  'verified_phone_numbers',
  'unverified_phone_numbers',
  'totp_secret',
  'password_digest',
  'password_hasher',
] as const;
export type ClerkCsvColumn = (typeof CLERK_CSV_COLUMNS)[number];

/** The columns without which a file cannot be a Clerk user export. */
export const CLERK_REQUIRED_COLUMNS = ['id', 'password_digest'] as const;

export type ClerkCsvRow = Partial<Record<ClerkCsvColumn, string>> & Record<string, string | undefined>;

export interface ClerkVerificationJson {
  status?: string | null;
  strategy?: string | null;
}

export interface ClerkEmailAddressJson {
  id?: string;
  email_address: string;
  verification?: ClerkVerificationJson | null;
}

export interface ClerkPhoneNumberJson {
  id?: string;
  phone_number: string;
  verification?: ClerkVerificationJson | null;
  reserved_for_second_factor?: boolean;
  default_second_factor?: boolean;
}

export interface ClerkExternalAccountJson {
  id?: string;
  /** `oauth_google`, `oauth_github`, `oauth_custom_...`. */
  provider: string;
  provider_user_id: string;
  email_address?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  username?: string | null;
  verification?: ClerkVerificationJson | null;
}

export interface ClerkEnterpriseAccountJson {
  id?: string;
  /** `saml_okta`, `oidc_...`; `protocol` is `saml` or `oauth`. */
  provider?: string;
  protocol?: string;
  provider_user_id?: string | null;
  email_address?: string | null;
  active?: boolean;
  enterprise_connection?: { id?: string; name?: string } | null;
  enterprise_connection_id?: string | null;
}

export interface ClerkUserJson {
  id: string;
  object?: string;
  external_id?: string | null;
  username?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  image_url?: string | null;
  primary_email_address_id?: string | null;
  primary_phone_number_id?: string | null;
  email_addresses?: ClerkEmailAddressJson[];
  phone_numbers?: ClerkPhoneNumberJson[];
  web3_wallets?: unknown[];
  external_accounts?: ClerkExternalAccountJson[];
  enterprise_accounts?: ClerkEnterpriseAccountJson[];
  password_enabled?: boolean;
  totp_enabled?: boolean;
  backup_code_enabled?: boolean;
  two_factor_enabled?: boolean;
  public_metadata?: Record<string, unknown> | null;
  private_metadata?: Record<string, unknown> | null;
  unsafe_metadata?: Record<string, unknown> | null;
  banned?: boolean;
  locked?: boolean;
  created_at?: number | null;
  updated_at?: number | null;
  last_sign_in_at?: number | null;
  /** Epoch ms of the last password change; null without a password (@clerk/backend UserJSON). */
  password_last_updated_at?: number | null;
}

export interface ClerkOrganizationJson {
  id: string;
  object?: string;
  name: string;
  slug?: string | null;
  public_metadata?: Record<string, unknown> | null;
  private_metadata?: Record<string, unknown> | null;
  created_at?: number | null;
}

export interface ClerkMembershipJson {
  id?: string;
  object?: string;
  /** `org:admin`, `org:member`, or a custom `org:<key>`. */
  role: string;
  organization: { id: string };
  public_user_data: { user_id: string };
}

/** What `--api-dump` holds: the Backend API's lists, saved as they came. */
export interface ClerkApiDump {
  users?: ClerkUserJson[];
  organizations?: ClerkOrganizationJson[];
  memberships?: ClerkMembershipJson[];
}
