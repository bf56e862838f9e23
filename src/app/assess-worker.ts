/**
 * One part of a parallel assess, in a worker thread: opens the same source as the main thread
 * (vendor and options come as plain data), reads its byte range and posts the part's result.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SOURCE_MODULES, TARGET_CAPABILITIES, type KnownSourceVendor } from '../connectors/index.js';
import { runPart, type PartInput } from '../engine/assess/assess.js';
import { FlaglessError } from '../protocol/errors.js';
import type { SourceOptions } from '../protocol/source.js';

export interface AssessWorkerData {
  vendor: KnownSourceVendor;
  options: SourceOptions;
  input: PartInput;
}

export type AssessWorkerMessage =
  | { kind: 'progress'; users: number }
  | { kind: 'result'; result: Awaited<ReturnType<typeof runPart>> }
  | { kind: 'error'; code?: string; message: string; stack?: string };

const port = parentPort;
if (!port) throw new Error('assess-worker runs in a worker thread');
const data = workerData as AssessWorkerData;
const post = (m: AssessWorkerMessage) => port.postMessage(m);

try {
  const source = (await SOURCE_MODULES[data.vendor]()).source.open(data.options);
  const result = await runPart(source, TARGET_CAPABILITIES, data.input, (users) => post({ kind: 'progress', users }));
  post({ kind: 'result', result });
} catch (e) {
  if (e instanceof FlaglessError) post({ kind: 'error', code: e.code, message: e.message });
  else post({ kind: 'error', message: e instanceof Error ? e.message : String(e), ...(e instanceof Error && e.stack ? { stack: e.stack } : {}) });
}
