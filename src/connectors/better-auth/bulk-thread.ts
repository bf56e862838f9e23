import { Worker } from 'node:worker_threads';
import type { TableRow } from './bulk-sqlite.js';

/**
 * The Better Auth target's SQLite inserts on a thread of their own (bulk-thread-worker.ts), with a
 * connection of their own to the application's file. better-sqlite3 runs each transaction on the
 * calling thread: on the engine's thread, every batch's INSERTs were time the next batch's planning
 * and row building waited for; here they run on the other core meanwhile. The rows, the statements
 * and the one transaction per batch are those the in-thread writer uses (bulk-sqlite.ts); an error
 * comes back with the driver's code and message, for classifyDbError as before.
 */
export class SqliteInsertThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>();
  #seq = 0;
  #dead: Error | undefined;

  constructor(path: string) {
    this.#worker = new Worker(new URL('./bulk-thread-worker.js', import.meta.url), { workerData: { path } });
    // Idle, the thread does not keep the process alive (a command that never closes its target still
    // ends); a batch in flight does (#send refs it until the answer).
    this.#worker.unref();
    this.#worker.on('message', (m: { id: number; error?: { name: string; code?: string; message: string } }) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (!m.error) return p.resolve();
      const e = new Error(m.error.message) as Error & { code?: string };
      e.name = m.error.name;
      if (m.error.code) e.code = m.error.code;
      p.reject(e);
    });
    const fail = (e: Error) => {
      this.#dead ??= e;
      for (const p of this.#pending.values()) p.reject(this.#dead);
      this.#pending.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(Object.assign(new Error(`the SQLite insert thread stopped (exit code ${code})`), { code: 'SQLITE_IOERR_THREAD' })));
  }

  #send(message: { rows?: readonly TableRow[]; close?: true }): Promise<void> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = ++this.#seq;
    return new Promise<void>((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, ...message });
    });
  }

  insert(rows: readonly TableRow[]): Promise<void> {
    return this.#send({ rows });
  }

  async close(): Promise<void> {
    if (!this.#dead) await this.#send({ close: true }).catch(() => undefined);
    this.#dead ??= new Error('the SQLite insert thread is closed');
    await this.#worker.terminate();
  }
}
