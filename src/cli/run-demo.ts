import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TARGET_CAPABILITIES } from '../connectors/index.js';
import { assess } from '../engine/assess/assess.js';
import { FlaglessError } from '../protocol/errors.js';
import { loadSourceModule } from './open-source.js';
import { renderAssessHtml } from './report/assess-html.js';
import { renderAssessText } from './report/assess-text.js';
import { writeFile } from 'node:fs/promises';
import { EXIT_OK, type CommandRunner } from './spec.js';

export const run: CommandRunner = async (args, io) => {
  const started = performance.now();
  const dir = resolve(String(args.flags.dir));
  const users = Number(args.flags.users);
  if (!Number.isInteger(users) || users < 1 || users > 100_000) throw new FlaglessError('E_USAGE', '--users must be between 1 and 100000.');
  // The demo owns its folder: start clean so that two runs in a row give the same result.
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });

  const clerk = await loadSourceModule('clerk');
  io.err(`1/2 generating a Clerk export of ${users} users with known passwords in ${dir}`);
  const gen = await clerk.generate({ users, out: join(dir, 'clerk-users.csv'), seed: 'flagless-demo', plaintexts: join(dir, 'logins.csv') });
  const exportFile = gen.files.find((f) => f.role === 'export')!.path;
  const apiDump = gen.files.find((f) => f.role === 'api-dump')?.path;

  io.err('2/2 assessing it');
  const report = await assess(clerk.source.open({ file: exportFile, ...(apiDump ? { apiDump } : {}) }), { targets: TARGET_CAPABILITIES });
  await writeFile(join(dir, 'assess.html'), renderAssessHtml(report, exportFile));
  const seconds = (performance.now() - started) / 1000;

  if (io.json) io.out(JSON.stringify({ dir, generated: gen, assess: report, seconds: Number(seconds.toFixed(2)) }, null, 2));
  io.err('');
  io.err(renderAssessText(report, exportFile));
  io.err(`Done in ${seconds.toFixed(1)} s. The problems above are the traps real exports have, planted on purpose.`);
  io.err('Next:');
  io.err(`  open ${join(dir, 'assess.html')}`);
  io.err(`  node bin/flagless.js assess --from clerk --file ${exportFile}${apiDump ? ` --api-dump ${apiDump}` : ''} --json`);
  io.err('  node bin/flagless.js --help');
  return EXIT_OK;
};
