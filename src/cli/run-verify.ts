import { accessSync, constants } from 'node:fs';
import { targetLabel } from '../app/open-target.js';
import { verify } from '../app/verify.js';
import { formatVerify } from '../engine/verify.js';
import { FlaglessError } from '../protocol/errors.js';
import { sourceFromFlags } from './open-source.js';
import { hashCostCeilingFromFlags, positiveInt, positiveNumber, str, targetFromFlags } from './open-target.js';
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
  const hashCostCeiling = hashCostCeilingFromFlags(flags);
  const source = sourceFromFlags(flags);
  const target = targetFromFlags(flags);
  io.progress(`verify: reading ${targetLabel(target.to, target)}…`);
  const report = await verify({
    source,
    target,
    missingPassword: (str(flags['missing-password']) ?? 'jit') as 'jit' | 'reset',
    ...(hashCostCeiling ? { hashCostCeiling } : {}),
    concurrency,
    ...(rate !== undefined ? { rate } : {}),
    ...(logins ? { logins } : {}),
  });
  io.progressDone();
  if (io.json) io.out(JSON.stringify(report, null, 2));
  else io.err(formatVerify(report));
  return report.ok ? EXIT_OK : EXIT_PROBLEMS;
}
