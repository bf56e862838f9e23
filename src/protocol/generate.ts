/** Options every vendor's export generator takes (`flagless generate <vendor> ...`). */
export interface GenerateOptions {
  users: number;
  /** The main export file to write. */
  out: string;
  seed: number | string;
  /**
   * Where to write the known plaintexts: a CSV with header `identifier,password` (identifier =
   * primary email, or username when there is none), the same format `verify --logins` reads; a
   * generator of users with TOTP factors adds a `totp_secret` column (base32, empty for the others).
   */
  plaintexts?: string;
  /** Leave out the deliberate traps (duplicate emails, unknown hashers, orphans, ...). */
  clean?: boolean;
  /** Progress callback (users written so far). */
  onProgress?: (written: number) => void;
}

export interface GenerateResult {
  /** Every file written, main export first (Auth0 adds a password file, Firebase a hash config). */
  files: { role: 'export' | 'passwords' | 'hash-config' | 'api-dump' | 'plaintexts'; path: string }[];
  users: number;
  organizations: number;
  /** What traps were planted, by name, with counts, so tests can assert that assess finds them. */
  traps: Record<string, number>;
}

export type Generator = (options: GenerateOptions) => Promise<GenerateResult>;
