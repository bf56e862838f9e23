import { AbortedError, Semaphore } from './concurrency.js';

/**
 * Runs record tasks with a bound on how many are open at once, so a streamed batch is consumed
 * only as fast as it is written (memory stays bounded). The first non-abort error a task throws
 * (a fatal target error, a broken ledger) aborts the pool and is rethrown by `drain()`.
 */
export class TaskPool {
  readonly #slots: Semaphore;
  readonly #running = new Set<Promise<void>>();
  readonly #controller: AbortController;
  #error: unknown;

  constructor(size: number, controller: AbortController) {
    this.#slots = new Semaphore(size);
    this.#controller = controller;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get error(): unknown {
    return this.#error;
  }

  /** Waits for a free slot, then starts `task` without waiting for it. Throws AbortedError once aborted. */
  async spawn(task: () => Promise<void>): Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    await this.#slots.acquire(this.#controller.signal);
    const p: Promise<void> = (async () => {
      try {
        await task();
      } catch (e) {
        if (!(e instanceof AbortedError) && this.#error === undefined) {
          this.#error = e;
          this.#controller.abort();
        }
      } finally {
        this.#slots.release();
      }
    })();
    void p.then(() => this.#running.delete(p));
    this.#running.add(p);
  }

  /** Waits for every started task; rethrows the first error one of them threw. */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
    if (this.#error !== undefined) throw this.#error;
  }
}
