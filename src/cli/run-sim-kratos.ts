import { FlaglessError } from '../protocol/errors.js';
import { numberFlag } from './run-sim.js';
import { EXIT_OK, type ParsedCommand, type CommandIo } from './spec.js';

/**
 * `flagless sim kratos`: the strict local Ory Kratos + Keto until SIGINT or SIGTERM. Prints the
 * environment lines that point flagless (and Ory's SDKs) at it; with --json, one document
 * `{url, adminUrl, publicUrl, ketoWriteUrl, ketoReadUrl, apiKey?}` on stdout instead.
 */

/** Ory Network, Production plan, production environment, bucket kratos-admin-low (docs/vendor-facts.md). */
const ORY_NETWORK_LIMIT = { perSecond: 15, perMinute: 400 };

export async function runKratosSim(args: ParsedCommand, io: CommandIo, waitForSignal: () => Promise<string>): Promise<number> {
  const { flags } = args;
  const port = numberFlag(flags, 'port', 0, 65535);
  if (port !== undefined && !Number.isInteger(port)) throw new FlaglessError('E_USAGE', '--port must be a whole number.');
  const oryNetwork = flags['ory-network'] === true;
  const apiKey = typeof flags['api-key'] === 'string' && flags['api-key'] !== '' ? flags['api-key'] : undefined;
  if (oryNetwork && !apiKey) throw new FlaglessError('E_USAGE', '--ory-network needs --api-key: the key the admin APIs will require as a bearer token.');
  const hook = typeof flags['migration-hook'] === 'string' && flags['migration-hook'] !== '' ? flags['migration-hook'] : undefined;
  if (hook) {
    try {
      new URL(hook);
    } catch {
      throw new FlaglessError('E_USAGE', `--migration-hook must be a URL; got "${hook}".`);
    }
  }
  const { startKratosSimulator } = await import('../connectors/kratos/sim/server.js');
  let sim;
  try {
    sim = await startKratosSimulator({
      ...(port !== undefined ? { port } : {}),
      ...(apiKey ? { adminToken: apiKey } : {}),
      ...(oryNetwork ? { rateLimit: ORY_NETWORK_LIMIT } : {}),
      ...(hook ? { migrationHookUrl: hook } : {}),
      ...(typeof flags['migration-hook-token'] === 'string' ? { migrationHookToken: flags['migration-hook-token'] } : {}),
    });
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new FlaglessError('E_USAGE', code === 'EADDRINUSE' ? `port ${port} is already in use; pick another --port (0 = any free port).` : `the simulator could not start: ${(e as Error).message}`);
  }
  const signal = waitForSignal();
  if (io.json) {
    io.out(JSON.stringify({ url: sim.url, adminUrl: sim.url, publicUrl: sim.url, ketoWriteUrl: sim.url, ketoReadUrl: sim.url, ...(apiKey ? { apiKey } : {}) }));
  } else {
    io.err(`Ory Kratos + Keto simulator listening on ${sim.url} (identity schema "default"; ${oryNetwork ? 'Ory Network limits: 15 identity writes/s, 400/min' : 'self-hosted: no rate limit'}; migration hook: ${hook ?? 'off'})`);
    io.err('Point flagless (or any Ory SDK) at it:');
    io.out(`export KRATOS_ADMIN_URL=${sim.url}\nexport KRATOS_PUBLIC_URL=${sim.url}\nexport KETO_WRITE_URL=${sim.url}\nexport KETO_READ_URL=${sim.url}${apiKey ? `\nexport ORY_API_KEY=${apiKey}` : ''}`);
    io.err(`Counters: ${sim.url}/_sim/stats. Stop with Ctrl-C.`);
  }
  const got = await signal;
  const stats = sim.stats();
  await sim.stop();
  if (!io.quiet) io.err(`${got}: simulator stopped after ${stats.requests} requests (${stats.writesApplied} writes applied, ${stats.rateLimited} rate-limited); ${stats.identities} identities, ${stats.tuples} relation tuples, ${stats.logins.succeeded} sign-ins.`);
  return EXIT_OK;
}
