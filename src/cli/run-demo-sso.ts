import { ssoDemo, type SsoDemoResult } from '../app/sso-demo.js';
import { FlaglessError } from '../protocol/errors.js';
import { EXIT_OK, EXIT_PROBLEMS, type CommandIo, type ParsedCommand } from './spec.js';

function tally(t: { legacy: number; target: number; failed: number }): string {
  return `${t.legacy} legacy / ${t.target} target / ${t.failed} failed`;
}

/** The human report: per connection, logins before, during and after the flip; the flips; the checks. */
export function ssoDemoReport(r: SsoDemoResult): string {
  const L: string[] = [''];
  L.push(`SSO cutover through the proxy: IdP = Keycloak realm ${r.realm} (${r.keycloak.how === 'KEYCLOAK_URL' ? 'KEYCLOAK_URL' : `local server, ${r.keycloak.how}`}), legacy = Auth0 SP simulator, target = WorkOS SP simulator, logins by headless chromium`);
  L.push('');
  const w = Math.max(10, ...r.verdict.connections.map((c) => c.name.length));
  L.push(`  ${'connection'.padEnd(w)}  ${'protocol'.padEnd(8)}  ${'before the flip'.padEnd(34)}  ${'during'.padEnd(34)}  ${'after the rollback'.padEnd(34)}  flips`);
  for (const c of r.verdict.connections) {
    L.push(`  ${c.name.padEnd(w)}  ${c.protocol.padEnd(8)}  ${tally(c.phases.before).padEnd(34)}  ${tally(c.phases.during).padEnd(34)}  ${tally(c.phases.after).padEnd(34)}  ${c.flips}`);
  }
  L.push('');
  if (r.flips.length === 0) L.push('Flips: none.');
  for (const f of r.flips) {
    const next = r.logins.find((l) => l.connection === f.connection && (l.routedAt ?? l.startedAt) >= f.appliedAt);
    const took = next ? ` (the next login, ${((next.routedAt ?? next.startedAt) - f.requestedAt).toFixed(0)} ms after the flip, went to the ${next.provider === 'workos' ? 'target' : 'legacy provider'})` : '';
    L.push(`${f.to === 'legacy' ? 'Rollback' : 'Flip'}: ${f.connection} ${f.from} → ${f.to}${took}`);
  }
  const failed = r.logins.filter((l) => !l.ok);
  L.push(`Failed logins: ${failed.length} of ${r.logins.length}${failed.length ? `: ${failed.slice(0, 5).map((l) => `${l.connection} ${l.kind}: ${l.reason ?? 'failed'}`).join('; ')}` : ''}`);
  L.push('Checks:');
  for (const c of r.verdict.checks) L.push(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`);
  const kc = r.keycloak.stopped ? 'Keycloak stopped' : `Keycloak left running (${r.keycloak.leftRunning ?? 'not started by the demo'})`;
  L.push(`Done in ${r.seconds.toFixed(1)} s. The simulators, the gateway and chromium are stopped; ${kc}.`);
  return L.join('\n');
}

export async function runSsoDemo(args: ParsedCommand, io: CommandIo): Promise<number> {
  const logins = Number(args.flags.logins);
  if (!Number.isInteger(logins) || logins < 1 || logins > 50) throw new FlaglessError('E_USAGE', '--logins must be a whole number from 1 to 50.');
  const r = await ssoDemo({ env: process.env, chromium: String(args.flags.chromium), loginsPerPhase: logins, onProgress: (line) => io.err(line) });
  const report = ssoDemoReport(r);
  if (io.json) {
    io.err(report);
    io.out(
      JSON.stringify(
        {
          ok: r.verdict.ok,
          seconds: Number(r.seconds.toFixed(2)),
          realm: r.realm,
          keycloak: r.keycloak,
          connections: r.verdict.connections.map((c) => ({ name: c.name, protocol: c.protocol, flips: c.flips, loginsLegacy: c.legacy, loginsTarget: c.target, failed: c.failed, phases: c.phases })),
          flips: r.flips.map((f) => ({ connection: f.connection, from: f.from, to: f.to, at: new Date(f.requestedAt).toISOString(), appliedMs: f.appliedAt - f.requestedAt })),
          rollback: r.flips.filter((f) => f.to === 'legacy').map((f) => ({ connection: f.connection, at: new Date(f.requestedAt).toISOString() })),
          checks: r.verdict.checks,
        },
        null,
        2,
      ),
    );
  } else io.out(report);
  return r.verdict.ok ? EXIT_OK : EXIT_PROBLEMS;
}
