import type { DoctorCheck, DoctorContext, TargetDoctor } from '../../protocol/doctor.js';
import { createFlaglessAuth, openDatabase } from './app.js';

/** Better Auth: the database holds Better Auth's tables and the columns flagless's plugin adds. */
export const betterAuthDoctor: TargetDoctor = {
  async checks(ctx: DoctorContext): Promise<DoctorCheck[]> {
    if (!ctx.db) return [{ id: 'better-auth.database', status: 'fail', message: 'no database given', fix: 'pass --db <sqlite file or postgres:// URL> of the application' }];
    let database;
    try {
      database = openDatabase(ctx.db);
    } catch (e) {
      return [{ id: 'better-auth.database', status: 'fail', message: `cannot open ${ctx.db}: ${(e as Error).message}`, fix: 'check the path or URL' }];
    }
    try {
      const auth = createFlaglessAuth(database.handle, {});
      const { getMigrations } = await import('better-auth/db/migration');
      const { toBeCreated, toBeAdded } = await getMigrations(auth.options);
      const out: DoctorCheck[] = [{ id: 'better-auth.database', status: 'ok', message: `the database opens` }];
      const missingTables = toBeCreated.map((t) => t.table);
      const missingColumns = toBeAdded.flatMap((t) => Object.keys(t.fields).map((f) => `${t.table}.${f}`));
      out.push(
        missingTables.length
          ? { id: 'better-auth.schema', status: 'fail', message: `Better Auth's tables are missing: ${missingTables.join(', ')}`, fix: 'run the Better Auth CLI migration (npx @better-auth/cli migrate) with the same plugins, or let `flagless migrate --to better-auth` create them' }
          : { id: 'better-auth.schema', status: 'ok', message: "Better Auth's tables are there" },
      );
      out.push(
        missingColumns.length
          ? { id: 'better-auth.flagless-columns', status: 'fail', message: `columns missing: ${missingColumns.join(', ')}`, fix: "add flaglessImport() from 'flagless/better-auth' to the app's plugins and migrate again (the columns hold the imported hashes and source ids)" }
          : { id: 'better-auth.flagless-columns', status: 'ok', message: "the flagless plugin's columns are there" },
      );
      return out;
    } catch (e) {
      return [{ id: 'better-auth.database', status: 'fail', message: `cannot read the schema of ${ctx.db}: ${(e as Error).message}` }];
    } finally {
      await database.close().catch(() => undefined);
    }
  },
};
