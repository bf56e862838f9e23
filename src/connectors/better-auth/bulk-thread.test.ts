import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { classifyDbError } from './db-errors.js';
import { SqliteInsertThread } from './bulk-thread.js';

function file(): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'flagless-bulk-thread-'));
  const path = join(dir, 'app.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE "user" (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE); CREATE TABLE account (id TEXT PRIMARY KEY, userId TEXT NOT NULL REFERENCES "user"(id))`);
  db.close();
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('SQLite inserts on their own thread', () => {
  it('commits a batch in one transaction, in order; a failing row rolls the whole batch back with the driver code', async () => {
    const f = file();
    const thread = new SqliteInsertThread(f.path);
    const reader = new Database(f.path, { readonly: true });
    try {
      await thread.insert([
        { table: 'user', row: { id: 'u1', email: 'a@example.com' } },
        { table: 'account', row: { id: 'a1', userId: 'u1' } },
      ]);
      assert.deepEqual(reader.prepare('SELECT id FROM "user"').all(), [{ id: 'u1' }], 'visible to another connection once answered');
      const failed = await thread
        .insert([
          { table: 'user', row: { id: 'u2', email: 'b@example.com' } },
          { table: 'user', row: { id: 'u3', email: 'a@example.com' } },
        ])
        .then(() => undefined, (e: unknown) => e);
      assert.equal((failed as { code?: string }).code, 'SQLITE_CONSTRAINT_UNIQUE');
      assert.equal(classifyDbError(failed, 'creating 2 users').code, 'E_TARGET_CONFLICT', 'classified as the in-thread error was');
      assert.equal((reader.prepare('SELECT COUNT(*) AS n FROM "user"').get() as { n: number }).n, 1, 'the failed batch left nothing');
    } finally {
      reader.close();
      await thread.close();
      f.cleanup();
    }
    await assert.rejects(thread.insert([{ table: 'user', row: { id: 'u9', email: 'z@example.com' } }]), /closed/);
  });

  it('an idle thread does not keep the process alive (a command that never closes its target still ends)', () => {
    const f = file();
    try {
      const module = fileURLToPath(new URL('./bulk-thread.js', import.meta.url));
      const script = `import(${JSON.stringify(module)}).then(async ({ SqliteInsertThread }) => { const t = new SqliteInsertThread(${JSON.stringify(f.path)}); await t.insert([{ table: 'user', row: { id: 'u1', email: 'a@example.com' } }]); console.log('inserted'); });`;
      const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(out.trim(), 'inserted');
    } finally {
      f.cleanup();
    }
  });
});
