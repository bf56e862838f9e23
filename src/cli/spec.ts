/** Types for the command table in commands.ts: the one place every command and flag is declared. */

export interface FlagSpec {
  name: string;
  type: 'string' | 'boolean';
  description: string;
  /** Placeholder shown in help: `--file <path>`. */
  value?: string;
  short?: string;
  default?: string | boolean;
  choices?: readonly string[];
  required?: boolean;
  /** May be given several times; the value is then a string[]. */
  multiple?: boolean;
}

export interface PositionalSpec {
  name: string;
  description: string;
  required: boolean;
  choices?: readonly string[];
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedCommand {
  flags: FlagValues;
  positionals: string[];
}

/** Where a command writes: machine output on stdout, humans and progress on stderr. */
export interface CommandIo {
  readonly json: boolean;
  readonly quiet: boolean;
  /** Machine output (only with --json) or the command's main human report. */
  out(text: string): void;
  /** Human messages and progress. */
  err(text: string): void;
  /** A transient progress line on a terminal (overwritten in place); plain lines otherwise. */
  progress(text: string): void;
  /** Ends any transient progress line. */
  progressDone(): void;
}

export type CommandRunner = (args: ParsedCommand, io: CommandIo) => Promise<number>;

export interface CommandSpec {
  name: string;
  summary: string;
  description?: string;
  positionals?: PositionalSpec[];
  flags: FlagSpec[];
  examples?: string[];
  /** Loads the implementation lazily so `--help` and other commands stay fast. */
  load: () => Promise<{ run: CommandRunner }>;
  /** Commands with subcommands (`ids export`, `sim workos`) list them here instead of `load`. */
  hidden?: boolean;
}

export { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_FATAL } from './exit-codes.js';
