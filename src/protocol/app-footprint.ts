/**
 * What a legacy provider's footprint in an application's source looks like, as data: which npm
 * packages are its SDK, what each exported name is (hook, component, server helper, ...), and
 * which environment variable names belong to it. Each source connector declares one; the
 * vendor-free scanner in src/app-code reads any of them.
 */

/** How a use of the provider's SDK is counted. `import` is the import declaration itself. */
export type AppUsageKind = 'import' | 'hook' | 'component' | 'serverHelper' | 'middleware' | 'webhookHandler' | 'client' | 'type';

export interface AppFootprint {
  /** The source vendor this footprint belongs to (`clerk`, `auth0`, ...). */
  vendor: string;
  displayName: string;
  /**
   * Module specifiers that are the provider's SDK: an exact name (`auth0`, `firebase/auth`) or a
   * scope prefix ending in `/` (`@clerk/`). A subpath of an exact name counts too
   * (`@auth0/nextjs-auth0/client`); a different package sharing a prefix does not.
   */
  modules: readonly string[];
  /**
   * Modules that hold only part of the SDK (`aws-amplify` is much more than Auth): imports from
   * these count only for the names listed in `symbols` (plus namespace members that are listed).
   */
  partialModules?: readonly string[];
  /** Exported names and what they are. Names not listed are classified by shape (useX = hook, JSX tag = component). */
  symbols: Readonly<Record<string, AppUsageKind>>;
  /** Where one name means different things in different modules (`getAuth` of firebase-admin/auth is server-side). */
  moduleSymbols?: Readonly<Record<string, Readonly<Record<string, AppUsageKind>>>>;
  /**
   * Names that mark a webhook or trigger handler even when they come from another package
   * (svix's `Webhook` in a file that reads the provider's webhook secret, AWS Lambda trigger types).
   */
  webhookMarkers?: readonly { module: string; names: readonly string[]; requiresEnvVar?: boolean }[];
  /** An environment variable belongs to the provider when its name contains one of these. */
  envVarMarkers: readonly string[];
}
