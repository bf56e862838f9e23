/**
 * `flagless/better-auth`: what an application adds to its Better Auth config so that users
 * imported by flagless sign in with the passwords they already have.
 *
 * The two lines:
 *
 * ```ts
 * import { flaglessImport } from 'flagless/better-auth';
 * export const auth = betterAuth({ ..., plugins: [organization(), flaglessImport()] });
 * ```
 *
 * then run Better Auth's migration once (`npx auth@latest migrate`, per better-auth.com/docs/concepts/cli,
 * or `getMigrations` from `better-auth/db/migration`), which adds the plugin's two user columns if
 * flagless did not create the database itself.
 *
 * What the plugin does:
 * - Verifies every hash flagless imports (bcrypt, argon2, scrypt, Firebase scrypt, PBKDF2, salted
 *   SHA, MD5, ...) with flagless's own verifiers; Better Auth's native `salt:key` scrypt hashes, and
 *   anything flagless does not recognise, still go to the verifier configured before it (Better
 *   Auth's default, or the application's own `emailAndPassword.password.verify`).
 * - After the first successful sign-in (`/sign-in/email`, `/sign-in/username`,
 *   `/sign-in/phone-number`), replaces the imported hash with the application's native one
 *   (`password.hash`, by default Better Auth's scrypt), so the old algorithm is gone after one login.
 *   It re-hashes only when the sign-in succeeded AND the plaintext verifies against the stored
 *   imported hash again, and only if that hash is still the stored one (compare-and-set); a wrong
 *   password never re-hashes. A bcrypt hash is never re-hashed from a password longer than 72 bytes
 *   (bcrypt ignored the rest, so the typed text may differ from the real password); it stays.
 *   Hashes above flagless's default cost ceiling (model/password/cost.ts) are refused unverified.
 *   A failed re-hash never fails the sign-in. The plaintext is never logged.
 * - Declares two user columns: `publicMetadata` (JSON string, returned with the user like any
 *   field) and `privateMetadata` (JSON string, `returned: false`: it never leaves the server).
 *   flagless writes the source's public and private metadata there. Without the plugin the columns
 *   still exist in the database but Better Auth ignores them, and a schema generator (Prisma,
 *   Drizzle) that works from the config would drop them: that is where metadata would be lost.
 *
 * Ids: flagless gives each imported user and organization its source id as Better Auth id, so the
 * application's foreign keys can keep pointing at the same ids.
 *
 * An application whose `password.hash` is not Better Auth's default passes `isNativeHash` so that
 * its own hashes are not re-hashed at every sign-in. `flaglessPasswords()` is the same verifier as
 * plain `emailAndPassword.password` options, for an application that cannot add a plugin; it does
 * not re-hash.
 */
import type { BetterAuthPlugin } from 'better-auth';
import { createAuthMiddleware, isAPIError } from 'better-auth/api';
import { hashPassword as betterAuthHash, verifyPassword as betterAuthVerify } from 'better-auth/crypto';
import { DEFAULT_HASH_COST_CEILING, detectHash, hashCostExcess, ignoresPartOf, verifyPassword as verifyImportedHash } from '../../model/password/index.js';
import type { PasswordHash } from '../../model/password/types.js';
import { CREDENTIAL_PROVIDER } from './map.js';

type VerifyFn = (data: { hash: string; password: string }) => Promise<boolean>;

/** Better Auth's own scrypt format: 16 random bytes as 32 hex chars, `:`, a 64-byte key as 128 hex. */
const NATIVE_HASH = /^[0-9a-f]{32}:[0-9a-f]{128}$/i;

export function isBetterAuthNativeHash(stored: string): boolean {
  return NATIVE_HASH.test(stored);
}

/** The stored string as a hash flagless imported, or undefined for native and unknown formats. */
export function importedHash(stored: string): PasswordHash | undefined {
  if (isBetterAuthNativeHash(stored)) return undefined;
  try {
    return detectHash(stored) ?? undefined;
  } catch {
    return undefined;
  }
}

async function verifyImported(hash: PasswordHash, plaintext: string): Promise<boolean> {
  // A hash above the cost ceiling (a cost bomb in the export) would hold the server for minutes
  // or years: it is refused unverified, like a wrong password (migrate never imports one).
  if (hashCostExcess(hash, DEFAULT_HASH_COST_CEILING)) return false;
  try {
    return await verifyImportedHash(hash, plaintext);
  } catch {
    // A hash the model parsed but cannot check (bad parameters) is a failed sign-in, not a 500.
    return false;
  }
}

/** Wraps a Better Auth verify: imported hashes go to flagless's verifiers, the rest to `fallback`. */
export function withImportedHashes(fallback: VerifyFn): VerifyFn {
  return async ({ hash, password }) => {
    const imported = importedHash(hash);
    return imported ? verifyImported(imported, password) : fallback({ hash, password });
  };
}

/** `emailAndPassword.password` options that verify imported hashes (no re-hash; prefer the plugin). */
export function flaglessPasswords(): { hash: (password: string) => Promise<string>; verify: VerifyFn } {
  return { hash: (password) => betterAuthHash(password), verify: withImportedHashes(betterAuthVerify) };
}

/** The user columns flagless writes; the plugin declares them so Better Auth reads and migrates them. */
export const FLAGLESS_USER_FIELDS = {
  publicMetadata: { type: 'string', required: false, input: false },
  privateMetadata: { type: 'string', required: false, input: false, returned: false },
} as const;

const SIGN_IN_PATHS: ReadonlySet<string> = new Set(['/sign-in/email', '/sign-in/username', '/sign-in/phone-number']);

export interface FlaglessImportOptions {
  /** Re-hash imported hashes on the first successful sign-in (default true). */
  rehash?: boolean;
  /** Which stored hashes are already the application's own (default: Better Auth's `salt:key` scrypt). */
  isNativeHash?: (stored: string) => boolean;
}

export function flaglessImport(options: FlaglessImportOptions = {}) {
  const isNative = options.isNativeHash ?? isBetterAuthNativeHash;
  const rehash = options.rehash ?? true;
  return {
    id: 'flagless-import',
    schema: { user: { fields: FLAGLESS_USER_FIELDS } },
    init(ctx) {
      // Replaces context.password whole (Better Auth merges plugin context with Object.assign),
      // keeping the configured hash, limits and checks.
      return { context: { password: { ...ctx.password, verify: withImportedHashes(ctx.password.verify) } } };
    },
    hooks: {
      after: [
        {
          matcher: (ctx) => rehash && ctx.path !== undefined && SIGN_IN_PATHS.has(ctx.path),
          handler: createAuthMiddleware(async (ctx) => {
            const returned: unknown = ctx.context.returned;
            if (returned instanceof Error || isAPIError(returned)) return;
            const userId = ctx.context.newSession?.user.id;
            const body: unknown = ctx.body;
            const plaintext = typeof body === 'object' && body !== null ? (body as { password?: unknown }).password : undefined;
            if (!userId || typeof plaintext !== 'string') return;
            try {
              const account = await ctx.context.internalAdapter.findCredentialAccount(userId);
              const stored = account?.password;
              if (!account || typeof stored !== 'string' || isNative(stored)) return;
              const imported = importedHash(stored);
              // Belt and braces: the session proves a successful sign-in, and the plaintext must
              // still verify against this very hash before it replaces it.
              if (!imported || !(await verifyImported(imported, plaintext))) return;
              // bcrypt checked only the first 72 bytes: the typed text may differ from the real
              // password after them, and re-hashing it would lock the real password out. The
              // imported hash stays (it keeps accepting the real password).
              if (ignoresPartOf(imported.algorithm, plaintext)) {
                ctx.context.logger.info('flagless-import: kept the imported bcrypt hash (the password is longer than the 72 bytes bcrypt checks)');
                return;
              }
              const fresh = await ctx.context.password.hash(plaintext);
              await ctx.context.adapter.update({
                model: 'account',
                where: [
                  { field: 'id', value: account.id },
                  { field: 'providerId', value: CREDENTIAL_PROVIDER },
                  { field: 'password', value: stored },
                ],
                update: { password: fresh, updatedAt: new Date() },
              });
            } catch (e) {
              // The imported hash stays and keeps verifying; only the error's name is logged.
              ctx.context.logger.error(`flagless-import: could not re-hash an imported password (${e instanceof Error ? e.name : 'error'})`);
            }
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
