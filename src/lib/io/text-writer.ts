/**
 * A file written as a stream of strings, with backpressure, for generators that write exports of
 * a million users: text is gathered into ~256 KiB writes, and when the OS buffer is full the
 * producer waits for 'drain' instead of piling the whole export up in memory. Write failures
 * (a missing directory, no permission) become E_USAGE naming the path.
 *
 * Two ways to write: `await write(text)` flushes by itself; in a hot loop, `add(text)` (synchronous,
 * no promise per call) and `if (w.full) await w.flush()` once per record.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { FlaglessError } from '../../protocol/errors.js';

const FLUSH_CHARS = 256 * 1024;

export class TextFileWriter {
  readonly path: string;
  readonly #stream: WriteStream;
  #parts: string[] = [];
  #chars = 0;
  #error: unknown;

  constructor(path: string) {
    this.path = path;
    this.#stream = createWriteStream(path, { encoding: 'utf8' });
    this.#stream.on('error', (e) => (this.#error ??= e));
  }

  /** Buffers `text`; never waits. Call `flush` when `full`. */
  add(text: string): void {
    this.#parts.push(text);
    this.#chars += text.length;
  }

  /** Enough is buffered for one write. */
  get full(): boolean {
    return this.#chars >= FLUSH_CHARS;
  }

  async write(text: string): Promise<void> {
    this.add(text);
    if (this.full) await this.flush();
  }

  async flush(): Promise<void> {
    this.#check();
    if (this.#parts.length === 0) return;
    const chunk = this.#parts.join('');
    this.#parts = [];
    this.#chars = 0;
    if (!this.#stream.write(chunk)) {
      try {
        await once(this.#stream, 'drain'); // rejects if the stream fails meanwhile
      } catch (e) {
        this.#error ??= e;
      }
    }
    this.#check();
  }

  async close(): Promise<void> {
    await this.flush();
    this.#stream.end();
    try {
      await finished(this.#stream);
    } catch (e) {
      this.#error ??= e;
    }
    this.#check();
  }

  /** Abandons the file (after a failure elsewhere): nothing more is written. */
  destroy(): void {
    this.#parts = [];
    this.#stream.destroy();
  }

  #check(): void {
    if (this.#error !== undefined) {
      const code = (this.#error as NodeJS.ErrnoException).code ?? 'write error';
      throw new FlaglessError('E_USAGE', `cannot write ${this.path}: ${code}.`, { cause: this.#error });
    }
  }
}
