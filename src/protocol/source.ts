import type { SourceSync } from './sync.js';
import type { CanonicalUser, Organization } from '../model/user.js';
import type { LegacyLoginFactory } from './legacy.js';
import type { Problem } from './problem.js';

/**
 * A source vendor's name: a key of the connector registry (`src/connectors/index.ts`), which is
 * the one list of the vendors this build reads.
 */
export type SourceVendor = string;

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

/** Bytes [start, end) of the main export file; no `end`: to the end of the file. */
export interface ByteRange {
  start: number;
  end?: number;
}

/** One read of a source that can be read again, and maybe in parts (see `Source.partition`). */
export interface PartRead {
  range: ByteRange;
  /**
   * The engine's repeated-id check, used instead of the reader's own in-memory one (whose memory
   * grows with the users): the line of the id's first holder (0 when unknown) when this record
   * must be skipped as a repeat, otherwise undefined. The engine finds repeats after a first read
   * and reads again the parts that hold them, so on a first read this is always undefined.
   */
  repeatedId(id: string, line: number): number | undefined;
  /** The reader says how many lines its range held (blank ones included): line numbers of later parts follow on. */
  linesRead(lines: number): void;
}

export interface Source {
  readonly vendor: SourceVendor;
  /**
   * What this read cannot contain at all (a kind of file export that lacks it), and how to get it:
   * `assess` says so instead of counting zero.
   */
  readonly absent?: { readonly fields: readonly string[]; readonly how: string };
  /** Streams the export: constant memory in the number of users (except what a join requires). */
  read(): AsyncIterable<SourceItem>;
  /**
   * For an export file that can be read more than once: the byte ranges to read it in (at most
   * `maxParts`, one range = the whole file in one read, each starting at a line), or undefined
   * when it can only be read once with `read()` (an API, a pipe). Parts are read with `readPart`,
   * possibly at the same time in other threads, and their line numbers are local to the part.
   * With more than one range, every line a part reports (in problems too) is a line of the main
   * file, and repeated ids go through `PartRead.repeatedId`. `minPartBytes`: no smaller range.
   * `firstExtraBytes`: the first range is about this much larger than an even share (its reader
   * starts sooner than the others).
   */
  partition?(maxParts: number, minPartBytes?: number, firstExtraBytes?: number): Promise<ByteRange[] | undefined>;
  /** One part's items in file order, in batches (a reader yields what it has, one async step per batch). */
  readPart?(part: PartRead): AsyncIterable<readonly SourceItem[]>;
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
  /** The vendor's login API for the gateway's legacy side, when it has one flagless can call. */
  readonly legacy?: LegacyLoginFactory;
  /**
   * Saves the vendor's API (users, organizations, memberships, in its own API shapes) to the JSON
   * dump that `apiDump` reads, resumably: see `ExportApiOptions`.
   */
  readonly exportApi?: (options: ExportApiOptions) => Promise<ExportApiResult>;
  /** Sync while both providers run: webhook verification and single-record reads. */
  readonly sync?: SourceSync;
}

/** Where an API dump goes, and how to reach the API. */
export interface ExportApiOptions {
  /** The dump's path; it is written to `<out>.partial` (checkpoint `<out>.partial.json`) and renamed when complete. */
  out: string;
  /** Environment for API credentials. Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Override the vendor API base URL (a local simulator). */
  apiUrl?: string;
  /** Records per page (default: the vendor's maximum). */
  pageSize?: number;
  /** Stops between pages: the checkpoint stays, and the same call resumes. */
  signal?: AbortSignal;
  /** Called after each page is safely written. */
  onProgress?: (progress: ExportApiProgress) => void;
}

export interface ExportApiCounts {
  users: number;
  organizations: number;
  memberships: number;
}

export interface ExportApiProgress {
  /** The list being read (`users`, `organizations`, `memberships`). */
  section: string;
  counts: ExportApiCounts;
}

export interface ExportApiResult {
  /** The complete dump's path. */
  out: string;
  counts: ExportApiCounts;
  /** True when this call continued from a checkpoint a stopped run left. */
  resumed: boolean;
  /** What the dump could not hold in full, and why (a plan feature not granted, an API limit). */
  warnings?: string[];
}
