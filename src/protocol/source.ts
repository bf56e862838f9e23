import type { CanonicalUser, Organization } from '../model/user.js';
import type { Problem } from './problem.js';

export const SOURCE_VENDORS = ['clerk', 'auth0', 'firebase', 'cognito'] as const;
export type SourceVendor = (typeof SOURCE_VENDORS)[number];

/** What a source reader yields, in file order. Organizations may come before or after their members. */
export type SourceItem =
  | { type: 'user'; user: CanonicalUser; file?: string; line?: number }
  | { type: 'organization'; organization: Organization; file?: string; line?: number }
  | { type: 'problem'; problem: Problem };

export interface SourceOptions {
  /** The main export file (CSV, NDJSON, JSON). Absent for API reads. */
  file?: string;
  /** A separate password-hash file (Auth0's support export). */
  passwords?: string;
  /** The project's hash parameters (Firebase: signer key, salt separator, rounds, memory cost). */
  hashConfig?: string;
  /**
   * JSON saved from the vendor's API (`{users, organizations, memberships}` in the vendor's own
   * API shapes), joined to the file export by user id: it carries what file exports lack
   * (social links, metadata, organizations and roles).
   */
  apiDump?: string;
  /** Read through the vendor's API instead of a file. */
  api?: boolean;
  /** Environment for API credentials (CLERK_SECRET_KEY, AUTH0_DOMAIN, ...). Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Override the vendor API base URL (for tests against a local simulator). */
  apiUrl?: string;
}

export interface Source {
  readonly vendor: SourceVendor;
  /** Streams the export: constant memory in the number of users (except what a join requires). */
  read(): AsyncIterable<SourceItem>;
}

export interface SourceConnector {
  readonly vendor: SourceVendor;
  readonly displayName: string;
  /** Human description of the inputs it reads, for help text. */
  readonly formats: string;
  /**
   * Looks at the first bytes of a file and says whether it is this vendor's export.
   * Used to name the right vendor when a file is passed to the wrong `--from`.
   */
  sniff(head: string): boolean;
  open(options: SourceOptions): Source;
}
