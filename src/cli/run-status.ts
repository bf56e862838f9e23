import { loadSsoProxyConfig } from '../app/sso-cutover.js';
import { status, type StatusReport } from '../app/status.js';
import { parseDuration } from './duration.js';
import { str } from './open-target.js';
import { EXIT_OK, EXIT_PROBLEMS, type CommandIo, type ParsedCommand } from './spec.js';

const MARK = { ok: 'ok     ', attention: 'LEFT   ', unknown: 'UNKNOWN' } as const;

export function formatStatus(r: StatusReport): string {
  const lines = [`${r.safeToSwitchOff ? 'SAFE TO SWITCH OFF' : 'NOT SAFE TO SWITCH OFF'} the legacy provider (state ${r.state}, ${r.generatedAt})`, ''];
  for (const c of r.checks) {
    lines.push(`  ${MARK[c.state]} ${c.name}: ${c.summary}`);
    for (const why of c.state === 'unknown' ? [] : c.reasons) lines.push(`          - ${why}`);
    for (const note of c.notes) lines.push(`          · ${note}`);
  }
  return lines.join('\n');
}

/** `flagless status`: exit 0 only when it is safe to switch the legacy provider off, 1 with the reasons, 2 on an unusable state. */
export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const flags = args.flags;
  const every = str(flags['expect-webhooks-every']);
  const ssoConfigPath = str(flags['sso-config']);
  const sso = ssoConfigPath ? loadSsoProxyConfig(ssoConfigPath) : undefined;
  const report = await status({
    ...(str(flags.state) ? { state: str(flags.state)! } : {}),
    ...(every ? { expectWebhooksEverySeconds: parseDuration(every, '--expect-webhooks-every') / 1000 } : {}),
    ...(sso ? { ssoConnections: sso.connections.map((c) => c.name), ssoDefaultSide: sso.defaultSide } : {}),
  });
  if (io.json) io.out(JSON.stringify(report, null, 2));
  else io.out(formatStatus(report));
  return report.safeToSwitchOff ? EXIT_OK : EXIT_PROBLEMS;
}
