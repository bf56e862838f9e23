import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { FlaglessError } from '../../protocol/errors.js';
import type { DuplicateGroup } from './groups.js';
import { DECISIONS, type Decision, type DecisionRow } from './types.js';

/**
 * The decisions file: a CSV the operator edits, one row per account of each duplicate-email group.
 * Only `email`, `source_id` and `decision` are read back; the other columns explain the default.
 *
 *   email,source_id,decision,reason,verified,last_sign_in_at,created_at,line
 */
export const DECISION_COLUMNS = ['email', 'source_id', 'decision', 'reason', 'verified', 'last_sign_in_at', 'created_at', 'line'] as const;

export function decisionsCsv(groups: readonly DuplicateGroup[]): string {
  const rows: string[][] = [[...DECISION_COLUMNS]];
  for (const g of groups) {
    for (const m of g.members) {
      rows.push([g.email, m.sourceId, m.decision, m.reason, m.verified ? 'true' : 'false', m.lastSignInAt ?? '', m.createdAt ?? '', m.line !== undefined ? String(m.line) : '']);
    }
  }
  return stringify(rows);
}

export async function writeDecisionsFile(path: string, groups: readonly DuplicateGroup[]): Promise<void> {
  try {
    await writeFile(path, decisionsCsv(groups), { mode: 0o644 });
  } catch (e) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `cannot write the decisions file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Reads and checks the file's own shape (columns, values); matching it to the export is resolve.ts's job. */
export function parseDecisions(text: string, path: string): DecisionRow[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (e) {
    throw new FlaglessError('E_DECISIONS', `${path} is not a readable CSV: ${(e as Error).message}`);
  }
  const header = (records[0] ?? []).map((h) => h.toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const [iEmail, iId, iDecision, iReason] = [col('email'), col('source_id'), col('decision'), col('reason')];
  if (iEmail < 0 || iId < 0 || iDecision < 0) {
    throw new FlaglessError('E_DECISIONS', `${path} needs the columns email, source_id and decision (as \`flagless assess --decisions-out\` writes them); its header is "${(records[0] ?? []).join(',')}"`);
  }
  const rows: DecisionRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r]!;
    const fileLine = r + 1;
    const email = rec[iEmail] ?? '';
    const sourceId = rec[iId] ?? '';
    const decision = (rec[iDecision] ?? '').toLowerCase();
    if (!email || !sourceId) throw new FlaglessError('E_DECISIONS', `${path}:${fileLine}: email and source_id are required`);
    if (!(DECISIONS as readonly string[]).includes(decision)) {
      throw new FlaglessError('E_DECISIONS', `${path}:${fileLine}: decision must be one of ${DECISIONS.join(', ')}; got "${rec[iDecision] ?? ''}" for ${sourceId}`);
    }
    rows.push({ email, sourceId, decision: decision as Decision, reason: iReason >= 0 ? (rec[iReason] ?? '') : '', fileLine });
  }
  return rows;
}

export async function readDecisionsFile(path: string): Promise<DecisionRow[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read the decisions file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseDecisions(text, path);
}
