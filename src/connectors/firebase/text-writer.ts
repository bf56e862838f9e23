/**
 * A file written as a stream of strings, with backpressure: text is gathered into ~256 KiB
 * writes, and when the OS buffer is full the producer waits for 'drain' instead of piling the
 * whole export up in memory.
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
    this.#stream.on('error', (e) => (this.#error = e));
  }

  async write(text: string): Promise<void> {
    this.#parts.push(text);
    this.#chars += text.length;
    if (this.#chars >= FLUSH_CHARS) await this.#flush();
  }

  async #flush(): Promise<void> {
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
    await this.#flush();
    this.#stream.end();
    try {
      await finished(this.#stream);
    } catch (e) {
      this.#error ??= e;
    }
    this.#check();
  }

  #check(): void {
    if (this.#error !== undefined) {
      const code = (this.#error as NodeJS.ErrnoException).code ?? 'write error';
      throw new FlaglessError('E_USAGE', `cannot write ${this.path}: ${code}.`, { cause: this.#error });
    }
  }
}

/** A CSV field, quoted only when it must be (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** `users.json` → `users.<suffix>`: where side files of a generated export go. */
export function sidePath(out: string, suffix: string): string {
  const slash = Math.max(out.lastIndexOf('/'), out.lastIndexOf('\\'));
  const dot = out.lastIndexOf('.');
  const base = dot > slash + 1 ? out.slice(0, dot) : out;
  return `${base}.${suffix}`;
}
