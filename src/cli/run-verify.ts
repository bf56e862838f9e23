import { accessSync, constants } from 'node:fs';
import { readCredentials } from '../engine/verify-logins.js';
import { formatVerify, verify } from '../engine/verify.js';
import { FlaglessError } from '../protocol/errors.js';
import { loadDecisions } from './open-decisions.js';
import { openSource } from './open-source.js';
import { openTarget, positiveInt, positiveNumber, str } from './open-target.js';
import { EXIT_OK, EXIT_PROBLEMS, type CommandIo, type ParsedCommand } from './spec.js';

/** `flagless verify`: exit 0 when everything the plan moves is in the target (and every login works), 1 otherwise. */
export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const flags = args.flags;
  const logins = str(flags.logins);
  if (logins) {
    try {
      accessSync(logins, constants.R_OK);
    } catch {
      throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read the logins file ${logins}`);
    }
  }
  const concurrency = positiveInt(flags, 'concurrency', 4);
  const rate = positiveNumber(flags, 'rate');
  const source = await openSource(flags);
  const decisions = await loadDecisions(flags, source, io);
  const { target, label } = await openTarget(flags);
  try {
    io.progress(`verify: reading ${label}…`);
    const report = await verify({
      source,
      target,
      plan: { missingPassword: (str(flags['missing-password']) ?? 'jit') as 'jit' | 'reset' },
      concurrency,
      ...(rate !== undefined ? { rate } : {}),
      ...(logins ? { credentials: readCredentials(logins) } : {}),
      ...(decisions ? { plan: { missingPassword: (str(flags['missing-password']) ?? 'jit') as 'jit' | 'reset', decisions } } : {}),
      onProgress: (line) => io.progress(line),
    });
    io.progressDone();
    if (io.json) io.out(JSON.stringify({ target: label, ...report }, null, 2));
    else io.out(formatVerify(report));
    return report.ok ? EXIT_OK : EXIT_PROBLEMS;
  } finally {
    await target.close().catch(() => undefined);
  }
}
