import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

const CHUNK_CHARS = 1 << 16;

/** Buffers text and writes it in 64 KiB chunks, waiting for 'drain' when the file says so. */
export class TextSink {
  readonly #stream: WriteStream;
  #buffer = '';
  #failure: Error | undefined;

  constructor(readonly path: string) {
    this.#stream = createWriteStream(path);
    this.#stream.on('error', (e) => {
      this.#failure ??= e;
    });
  }

  async write(text: string): Promise<void> {
    this.#buffer += text;
    if (this.#buffer.length >= CHUNK_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#buffer === '') return;
    const chunk = this.#buffer;
    this.#buffer = '';
    if (!this.#stream.write(chunk)) await once(this.#stream, 'drain');
    if (this.#failure) throw this.#failure;
  }

  async close(): Promise<void> {
    await this.flush();
    this.#stream.end();
    await once(this.#stream, 'finish');
    if (this.#failure) throw this.#failure;
  }

  destroy(): void {
    this.#stream.destroy();
  }
}
