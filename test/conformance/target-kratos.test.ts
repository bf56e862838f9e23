// Ory Kratos through its official SDK (@ory/kratos-client) against the strict simulator
// (src/connectors/kratos/sim/, which also serves Keto's relationship API), with a fault-injecting
// proxy in front of the admin API for the 429 and 5xx cases. What the target declares depends on
// the identity schema the server reports (email required, username, phone traits), so the suite
// holds it to what the opened target declares for the simulator's default schema.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { target } from '../../src/connectors/kratos/index.js';
import { startKratosSimulator } from '../../src/connectors/kratos/sim/server.js';
import type { MfaKind } from '../../src/model/user.js';
import type { TargetCapabilities } from '../../src/protocol/capabilities.js';
import { startHttpFaultProxy } from '../helpers/fault-proxy.js';
import { httpProxyFaults, runTargetConformance } from './target-suite.js';

const env = (admin: string, sim: string) => ({ KRATOS_ADMIN_URL: admin, KRATOS_PUBLIC_URL: sim, KETO_WRITE_URL: sim, KETO_READ_URL: sim });

/** What the connector declares once it has read the default identity schema. */
async function declared(): Promise<TargetCapabilities> {
  const sim = await startKratosSimulator({ bcryptCost: 4 });
  try {
    const t = await target.open({ env: env(sim.url, sim.url) });
    await t.close();
    return t.capabilities;
  } finally {
    await sim.stop();
  }
}

/**
 * The password-migration hook a real deployment points Kratos at (`flagless serve`); here one that
 * knows no user, so a hash Kratos cannot verify (imported with use_password_migration_hook, as the
 * suite's undeclared algorithm is) never signs in, as through a gateway whose legacy provider
 * refuses the password.
 */
async function refusingHook(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/lazy/kratos/password-migration`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

runTargetConformance({
  name: 'kratos (simulator)',
  capabilities: await declared(),
  async open() {
    const hook = await refusingHook();
    const sim = await startKratosSimulator({ bcryptCost: 4, migrationHookUrl: hook.url });
    const proxy = await startHttpFaultProxy(sim.url);
    const opened = await target.open({ env: env(proxy.url, sim.url) }).catch(async (e: unknown) => {
      await proxy.close();
      await sim.stop();
      await hook.close();
      throw e;
    });
    return {
      target: opened,
      faults: httpProxyFaults(proxy),
      inspect: {
        // The identity's credentials as Kratos holds them, read past the target.
        async factors(ref) {
          const kinds: MfaKind[] = [];
          const identity = sim.store.identities.get(ref.id);
          if (identity?.credentials.totp) kinds.push('totp');
          return kinds;
        },
      },
      async close() {
        await opened.close();
        await proxy.close();
        await sim.stop();
        await hook.close();
      },
    };
  },
});
