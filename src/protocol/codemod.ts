/**
 * A codemod from one provider's SDK to another's, as data. A target connector declares one per
 * legacy provider and framework (`src/connectors/workos/codemod-from-clerk.ts`); the vendor-free
 * engine in src/app-code/codemod applies any of them.
 */

export type AppFramework = 'nextjs' | 'react';

/** What the codemod leaves for a person, with the page of the target's documentation to read. */
export interface TodoNote {
  text: string;
  docs: string;
}

/**
 * Where a replacement comes from: an npm module, or `~/path` (no extension) for a support file
 * the codemod writes into the application (resolved relative to the source folder).
 */
export interface ImportTarget {
  module: string;
  /** The exported name to import. */
  name: string;
  /** Use a member of the import (`authClient.useSession`) instead of the import itself. */
  member?: string;
}

/**
 * How a destructured property of the legacy call's result maps to the target's: a property name
 * of the target's result (renamed in the pattern), or an expression over the target's properties
 * (`!${loading}`: each `${name}` becomes the local bound to that property, added to the pattern).
 */
export type BindingRule = string | { expr: string };

export interface ReplaceRule {
  action: 'replace';
  to: ImportTarget;
  /** Replaces the whole call (`currentUser()` → `withAuth().then(({ user }) => user)`); imports in `imports`. */
  callTemplate?: string;
  /** For a component: the attributes it takes instead of the legacy one's (dropped ones are reported). */
  jsxProps?: string;
  /** For a hook or helper whose result is destructured. Properties not listed are reported as TODOs. */
  bindings?: Readonly<Record<string, BindingRule>>;
  /** Destructured properties (or the call result) that are the user object, whose fields `userFields` renames. */
  userBindings?: readonly string[];
  resultIsUser?: boolean;
  /** Extra imports the replacement needs. */
  imports?: readonly ImportTarget[];
  /** Something to check by hand even though the rewrite is mechanical. */
  note?: TodoNote;
}

export interface TodoRule {
  action: 'todo';
  note: TodoNote;
}

export type SymbolRule = ReplaceRule | TodoRule;

export interface SupportFile {
  /** Relative to the source folder (`src/` when the app has one). */
  path: string;
  content: string;
  /** Also written when the application has no use that imports it (a callback route, a server config). */
  always?: boolean;
}

export interface CodemodRules {
  from: string;
  to: string;
  framework: AppFramework;
  /** Modules of the legacy SDK: exact names or scope prefixes ending in `/`. */
  legacyModules: readonly string[];
  symbols: Readonly<Record<string, SymbolRule>>;
  /** For legacy names the table does not list. */
  unknownSymbol: TodoNote;
  /** Field renames on the user object (`imageUrl` → `profilePictureUrl`); a TodoNote where there is none. */
  userFields: Readonly<Record<string, string | TodoNote>>;
  packages: { add: Readonly<Record<string, string>> };
  env: {
    /** A variable whose name contains one of these belongs to the legacy provider. */
    legacyMarkers: readonly string[];
    /** Added to .env.example files (placeholders, never real values). */
    add: readonly { name: string; placeholder: string; comment: string }[];
    /** Left at each code reference to a legacy variable. */
    note: TodoNote;
  };
  supportFiles: readonly SupportFile[];
}
