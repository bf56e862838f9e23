// Better Auth on SQLite (a file in a temp folder) and on PostgreSQL (127.0.0.1:5432, database `test`,
// a schema of its own dropped afterwards). A database has no 429; "unavailable" is the SQLite file
// locked by another process, or every PostgreSQL connection dropped (a TCP proxy in between).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { target } from '../../src/connectors/better-auth/index.js';
import { startTcpFaultProxy } from '../helpers/fault-proxy.js';
import { runTargetConformance } from './target-suite.js';

runTargetConformance({
  name: 'better-auth (sqlite)',
  capabilities: target.capabilities,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'flagless-conf-ba-'));
    const file = join(dir, 'auth.db');
    const opened = await target.open({ env: {}, db: file }).catch((e: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    });
    return {
      target: opened,
      faults: {
        // Another process holds the write lock past the target's busy timeout.
        unavailable: async () => {
          const other = new Database(file);
          other.pragma('busy_timeout = 0');
          other.exec('BEGIN IMMEDIATE');
          return async () => {
            other.exec('ROLLBACK');
            other.close();
          };
        },
      },
      async close() {
        await opened.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

const PG = new URL(process.env.FLAGLESS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test');

runTargetConformance({
  name: 'better-auth (postgres)',
  capabilities: target.capabilities,
  async open() {
    const schema = `arch_conf_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG.href });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const proxy = await startTcpFaultProxy(PG.hostname, Number(PG.port || 5432));
    const url = new URL(PG.href);
    url.hostname = proxy.host;
    url.port = String(proxy.port);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const opened = await target.open({ env: {}, db: url.href }).catch(async (e: unknown) => {
      await proxy.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
      throw e;
    });
    return {
      target: opened,
      faults: {
        unavailable: async () => {
          proxy.cut();
          return async () => proxy.heal();
        },
      },
      async close() {
        try {
          await opened.close();
          await proxy.close();
        } finally {
          await admin.query(`DROP SCHEMA ${schema} CASCADE`);
          await admin.end();
        }
      },
    };
  },
});
