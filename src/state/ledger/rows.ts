import type { LossyNote } from '../../model/user.js';
import { emptyTally, type EntityKind, type LedgerRecord, type Outcome, type RecordState, type RunInfo, type Tally } from './types.js';

/** Row ⇄ object mapping shared by the SQLite and PostgreSQL stores (same schema, same columns). */
export interface RecordRow {
  run_id: string;
  kind: string;
  source_id: string;
  state: string;
  outcome: string | null;
  target_id: string | null;
  attempts: number | string;
  error_code: string | null;
  error_message: string | null;
  lossy: string;
  fingerprint: string | null;
  payload: string | null;
  user_source_id: string | null;
  org_source_id: string | null;
  owner: number | string | null;
  updated_at: string;
}

export function rowToRecord(r: RecordRow): LedgerRecord {
  const rec: LedgerRecord = {
    runId: r.run_id,
    kind: r.kind as EntityKind,
    sourceId: r.source_id,
    state: r.state as RecordState,
    attempts: Number(r.attempts),
    // Most records lose nothing: no parse for the common '[]'.
    lossy: !r.lossy || r.lossy === '[]' ? [] : (JSON.parse(r.lossy) as LossyNote[]),
    updatedAt: r.updated_at,
  };
  if (r.outcome) rec.outcome = r.outcome as Outcome;
  if (r.target_id) rec.targetId = r.target_id;
  if (r.error_code) rec.errorCode = r.error_code;
  if (r.error_message) rec.errorMessage = r.error_message;
  if (r.fingerprint) rec.fingerprint = r.fingerprint;
  if (r.payload) rec.payload = JSON.parse(r.payload);
  if (r.user_source_id) rec.userSourceId = r.user_source_id;
  if (r.org_source_id) rec.orgSourceId = r.org_source_id;
  if (r.owner !== null && r.owner !== undefined) rec.owner = Number(r.owner);
  return rec;
}

export interface RunRow {
  id: string;
  source_fingerprint: string;
  target: string;
  options: string;
  started_at: string;
  finished_at: string | null;
}

export function rowToRun(r: RunRow): RunInfo {
  const run: RunInfo = {
    id: r.id,
    sourceFingerprint: r.source_fingerprint,
    target: r.target,
    options: JSON.parse(r.options) as Record<string, unknown>,
    startedAt: r.started_at,
  };
  if (r.finished_at) run.finishedAt = r.finished_at;
  return run;
}

export interface TallyRow {
  kind: string;
  state: string;
  outcome: string | null;
  n: number | string;
  lossy: number | string | null;
}

export function rowsToTally(rows: readonly TallyRow[]): Tally {
  const t = emptyTally();
  for (const r of rows) {
    const k = t[r.kind as EntityKind];
    if (!k) continue;
    const n = Number(r.n);
    k[r.state as RecordState] += n;
    if (r.state === 'done' && r.outcome) k[r.outcome as Outcome] += n;
    k.lossy += Number(r.lossy ?? 0);
    k.total += n;
  }
  return t;
}

/** Error messages in the ledger are bounded (and come from FlaglessError messages, never secrets). */
export function clip(message: string, max = 500): string {
  return message.length > max ? message.slice(0, max - 1) + '…' : message;
}

export function nowIso(): string {
  return new Date().toISOString();
}
