import { readDecisionsFile } from '../engine/decisions/file.js';
import { resolveDecisions } from '../engine/decisions/resolve.js';
import type { DuplicateDecisions } from '../engine/decisions/types.js';
import type { Source } from '../protocol/source.js';
import type { CommandIo, FlagValues } from './spec.js';

/**
 * `--decisions FILE` (migrate, verify, serve): the operator's duplicate-account decisions, read and
 * checked against the export before anything is opened for writing. A file that no longer
 * matches is refused with E_DECISIONS (exit 2).
 */
export async function loadDecisions(flags: FlagValues, source: Source, io: CommandIo): Promise<DuplicateDecisions | undefined> {
  const path = typeof flags.decisions === 'string' && flags.decisions !== '' ? flags.decisions : undefined;
  if (!path) return undefined;
  const rows = await readDecisionsFile(path);
  io.progress(`decisions: checking ${rows.length} rows of ${path} against the export…`);
  const decisions = await resolveDecisions(source, rows, path);
  io.progressDone();
  if (!io.quiet) io.err(`decisions: ${decisions.size} duplicate-email ${decisions.size === 1 ? 'group' : 'groups'} decided in ${path}`);
  return decisions;
}
