/**
 * Assess with threads: a source that can be read in parts (a plain NDJSON export) is cut into
 * byte ranges, the first read here and each other one in a worker thread (assess-worker.ts).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TARGET_CAPABILITIES } from '../connectors/index.js';
import { assess, PART_STOPPED, type AssessReport, type PartRunner } from '../engine/assess/assess.js';
import { FlaglessError, type ErrorCode } from '../protocol/errors.js';
import type { Source, SourceOptions, SourceVendor } from '../protocol/source.js';
import type { AssessWorkerData, AssessWorkerMessage } from './assess-worker.js';

/** At most this many threads by default, whatever the machine: past it the disk is the limit. */
const MAX_DEFAULT_THREADS = 4;

export function defaultThreads(): number {
  return Math.max(1, Math.min(MAX_DEFAULT_THREADS, availableParallelism()));
}

export interface AssessSourceOptions {
  threads?: number;
  onProgress?: (users: number) => void;
}

/** `source` must be the one `vendor` and `options` open: workers open it again from them. */
export async function assessSource(source: Source, vendor: SourceVendor, options: SourceOptions, how: AssessSourceOptions = {}): Promise<AssessReport> {
  const threads = how.threads ?? defaultThreads();
  return assess(source, {
    targets: TARGET_CAPABILITIES,
    parts: threads,
    ...(threads > 1 ? { runPart: workerRunner(vendor, options) } : {}),
    ...(how.onProgress ? { onProgress: how.onProgress } : {}),
  });
}

/** The compiled worker next to this file (or the TypeScript one when run through a loader such as tsx). */
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './assess-worker.ts' : './assess-worker.js', import.meta.url);

export function workerRunner(vendor: SourceVendor, options: SourceOptions): PartRunner {
  return (input, onProgress, signal) =>
    new Promise((resolve, reject) => {
      const data: AssessWorkerData = { vendor, options, input };
      const worker = new Worker(WORKER_URL, { workerData: data });
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', stop);
        f();
      };
      const stop = () => {
        void worker.terminate();
        settle(() => reject(new Error(PART_STOPPED)));
      };
      signal?.addEventListener('abort', stop);
      worker.on('message', (m: AssessWorkerMessage) => {
        if (m.kind === 'progress') onProgress(m.users);
        else if (m.kind === 'result') settle(() => resolve(m.result));
        else {
          const error = m.code ? new FlaglessError(m.code as ErrorCode, m.message) : Object.assign(new Error(m.message), m.stack ? { stack: m.stack } : {});
          settle(() => reject(error));
        }
      });
      worker.on('error', (e) => settle(() => reject(e)));
      worker.on('exit', (code) => settle(() => reject(new Error(`assess: a worker thread stopped (exit code ${code}) before its part was read`))));
    });
}
