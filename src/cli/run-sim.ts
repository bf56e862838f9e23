import { FlaglessError } from '../protocol/errors.js';
import { EXIT_OK, type CommandRunner, type FlagValues } from './spec.js';

/**
 * `flagless sim workos`: runs the strict local WorkOS simulator until SIGINT or SIGTERM.
 * Prints the URL and the environment lines that point flagless (and the WorkOS SDK) at it;
 * with --json, one document `{url, apiKey, clientId}` on stdout instead.
 */

export function numberFlag(flags: FlagValues, name: string, min: number, max: number): number | undefined {
  const raw = flags[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(n) || n < min || n > max) {
    throw new FlaglessError('E_USAGE', `--${name} must be a number from ${min} to ${max}; got "${String(raw)}".`);
  }
  return n;
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export const run: CommandRunner = async (args, io) => {
  if (args.positionals[0] === 'kratos') return (await import('./run-sim-kratos.js')).runKratosSim(args, io, waitForSignal);
  const { flags } = args;
  const port = numberFlag(flags, 'port', 0, 65535);
  if (port !== undefined && !Number.isInteger(port)) throw new FlaglessError('E_USAGE', '--port must be a whole number.');
  const rateLimit = numberFlag(flags, 'rate-limit', 0, 1_000_000);
  const burst = numberFlag(flags, 'burst', 1, 10_000_000);
  const readRateLimit = numberFlag(flags, 'read-rate-limit', 0, 1_000_000);
  const seed = numberFlag(flags, 'seed', 0, 2 ** 32 - 1);
  const { parseFaultSpec } = await import('../connectors/workos/sim/faults.js');
  let faults;
  try {
    faults = parseFaultSpec(typeof flags.faults === 'string' ? flags.faults : undefined);
  } catch (e) {
    throw new FlaglessError('E_USAGE', `--faults: ${(e as Error).message}.`);
  }
  const roles = typeof flags.roles === 'string' ? flags.roles.split(',').map((r) => r.trim()).filter((r) => r !== '') : undefined;

  const { startWorkosSimulator } = await import('../connectors/workos/sim/server.js');
  let sim;
  try {
    sim = await startWorkosSimulator({
      faults,
      ...(port !== undefined ? { port } : {}),
      ...(rateLimit !== undefined ? { rateLimit } : {}),
      ...(burst !== undefined ? { burst } : {}),
      ...(readRateLimit !== undefined ? { readRateLimit } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(typeof flags['api-key'] === 'string' ? { apiKey: flags['api-key'] } : {}),
      ...(typeof flags['client-id'] === 'string' ? { clientId: flags['client-id'] } : {}),
      ...(roles ? { roles } : {}),
      ...(flags['require-email-verification'] === true ? { requireEmailVerification: true } : {}),
    });
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new FlaglessError('E_USAGE', code === 'EADDRINUSE' ? `port ${port} is already in use; pick another --port (0 = any free port).` : `the simulator could not start: ${(e as Error).message}`);
  }
  const signal = waitForSignal();
  const config = sim.stats().config;
  if (io.json) {
    io.out(JSON.stringify({ url: sim.url, apiKey: sim.apiKey, clientId: sim.clientId }));
  } else {
    io.err(`WorkOS simulator listening on ${sim.url}`);
    io.err(`  writes: ${config.rateLimit > 0 ? `${config.rateLimit}/s, burst ${config.burst}` : 'unlimited'}; reads: ${config.readRateLimit > 0 ? `${config.readRateLimit}/s` : 'unlimited'}; faults: ${config.faults}`);
    io.err('Point flagless (or any WorkOS SDK) at it:');
    io.out(`export WORKOS_API_URL=${sim.url}\nexport WORKOS_API_KEY=${sim.apiKey}\nexport WORKOS_CLIENT_ID=${sim.clientId}`);
    io.err(`Counters: ${sim.url}/_sim/stats. Stop with Ctrl-C.`);
  }
  const got = await signal;
  const stats = sim.stats();
  await sim.stop();
  if (!io.quiet) {
    io.err(
      `${got}: simulator stopped after ${stats.requests} requests (${stats.writesApplied} writes applied, ${stats.rateLimited} rate-limited, ` +
        `${Object.values(stats.faults).reduce((a, b) => a + b, 0)} faults); ${stats.users} users, ${stats.organizations} organizations, ${stats.memberships} memberships.`,
    );
  }
  return EXIT_OK;
};
