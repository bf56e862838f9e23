import { exportSourceApi } from '../app/export-api.js';
import type { KnownSourceVendor } from '../app/open-source.js';
import { FlaglessError, isFlaglessError } from '../protocol/errors.js';
import type { ExportApiCounts } from '../protocol/source.js';
import { str } from './open-target.js';
import { EXIT_OK, EXIT_USAGE, type CommandRunner } from './spec.js';

/** The run stopped part-way; the checkpoint lets the same command continue. */
export const EXIT_STOPPED = 3;
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

const counted = (c: ExportApiCounts): string =>
  `${c.users.toLocaleString('en-US')} users, ${c.organizations.toLocaleString('en-US')} organizations, ${c.memberships.toLocaleString('en-US')} memberships`;

/** `flagless export --from <vendor> --api --out <dump.json>`. */
export const run: CommandRunner = async (args, io) => {
  const from = str(args.flags.from) as KnownSourceVendor;
  const out = str(args.flags.out)!;
  if (args.flags.api !== true) throw new FlaglessError('E_USAGE', 'export reads the vendor API: give --api (file exports come from the vendor dashboard).');
  const pageFlag = str(args.flags['page-size']);
  const pageSize = pageFlag === undefined ? undefined : Number(pageFlag);
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1)) {
    throw new FlaglessError('E_USAGE', `--page-size must be a whole number of at least 1; got "${pageFlag}".`);
  }
  const apiUrl = str(args.flags['source-url']);

  let wrote = false;
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (ac.signal.aborted) process.exit(SIGNAL_EXIT[sig] ?? 1);
    io.progressDone();
    io.err(`flagless: ${sig}: saving the page in flight, then stopping (again to stop at once)…`);
    ac.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = performance.now();
  try {
    const result = await exportSourceApi({
      from,
      out,
      ...(apiUrl ? { apiUrl } : {}),
      ...(pageSize ? { pageSize } : {}),
      signal: ac.signal,
      onProgress: (p) => {
        wrote = true;
        io.progress(`export: ${p.section}: ${counted(p.counts)}`);
      },
    });
    io.progressDone();
    for (const w of result.warnings ?? []) io.err(`flagless: warning: ${w}`);
    const seconds = Number(((performance.now() - started) / 1000).toFixed(2));
    if (io.json) io.out(JSON.stringify({ vendor: from, out: result.out, ...result.counts, resumed: result.resumed, warnings: result.warnings ?? [], seconds }, null, 2));
    else io.out(`exported ${result.displayName}'s API${result.resumed ? ' (continued from the checkpoint)' : ''}: ${counted(result.counts)} to ${result.out} in ${seconds.toFixed(1)} s`);
    return EXIT_OK;
  } catch (caught) {
    io.progressDone();
    // A disk that fills up mid-run is a stop like any other: the checkpoint still holds.
    const e = isFlaglessError(caught) ? caught : new FlaglessError('E_INTERNAL', caught instanceof Error ? caught.message : String(caught));
    // Refused before a page was saved (usage, credentials): nothing to continue.
    const refused = !wrote && (e.code === 'E_USAGE' || (e.code === 'E_SOURCE_API' && e.errorClass === 'fatal'));
    const signal = ac.signal.aborted ? String(ac.signal.reason) : undefined;
    const code = refused ? EXIT_USAGE : signal ? (SIGNAL_EXIT[signal] ?? EXIT_STOPPED) : EXIT_STOPPED;
    const hint = refused ? '' : ` Run the same command again to continue from ${out}.partial.json.`;
    io.err(`flagless: ${e.code}: ${e.message}${hint && !e.message.includes('.partial.json') ? hint : ''}`);
    if (io.json) io.out(JSON.stringify({ error: { code: e.code, message: e.message }, resumable: !refused, checkpoint: refused ? undefined : `${out}.partial.json` }));
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
};
