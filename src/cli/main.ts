import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FlaglessError, isFlaglessError } from '../protocol/errors.js';
import { COMMANDS, findCommand } from './commands.js';
import { COMMON_FLAGS, commandHelp, mainHelp } from './help.js';
import { exitCodeForError } from './exit-codes.js';
import { createIo } from './io.js';
import { EXIT_USAGE, type CommandSpec, type FlagValues, type ParsedCommand } from './spec.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

/** Parses argv for one command against its declared flags; throws E_USAGE with a helpful message. */
export function parseCommandArgs(cmd: CommandSpec, argv: string[]): ParsedCommand {
  const all = [...cmd.flags, ...COMMON_FLAGS];
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const f of all) options[f.name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    throw new FlaglessError('E_USAGE', `${(e as Error).message.replace(/\. To specify.*$/s, '')}\nRun \`flagless ${cmd.name} --help\` for the options.`);
  }
  const flags: FlagValues = {};
  for (const f of all) {
    const v = parsed.values[f.name] as string | boolean | string[] | undefined;
    flags[f.name] = v ?? f.default;
  }
  if (flags.help) return { flags, positionals: parsed.positionals };
  for (const f of cmd.flags) {
    const v = flags[f.name];
    if (f.required && (v === undefined || v === '')) {
      throw new FlaglessError('E_USAGE', `missing --${f.name}${f.choices ? ` (one of: ${f.choices.join(', ')})` : ''}.\nUsage: run \`flagless ${cmd.name} --help\`.`);
    }
    if (f.choices && typeof v === 'string' && !f.choices.includes(v)) {
      throw new FlaglessError('E_USAGE', `--${f.name} must be one of ${f.choices.join(', ')}; got "${v}".`);
    }
  }
  const specs = cmd.positionals ?? [];
  if (parsed.positionals.length > specs.length) {
    throw new FlaglessError('E_USAGE', `unexpected argument "${parsed.positionals[specs.length]}". Run \`flagless ${cmd.name} --help\`.`);
  }
  specs.forEach((p, i) => {
    const v = parsed.positionals[i];
    if (v === undefined) {
      if (p.required) throw new FlaglessError('E_USAGE', `missing <${p.name}>${p.choices ? ` (one of: ${p.choices.join(', ')})` : ''}. Run \`flagless ${cmd.name} --help\`.`);
    } else if (p.choices && !p.choices.includes(v)) {
      throw new FlaglessError('E_USAGE', `<${p.name}> must be one of ${p.choices.join(', ')}; got "${v}".`);
    }
  });
  return { flags, positionals: parsed.positionals };
}

/** Runs the CLI; resolves to the exit code. Never throws for user errors. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    // No command is a usage error (as in git, gh, kubectl): the help goes to stderr, exit 2.
    process.stderr.write(mainHelp(version()));
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' && rest[0] ? (rest[1] ? findCommand(`${rest[0]} ${rest[1]}`) : undefined) ?? findCommand(rest[0]) : undefined;
    process.stdout.write(target ? commandHelp(target) : mainHelp(version()));
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  // Two-word commands (`sso flip`): the group and its subcommand name one entry of the table.
  const sub = rest[0] && !rest[0].startsWith('-') ? findCommand(`${name} ${rest[0]}`) : undefined;
  if (sub) rest.shift();
  const cmd = sub ?? findCommand(name);
  const wantsJson = rest.includes('--json');
  const io = createIo({ json: wantsJson, quiet: rest.includes('--quiet') });
  if (!cmd) {
    const subs = COMMANDS.filter((c) => c.name.startsWith(`${name} `)).map((c) => c.name.slice(name.length + 1));
    if (subs.length) return reportError(io, new FlaglessError('E_USAGE', `flagless ${name} needs a subcommand: ${subs.join(', ')}. Run \`flagless ${name} <subcommand> --help\`.`));
    return reportError(io, new FlaglessError('E_USAGE', `unknown command "${name}". Run \`flagless --help\` for the list.`));
  }
  try {
    const args = parseCommandArgs(cmd, rest);
    if (args.flags.help) {
      process.stdout.write(commandHelp(cmd));
      return 0;
    }
    const impl = await cmd.load();
    return await impl.run(args, io);
  } catch (e) {
    return reportError(io, e);
  }
}

function reportError(io: ReturnType<typeof createIo>, e: unknown): number {
  if (isFlaglessError(e)) {
    io.err(`flagless: ${e.code}: ${e.message}`);
    if (io.json) io.out(JSON.stringify({ error: { code: e.code, message: e.message } }));
    return exitCodeForError(e.code);
  }
  const err = e as Error;
  io.err(`flagless: E_INTERNAL: ${err?.message ?? String(e)}`);
  if (process.env.FLAGLESS_DEBUG) io.err(err?.stack ?? '');
  if (io.json) io.out(JSON.stringify({ error: { code: 'E_INTERNAL', message: err?.message ?? String(e) } }));
  return exitCodeForError('E_INTERNAL');
}
