import { loadSsoProxyConfig, ssoStatus } from '../app/sso-cutover.js';
import { str } from './open-target.js';
import { EXIT_OK, type CommandIo, type ParsedCommand } from './spec.js';

/** `flagless sso status`: every connection's side, rollout, last flip and counts since, from the shared state. */
export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const state = str(args.flags.state);
  const configPath = str(args.flags['sso-config']);
  const report = await ssoStatus({ ...(state ? { state } : {}), ...(configPath ? { config: loadSsoProxyConfig(configPath) } : {}) });
  if (io.json) {
    io.out(JSON.stringify(report));
    return EXIT_OK;
  }
  const lines = [`SSO connections (state: ${report.state})`, ''];
  if (report.connections.length === 0) lines.push('No connection has been flipped yet (give --sso-config to list the proxied ones).');
  const head = ['connection', 'side', 'rollout', 'last flip', 'legacy resp/start/ok/failed', 'target resp/start/ok/failed'];
  const rows = report.connections.map((c) => [
    c.name,
    c.flagged ? c.side : `${c.side} (default)`,
    [c.percent !== undefined ? `${c.percent}%` : '', c.domains?.join(',') ?? ''].filter(Boolean).join(' ') || '-',
    c.lastFlip ? `${c.lastFlip.from}→${c.lastFlip.to} ${c.lastFlip.at.slice(0, 19).replace('T', ' ')} by ${c.lastFlip.who} (${c.lastFlip.reason})` : '-',
    ...(['legacy', 'target'] as const).map((s) => {
      const x = c.sinceFlip[s];
      return `${x.response}/${x.start}/${x.completed}/${x.failed}`;
    }),
  ]);
  if (rows.length) {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const r of [head, ...rows]) lines.push(r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd());
  }
  if (report.recentFlips.length) {
    lines.push('', 'Last flips:');
    for (const f of report.recentFlips) lines.push(`  ${f.at.slice(0, 19).replace('T', ' ')}  ${f.connection}  ${f.from} → ${f.to}${f.percent !== undefined ? ` ${f.percent}%` : ''}${f.domains ? ` ${f.domains.join(',')}` : ''}  by ${f.who}  (${f.reason})`);
  }
  io.out(lines.join('\n'));
  return EXIT_OK;
}
