import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { insertGroupsSqlite, type TableRow } from './bulk-sqlite.js';

/**
 * The worker side of bulk-thread.ts: its own connection to the application's SQLite file (WAL, the
 * application's busy timeout), each batch of rows inserted in one transaction, in arrival order.
 */
const port = parentPort!;
const db = new Database((workerData as { path: string }).path);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
const statements = new Map<string, Database.Statement>();

port.on('message', (m: { id: number; rows?: TableRow[]; close?: true }) => {
  if (m.close) {
    db.close();
    port.postMessage({ id: m.id });
    return;
  }
  try {
    insertGroupsSqlite(db, statements, m.rows!);
    port.postMessage({ id: m.id });
  } catch (e) {
    // The driver's code and message (classifyDbError sorts them; it never quotes values).
    const err = e as { name?: string; code?: unknown; message?: string };
    port.postMessage({ id: m.id, error: { name: err.name ?? 'Error', code: typeof err.code === 'string' ? err.code : undefined, message: err.message ?? String(e) } });
  }
});
