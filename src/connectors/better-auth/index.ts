/**
 * Better Auth as a migration target: `--to better-auth --db PATH` (a SQLite file, created with
 * Better Auth's schema when missing) or `--db postgres://...`. Better Auth and the database
 * drivers load only when the target is opened.
 *
 * Environment: BETTER_AUTH_SECRET (the application's, optional: flagless signs no cookie anyone
 * keeps) and BETTER_AUTH_URL (optional, never contacted).
 */
import { FlaglessError } from '../../protocol/errors.js';
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
  try {
    const { auth, database } = await openFlaglessAuth(db, { secret: options.env.BETTER_AUTH_SECRET, baseURL: options.env.BETTER_AUTH_URL });
    try {
      return new BetterAuthTarget(auth, await auth.$context, database);
    } catch (e) {
      await database.close().catch(() => undefined);
      throw e;
    }
  } catch (e) {
    throw classifyDbError(e, 'opening the Better Auth database', 'open');
  }
}

export const target = { name: 'better-auth', capabilities: betterAuthCapabilities, open } satisfies TargetConnector;
