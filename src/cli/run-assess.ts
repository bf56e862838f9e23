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
import { plural } from '../lib/english.js';
import { writeDuplicateDecisions } from '../app/decisions.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CommandRunner } from './spec.js';

export const run: CommandRunner = async (args, io) => {
  const hashCostCeiling = hashCostCeilingFromFlags(args.flags);
  const source = sourceFromFlags(args.flags);
  const appDir = typeof args.flags.app === 'string' ? args.flags.app : undefined;
  // The application is read first: a wrong folder is refused before the export is streamed.
  // Loaded only with --app: the application scanner brings the TypeScript compiler (ts-morph),
  // which costs every other assess half a second of start-up and ~60 MB.
  const application = appDir ? (await import('./run-inventory.js')).inventoryFor(appDir, source.from as SourceVendor, io) : undefined;
  if (application) application.root = appDir!;
  // The SSO inventory is read before the export too: a wrong file is refused first.
  const ssoFile = typeof args.flags['sso-inventory'] === 'string' && args.flags['sso-inventory'] !== '' ? args.flags['sso-inventory'] : undefined;
  const sso = ssoFile ? await (await import('./report/sso-section.js')).ssoReportSection(ssoFile) : undefined;
  const file = typeof args.flags.file === 'string' ? args.flags.file : `${source.from} API`;
  const report = await assess({
    source,
    threads: positiveInt(args.flags, 'threads', defaultThreads()),
    ...(hashCostCeiling ? { hashCostCeiling } : {}),
    onProgress: (n) => io.progress(`assess: ${n.toLocaleString('en-US')} users read`),
  });
  io.progressDone();
  if (!io.quiet) io.err(`assess: ${report.users.toLocaleString('en-US')} users read (${report.usersPerSecond.toLocaleString('en-US')} users/s, ${(report.durationMs / 1000).toFixed(1)} s${report.parts > 1 ? `, ${report.parts} threads` : ''})`);
  if (report.users === 0 && report.organizations === 0 && report.problemCount === 0) {
    throw new FlaglessError('E_INPUT_EMPTY', `${file} holds no users.`);
  }
  const html = typeof args.flags.html === 'string' ? args.flags.html : undefined;
  if (html) {
    try {
      const sections = [application ? renderInventoryHtmlSection(application) : '', sso ? sso.html : ''].filter(Boolean).join('\n');
      await writeFile(html, renderAssessHtml(report, file, new Date(), sections || undefined));
    } catch (e) {
      throw new FlaglessError('E_INPUT_UNREADABLE', `cannot write the HTML report to ${html}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const decisionsOut = typeof args.flags['decisions-out'] === 'string' && args.flags['decisions-out'] !== '' ? args.flags['decisions-out'] : undefined;
  if (decisionsOut) {
    // A second pass over the export, keeping only the accounts that share an address.
    const written = await writeDuplicateDecisions(source, decisionsOut, (n) => io.progress(`decisions: ${n.toLocaleString('en-US')} users read`));
    io.progressDone();
    if (!io.quiet) io.err(`decisions: ${plural(written.groups, 'duplicate-email group')} (${plural(written.accounts, 'account')}) written to ${decisionsOut}; edit the decision column (keep, skip, link), then pass --decisions ${decisionsOut} to migrate, verify and serve`);
  }
  const text = renderAssessText(report, file);
  // The result goes to stdout (`assess ... > report.txt`); --json replaces it with one document.
  const extras = { ...(application ? { application } : {}), ...(sso ? { sso: sso.json } : {}) };
  const humanParts = [text, application ? renderInventoryText(application) : '', sso ? sso.text : ''].filter(Boolean);
  io.out(io.json ? JSON.stringify({ ...report, ...extras }, null, 2) : humanParts.join('\n\n'));
  if (html) io.err(`HTML report written to ${html}`);
  if (report.problemsByCode.E_HASH_CONFIG_MISSING) {
    io.err('flagless: E_HASH_CONFIG_MISSING: the export has password hashes but no hash parameters: pass --hash-config with the project\'s hash config (Firebase console → Authentication → Users → ⋮ → Password hash parameters).');
    return EXIT_USAGE;
  }
  return report.problemCount > 0 ? EXIT_PROBLEMS : EXIT_OK;
};
