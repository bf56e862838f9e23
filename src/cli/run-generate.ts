import { generate } from '../app/generate.js';
import { withArticle } from '../lib/english.js';
import { FlaglessError } from '../protocol/errors.js';
import type { KnownSourceVendor } from '../app/open-source.js';
import { EXIT_OK, type CommandRunner } from './spec.js';

export const run: CommandRunner = async (args, io) => {
  const vendor = args.positionals[0] as KnownSourceVendor;
  const users = Number(args.flags.users);
  if (!Number.isInteger(users) || users < 0 || users > 100_000_000) {
    throw new FlaglessError('E_USAGE', `--users must be a whole number between 0 and 100000000; got "${String(args.flags.users)}".`);
  }
  const out = String(args.flags.out);
  const seedFlag = String(args.flags.seed ?? '1');
  const seed = /^\d+$/.test(seedFlag) ? Number(seedFlag) : seedFlag;
  const started = performance.now();
  const { displayName, ...result } = await generate({
    from: vendor,
    users,
    out,
    seed,
    ...(typeof args.flags.plaintexts === 'string' ? { plaintexts: args.flags.plaintexts } : {}),
    ...(args.flags.clean === true ? { clean: true } : {}),
    onProgress: (n) => io.progress(`generate: ${n.toLocaleString('en-US')} / ${users.toLocaleString('en-US')} users`),
  });
  io.progressDone();
  const seconds = (performance.now() - started) / 1000;
  if (io.json) io.out(JSON.stringify({ vendor, ...result, seconds: Number(seconds.toFixed(2)) }, null, 2));
  else {
    const lines = [`generated ${withArticle(displayName)} export of ${result.users} users and ${result.organizations} organizations in ${seconds.toFixed(1)} s:`];
    for (const f of result.files) lines.push(`  ${f.role.padEnd(12)} ${f.path}`);
    const traps = Object.entries(result.traps).filter(([, n]) => n > 0);
    if (traps.length) lines.push(`  traps planted: ${traps.map(([k, n]) => `${k} ${n}`).join(', ')}`);
    io.out(lines.join('\n'));
  }
  return EXIT_OK;
};
