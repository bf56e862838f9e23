import type { CommandIo } from './spec.js';

export interface IoOptions {
  json: boolean;
  quiet: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Terminal I/O: progress overwrites one line on a TTY, and is throttled to plain lines otherwise. */
export function createIo(opts: IoOptions): CommandIo {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const tty = Boolean(stderr.isTTY);
  let transient = false;
  let lastPlain = 0;
  const clear = () => {
    if (transient) {
      stderr.write('\r\x1b[2K');
      transient = false;
    }
  };
  return {
    json: opts.json,
    quiet: opts.quiet,
    out(text) {
      clear();
      stdout.write(text.endsWith('\n') ? text : text + '\n');
    },
    err(text) {
      clear();
      stderr.write(text.endsWith('\n') ? text : text + '\n');
    },
    progress(text) {
      if (opts.quiet) return;
      if (tty) {
        stderr.write(`\r\x1b[2K${text}`);
        transient = true;
      } else {
        const now = Date.now();
        if (now - lastPlain < 2000) return;
        lastPlain = now;
        stderr.write(text + '\n');
      }
    },
    progressDone() {
      clear();
    },
  };
}
