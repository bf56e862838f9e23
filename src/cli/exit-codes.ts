import type { ErrorCode } from '../protocol/errors.js';

/**
 * The exit codes every command uses, so scripts and CI can trust them:
 *   0  every record is done or decided;
 *   1  finished, with records that need attention (quarantined, undecided duplicates, problems);
 *   2  refused before writing anything: bad usage, unreadable input, invalid credentials or
 *      configuration found at start;
 *   3  a fatal stop mid-run (credentials revoked, target gone after retries): the ledger is
 *      consistent and the same command resumes.
 * `migrate` also exits 130/143 after SIGINT/SIGTERM (the shell convention), resumable too.
 */
export const EXIT_OK = 0;
export const EXIT_PROBLEMS = 1;
export const EXIT_USAGE = 2;
export const EXIT_FATAL = 3;

/** One line for every command's help (and the README): what each exit code means. */
export const EXIT_CODES_HELP =
  'Exit codes: 0 every record done or decided; 1 finished with records that need attention (quarantined, undecided duplicates, problems in the input); 2 refused before writing anything (bad usage, unreadable input, invalid credentials or configuration); 3 fatal stop mid-run (credentials revoked, target gone after retries): run the same command again to resume. Errors go to stderr, also with --json (which then prints {"error": {code, message}} on stdout).';

/** Codes that mean "fix the input, the flags, the credentials or the configuration": nothing was attempted. */
const REFUSALS: readonly ErrorCode[] = ['E_USAGE', 'E_INPUT_UNREADABLE', 'E_INPUT_EMPTY', 'E_WRONG_VENDOR', 'E_HASH_CONFIG_MISSING', 'E_TARGET_AUTH', 'E_STATE', 'E_DECISIONS', 'E_PREREQUISITE'];

/** The exit code for an error that ended a command. */
export function exitCodeForError(code: string): number {
  return (REFUSALS as readonly string[]).includes(code) ? EXIT_USAGE : EXIT_FATAL;
}

/**
 * The exit code for a run that stopped on a fatal error: 2 when nothing had been sent to the
 * target yet (the error was found at start: bad credentials, a misconfigured target), 3 otherwise.
 */
export function exitCodeForFatal(code: string, wroteAnything: boolean): number {
  return wroteAnything ? EXIT_FATAL : exitCodeForError(code);
}
