/**
 * Assess with threads: a source that can be read in parts (a plain NDJSON export) is cut into
 * byte ranges, one per thread: this thread reads the first (it can start at once, while a worker
 * takes some 60 ms to start) and worker threads (assess-worker.ts) the others, then this one
 * merges. A big file read whole (a CSV, a join) is read in one worker: a worker's young
 * generation can be capped (this thread's cannot once it runs), which keeps memory flat for
 * those readers.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TARGET_CAPABILITIES, type KnownSourceVendor } from '../connectors/index.js';
import { assess, PART_STOPPED, type AssessReport, type PartRunner } from '../engine/assess/assess.js';
import { FlaglessError, type ErrorCode } from '../protocol/errors.js';
import type { Source, SourceOptions } from '../protocol/source.js';
import type { HashCostCeiling } from '../model/password/cost.js';
import type { AssessWorkerData, AssessWorkerMessage } from './assess-worker.js';

/** At most this many threads by default, whatever the machine: past it the disk is the limit. */
const MAX_DEFAULT_THREADS = 4;
/** A smaller export is read in this thread: a worker's start-up would cost more than it saves. */
const IN_THREAD_BELOW_BYTES = 4 * 1024 * 1024;
/**
 * V8 grows a thread's young generation up to 32 MB of semi-spaces as allocation goes on, so a
 * long read would end up using more memory than a short one; capped, 100k and 1M users take the same.
 */
const WORKER_YOUNG_GENERATION_MB = 16;

export function defaultThreads(): number {
  return Math.max(1, Math.min(MAX_DEFAULT_THREADS, availableParallelism()));
}

export interface AssessSourceOptions {
  threads?: number;
  onProgress?: (users: number) => void;
  hashCostCeiling?: HashCostCeiling;
}

/** `source` must be the one `vendor` and `options` open: workers open it again from them. */
export async function assessSource(source: Source, vendor: KnownSourceVendor, options: SourceOptions, how: AssessSourceOptions = {}): Promise<AssessReport> {
  const threads = how.threads ?? defaultThreads();
  const inWorkers = options.file !== undefined && !options.api && (await fileBytes(options.file)) >= IN_THREAD_BELOW_BYTES;
  return assess(source, {
    targets: TARGET_CAPABILITIES,
    parts: threads,
    // Parts after the first in worker threads; the first here, started while they start up.
    ...(inWorkers ? { runPart: workerRunner(vendor, options), firstPartHere: true } : {}),
    ...(how.onProgress ? { onProgress: how.onProgress } : {}),
    ...(how.hashCostCeiling ? { hashCostCeiling: how.hashCostCeiling } : {}),
  });
}

async function fileBytes(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0; // the read reports it
  }
}

/** The compiled worker next to this file (or the TypeScript one when run through a loader such as tsx). */
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './assess-worker.ts' : './assess-worker.js', import.meta.url);

export function workerRunner(vendor: KnownSourceVendor, options: SourceOptions): PartRunner {
  return (input, onProgress, signal) =>
    new Promise((resolve, reject) => {
      const data: AssessWorkerData = { vendor, options, input };
      const worker = new Worker(WORKER_URL, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
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
