import { writeFile } from 'node:fs/promises';
import { assess } from '../app/assess.js';
import { defaultThreads } from '../app/assess-source.js';
import { FlaglessError } from '../protocol/errors.js';
import type { SourceVendor } from '../protocol/source.js';
import { sourceFromFlags } from './open-source.js';
import { hashCostCeilingFromFlags, positiveInt } from './open-target.js';
import { renderAssessHtml } from './report/assess-html.js';
import { renderAssessText } from './report/assess-text.js';
import { renderInventoryHtmlSection } from './report/inventory-html.js';
import { renderInventoryText } from './report/inventory-text.js';
import { inventoryFor } from './run-inventory.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CommandRunner } from './spec.js';

export const run: CommandRunner = async (args, io) => {
  const hashCostCeiling = hashCostCeilingFromFlags(args.flags);
  const source = sourceFromFlags(args.flags);
  const appDir = typeof args.flags.app === 'string' ? args.flags.app : undefined;
  // The application is read first: a wrong folder is refused before the export is streamed.
  const application = appDir ? await inventoryFor(appDir, source.from as SourceVendor, io) : undefined;
  if (application) application.root = appDir!;
  const file = typeof args.flags.file === 'string' ? args.flags.file : `${source.from} API`;
  const report = await assess({
    source,
    threads: positiveInt(args.flags, 'threads', defaultThreads()),
    ...(hashCostCeiling ? { hashCostCeiling } : {}),
    onProgress: (n) => io.progress(`assess: ${n.toLocaleString('en-US')} users read`),
  });
  io.progressDone();
  if (report.users === 0 && report.organizations === 0 && report.problemCount === 0) {
    throw new FlaglessError('E_INPUT_EMPTY', `${file} holds no users.`);
  }
  const html = typeof args.flags.html === 'string' ? args.flags.html : undefined;
  if (html) {
    try {
      await writeFile(html, renderAssessHtml(report, file, new Date(), application ? renderInventoryHtmlSection(application) : undefined));
    } catch (e) {
      throw new FlaglessError('E_INPUT_UNREADABLE', `cannot write the HTML report to ${html}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const text = renderAssessText(report, file);
  // Machines read stdout (only with --json); the human summary always goes to stderr.
  if (io.json) io.out(JSON.stringify(application ? { ...report, application } : report, null, 2));
  if (!io.json || !io.quiet) io.err(application ? `${text}\n\n${renderInventoryText(application)}` : text);
  if (html) io.err(`HTML report written to ${html}`);
  if (report.problemsByCode.E_HASH_CONFIG_MISSING) {
    io.err('flagless: E_HASH_CONFIG_MISSING: the export has password hashes but no hash parameters: pass --hash-config with the project\'s hash config (Firebase console → Authentication → Users → ⋮ → Password hash parameters).');
    return EXIT_USAGE;
  }
  return report.problemCount > 0 ? EXIT_PROBLEMS : EXIT_OK;
};
