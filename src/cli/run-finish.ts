import fs from 'node:fs';
import { finish, finishReportCsv, type FinishResult } from '../app/finish.js';
import { FlaglessError, isFlaglessError } from '../protocol/errors.js';
import { exitCodeForFatal } from './exit-codes.js';
import { positiveNumber, str, targetFromFlags } from './open-target.js';
import { EXIT_OK, EXIT_PROBLEMS, type CommandIo, type ParsedCommand } from './spec.js';

function human(r: FinishResult): string {
  const t = r.resets;
  const lines = [`finish ${r.dryRun ? '(dry run) ' : ''}into ${r.target}`];
  if (r.dryRun) lines.push(`  password resets: ${t.wouldSend} would be sent, ${t.alreadySent} already sent, ${t.unconfirmed} unconfirmed, ${t.skipped} skipped`);
  else lines.push(`  password resets: ${t.sent} sent now, ${t.alreadySent} sent earlier, ${t.skipped} skipped, ${t.failed} failed, ${t.unconfirmed} unconfirmed (of ${t.candidates} users who need one)`);
  for (const e of r.entries.filter((x) => x.result === 'failed' || x.result === 'unconfirmed').slice(0, 20)) lines.push(`    ${e.result}: ${e.sourceId}${e.detail ? ` (${e.detail})` : ''}`);
  if (t.unconfirmed) lines.push('  unconfirmed: a run stopped while the target was asked; the message may have gone out. Check the target\'s email log, then run again with --resend-unconfirmed for those that did not.');
  if (r.sms.targetCarriesSms) lines.push('  SMS second factors: the target carries them; no re-enrolment needed');
  else if (r.sms.users === 0) lines.push('  SMS second factors: none to re-enrol');
  else {
    lines.push(`  SMS second factors: ${r.sms.users} users must re-enrol (the target does not carry SMS); send the notice before the cutover`);
    if (r.sms.csv) lines.push(`    who: ${r.sms.csv}`);
    if (r.sms.notice?.files) lines.push(`    notice: ${r.sms.notice.files.join(', ')}`);
    if (!r.sms.csv && !r.sms.notice?.files && !r.dryRun) lines.push('    (--sms-csv FILE and --notice-out PREFIX write the list and the notice)');
  }
  return lines.join('\n');
}

/** `flagless finish`: exit 0 when every user who needed a reset has one (or was skipped with a reason), 1 with failed or unconfirmed ones. */
export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const flags = args.flags;
  const target = targetFromFlags(flags);
  const linksOut = str(flags['links-out']);
  const report = str(flags.report);
  const rate = positiveNumber(flags, 'rate');
  if (linksOut) io.err(`flagless: warning: --links-out writes every reset link to ${linksOut}: each one lets its holder set the user's password. Keep the file private (it is created 0600), deliver the links, then delete it.`);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let processed = 0;
  let result: FinishResult;
  try {
    result = await finish({
      target,
      ...(str(flags.state) ? { state: str(flags.state)! } : {}),
      dryRun: Boolean(flags['dry-run']),
      ...(rate !== undefined ? { rate } : {}),
      resendUnconfirmed: Boolean(flags['resend-unconfirmed']),
      ...(linksOut ? { linksOut } : {}),
      ...(str(flags['sms-csv']) ? { smsCsv: str(flags['sms-csv'])! } : {}),
      ...(str(flags['notice-out']) ? { noticeOut: str(flags['notice-out'])! } : {}),
      ...(str(flags.cutover) ? { cutover: str(flags.cutover)! } : {}),
      ...(str(flags.product) ? { product: str(flags.product)! } : {}),
      onProgress: (n) => {
        processed = n;
        io.progress(`finish: ${n} users handled`);
      },
      signal: controller.signal,
    });
  } catch (e) {
    io.progressDone();
    if (isFlaglessError(e)) {
      io.err(`flagless: ${e.code}: ${e.message}`);
      if (io.json) io.out(JSON.stringify({ error: { code: e.code, message: e.message } }));
      if (e.code === 'E_INTERRUPTED') return controller.signal.aborted ? 130 : 3;
      return exitCodeForFatal(e.code, processed > 0);
    }
    throw e;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  io.progressDone();
  if (report) {
    try {
      fs.writeFileSync(report, finishReportCsv(result.entries));
    } catch (e) {
      throw new FlaglessError('E_INPUT_UNREADABLE', `cannot write the report ${report}: ${(e as Error).message}`);
    }
  }
  if (io.json) io.out(JSON.stringify({ ...result, ...(report ? { report } : {}) }, null, 2));
  else io.out(human(result) + (report ? `\n  report: ${report}` : ''));
  const t = result.resets;
  return t.failed || t.unconfirmed ? EXIT_PROBLEMS : EXIT_OK;
}
