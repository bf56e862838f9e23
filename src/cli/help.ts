import { COMMANDS, HELP_FLAG, JSON_FLAG, QUIET_FLAG } from './commands.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import type { CommandSpec, FlagSpec } from './spec.js';

export const COMMON_FLAGS: FlagSpec[] = [JSON_FLAG, QUIET_FLAG, HELP_FLAG];

function flagLabel(f: FlagSpec): string {
  const value = f.type === 'string' ? ` <${f.value ?? 'value'}>` : '';
  return `${f.short ? `-${f.short}, ` : ''}--${f.name}${value}`;
}

function flagNote(f: FlagSpec): string {
  const notes: string[] = [];
  if (f.required) notes.push('required');
  if (f.choices) notes.push(`one of: ${f.choices.join(', ')}`);
  if (f.default !== undefined && f.default !== false) notes.push(`default: ${String(f.default)}`);
  if (f.multiple) notes.push('repeatable');
  return notes.length ? ` (${notes.join('; ')})` : '';
}

export function usageLine(cmd: CommandSpec): string {
  const pos = (cmd.positionals ?? []).map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`)).join(' ');
  const req = cmd.flags.filter((f) => f.required).map((f) => `--${f.name} <${f.value ?? 'value'}>`).join(' ');
  return ['flagless', cmd.name, pos, req, '[options]'].filter(Boolean).join(' ');
}

export function commandHelp(cmd: CommandSpec): string {
  const lines = [`Usage: ${usageLine(cmd)}`, '', cmd.summary];
  if (cmd.description) lines.push('', wrap(cmd.description, 80));
  if (cmd.positionals?.length) {
    lines.push('', 'Arguments:');
    for (const p of cmd.positionals) lines.push(`  ${p.name.padEnd(26)} ${p.description}${p.choices ? ` (one of: ${p.choices.join(', ')})` : ''}`);
  }
  lines.push('', 'Options:');
  const all = [...cmd.flags, ...COMMON_FLAGS];
  const width = Math.max(...all.map((f) => flagLabel(f).length)) + 2;
  for (const f of all) lines.push(`  ${flagLabel(f).padEnd(width)} ${f.description}${flagNote(f)}`);
  if (cmd.examples?.length) {
    lines.push('', 'Examples:');
    for (const e of cmd.examples) lines.push(`  ${e}`);
  }
  lines.push('', wrap(EXIT_CODES_HELP, 80));
  return lines.join('\n') + '\n';
}

export function mainHelp(version: string): string {
  const lines = [
    `flagless ${version}: move a live product's users between identity providers with no flag day.`,
    '',
    'Usage: flagless <command> [options]',
    '',
    'Commands:',
  ];
  const visible = COMMANDS.filter((c) => !c.hidden);
  const width = Math.max(...visible.map((c) => c.name.length)) + 2;
  for (const c of visible) lines.push(`  ${c.name.padEnd(width)} ${c.summary}`);
  lines.push('', 'Run `flagless <command> --help` for its options. Every command takes --json.', '', wrap(EXIT_CODES_HELP, 80));
  return lines.join('\n') + '\n';
}

/** The command reference as Markdown, for the README (kept in sync by a test). */
export function markdownReference(): string {
  const out: string[] = [];
  for (const c of COMMANDS.filter((x) => !x.hidden)) {
    out.push(`### \`flagless ${c.name}\``, '', c.summary, '', '```', usageLine(c), '```', '');
    if (c.description) out.push(c.description, '');
    out.push('| option | meaning |', '| --- | --- |');
    for (const p of c.positionals ?? []) out.push(`| \`<${p.name}>\` | ${p.description}${p.choices ? ` One of: ${p.choices.join(', ')}.` : ''} |`);
    for (const f of [...c.flags, ...COMMON_FLAGS]) out.push(`| \`${flagLabel(f).replace(/\|/g, '\\|')}\` | ${(f.description + flagNote(f)).replace(/\|/g, '\\|')} |`);
    out.push('');
  }
  return out.join('\n');
}

function wrap(text: string, width: number): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
