/**
 * Better Auth as a migration target: `--to better-auth --db PATH` (a SQLite file, created with
 * Better Auth's schema when missing) or `--db postgres://...`. Better Auth and the database
 * drivers load only when the target is opened.
 *
 * Environment: BETTER_AUTH_SECRET (the application's, optional: flagless signs no cookie anyone
 * keeps) and BETTER_AUTH_URL (optional, never contacted). BETTER_AUTH_RESET_SENDER: a JavaScript
 * module whose `sendResetPassword` export (or default export) is the application's own Better Auth
 * `emailAndPassword.sendResetPassword`, for `flagless finish` (loaded only when set).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FlaglessError } from '../../protocol/errors.js';
import type { ResetPasswordSender } from './app.js';
import type { Target, TargetConnector, TargetOptions } from '../../protocol/target.js';
import { betterAuthCapabilities } from './capabilities.js';

async function open(options: TargetOptions): Promise<Target> {
  const db = options.db?.trim();
  if (!db) {
    throw new FlaglessError('E_USAGE', 'the better-auth target needs --db PATH (a SQLite file, created if missing) or --db postgres://USER@HOST/DB', { errorClass: 'fatal' });
  }
  const [{ openFlaglessAuth }, { BetterAuthTarget }, { classifyDbError }] = await Promise.all([
    import('./app.js'),
    import('./target.js'),
    import('./db-errors.js'),
  ]);
  const senderPath = options.env.BETTER_AUTH_RESET_SENDER?.trim();
  const sender = senderPath ? await loadResetSender(senderPath) : undefined;
  try {
    // What the application's sender did, by user id: the link it was handed (kept for
    // `finish --links-out`), or its failure. Better Auth swallows a sender's error (it only logs it,
    // context `runInBackgroundOrAwait`), so the outcome is read from here, not from the call.
    const outcomes = new Map<string, { link: string } | { error: string }>();
    const sendResetPassword = sender
      ? async (data: Parameters<ResetPasswordSender>[0], request?: Request) => {
          try {
            await sender(data, request);
            outcomes.set(data.user.id, { link: data.url });
          } catch (e) {
            outcomes.set(data.user.id, { error: (e as Error)?.message ?? String(e) });
          }
        }
      : undefined;
    const { auth, database } = await openFlaglessAuth(db, { secret: options.env.BETTER_AUTH_SECRET, baseURL: options.env.BETTER_AUTH_URL, ...(sendResetPassword ? { sendResetPassword } : {}) });
    try {
      return new BetterAuthTarget(auth, await auth.$context, database, sender ? { outcomes, redirectTo: options.env.BETTER_AUTH_RESET_REDIRECT?.trim() || undefined } : undefined);
    } catch (e) {
      await database.close().catch(() => undefined);
      throw e;
    }
  } catch (e) {
    throw classifyDbError(e, 'opening the Better Auth database', 'open');
  }
}

/** Loads the application's reset sender module (BETTER_AUTH_RESET_SENDER); E_USAGE when it has none. */
async function loadResetSender(modulePath: string): Promise<ResetPasswordSender> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path.resolve(modulePath)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new FlaglessError('E_USAGE', `BETTER_AUTH_RESET_SENDER: cannot load ${modulePath}: ${(e as Error).message}`);
  }
  const fn = mod.sendResetPassword ?? mod.default;
  if (typeof fn !== 'function') throw new FlaglessError('E_USAGE', `BETTER_AUTH_RESET_SENDER: ${modulePath} exports no sendResetPassword function (the one the application passes to Better Auth's emailAndPassword.sendResetPassword)`);
  return fn as ResetPasswordSender;
}

export const target = { name: 'better-auth', capabilities: betterAuthCapabilities, open } satisfies TargetConnector;
