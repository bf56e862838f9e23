import { writeDecisionsFile } from '../engine/decisions/file.js';
import { findDuplicateGroups } from '../engine/decisions/groups.js';
import { openSource, type OpenSourceOptions } from './open-source.js';

/**
 * `assess --decisions-out`: every duplicate-email group of the export, one row per account, the
 * keeper prefilled by the default policy (verified address, then the latest sign-in, then the
 * oldest account), for the operator to edit and give to migrate, verify and serve.
 */
export async function writeDuplicateDecisions(source: OpenSourceOptions, path: string, onProgress?: (users: number) => void): Promise<{ groups: number; accounts: number }> {
  const { groups } = await findDuplicateGroups(await openSource(source), onProgress ? { onProgress } : {});
  await writeDecisionsFile(path, groups);
  return { groups: groups.length, accounts: groups.reduce((n, g) => n + g.members.length, 0) };
}
