import type { SsoConnection } from './sso.js';

/**
 * How `flagless sso inventory` reads one legacy provider's enterprise connections: its API into a
 * dump (the vendor's own shapes, with every secret left out), and a dump into `SsoConnection`s.
 * The dump is what `--save-dump` writes and `--dump` reads, so an inventory can be taken again
 * without credentials.
 */
export interface SsoDump {
  /** The registry key of the legacy vendor the dump came from. */
  vendor: string;
  /** ISO 8601 time the API was read. */
  takenAt: string;
  [key: string]: unknown;
}

export interface SsoReadOptions {
  /** Environment holding the vendor's credentials (each connector reads its own names). */
  env?: Record<string, string | undefined>;
  /** Override the vendor API base URL (a local simulator, a proxy). */
  apiUrl?: string;
}

export interface SsoMapOptions {
  /**
   * The host the customers' IdPs post to when it is not the vendor's own (a custom domain):
   * the legacy ACS and callback URLs are built on it.
   */
  legacyHost?: string;
}

export interface SsoMapResult {
  connections: SsoConnection[];
  /** What could not be read or mapped, one sentence each (no secret). */
  warnings: string[];
}

export interface SsoSourceReader {
  /** Reads the vendor's API; refused credentials are E_SOURCE_API fatal or E_USAGE. */
  readApi(options: SsoReadOptions): Promise<SsoDump>;
  /** Maps a dump (from readApi, or a saved file) to connections. Pure. */
  connections(dump: SsoDump, options: SsoMapOptions): SsoMapResult;
}
