import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { gitState, runCodemod, type CodemodReport } from '../app-code/codemod/run-codemod.js';
import { CODEMODS } from '../connectors/index.js';
import { FlaglessError } from '../protocol/errors.js';
import { EXIT_OK, EXIT_PROBLEMS, type CommandIo, type ParsedCommand } from './spec.js';

function renderText(r: CodemodReport): string {
  const lines: string[] = [];
  lines.push(`flagless codemod: ${r.from} → ${r.to} (${r.framework === 'nextjs' ? 'Next.js' : 'React'})${r.dryRun ? ', dry run: nothing written' : ''}`);
  if (r.changedFiles.length + r.createdFiles.length === 0) lines.push('Nothing to change.');
  for (const f of r.changedFiles) lines.push(`  changed  ${f}`);
  for (const f of r.createdFiles) lines.push(`  created  ${f}`);
  for (const p of r.packages) lines.push(`  ${p.file}: removed ${p.removed.join(', ') || 'nothing'}; added ${p.added.join(', ') || 'nothing'} (run your package manager's install)`);
  for (const e of r.envExamples) lines.push(`  ${e.file}: removed ${e.removed.join(', ') || 'nothing'}; added ${e.added.join(', ') || 'nothing'}`);
  if (r.todos.length) {
    lines.push('', `Left for you (${r.todos.length} TODO(flagless) notes):`);
    for (const t of r.todos) lines.push(`  ${t.file}:${t.line}  ${t.symbol}: ${t.text}${t.docs ? ` (${t.docs})` : ''}`);
  }
  if (r.failed.length) {
    lines.push('', `Not rewritten (the result did not parse; file left as it was):`);
    for (const f of r.failed) lines.push(`  ${f.file}: ${f.errors.slice(0, 3).join('; ')}`);
  }
  return lines.join('\n');
}

/** `flagless codemod --from clerk --to <target> <app-dir> [--dry-run] [--force]`. */
export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const dir = args.positionals[0]!;
  const from = String(args.flags.from);
  const to = String(args.flags.to);
  const rulesFor = CODEMODS[from]?.[to];
  if (!rulesFor) throw new FlaglessError('E_USAGE', `no codemod from ${from} to ${to} yet (available: ${Object.entries(CODEMODS).flatMap(([f, t]) => Object.keys(t).map((x) => `${f} → ${x}`)).join(', ')}).`);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new FlaglessError('E_INPUT_UNREADABLE', `${dir} is not a folder: pass the application's root folder (where its package.json is).`);
  const dryRun = Boolean(args.flags['dry-run']);
  if (!dryRun && !args.flags.force) {
    const state = gitState(dir);
    if (state === 'dirty') throw new FlaglessError('E_USAGE', `${dir} has uncommitted changes: commit or stash them first so the codemod's changes can be reviewed and reverted on their own (or pass --force).`);
    if (state === 'none') throw new FlaglessError('E_USAGE', `${dir} is not in a git work tree: the codemod's changes could not be reviewed or reverted. Put it under git first (or pass --force).`);
  }
  const report = runCodemod(resolve(dir), rulesFor, { dryRun });
  if (io.json) io.out(JSON.stringify(report, null, 2));
  else if (dryRun) {
    io.out(report.diff || '');
    io.err(renderText(report));
  } else io.out(renderText(report));
  return report.todos.length || report.failed.length ? EXIT_PROBLEMS : EXIT_OK;
}
