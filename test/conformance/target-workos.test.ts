// WorkOS through its official SDK against the strict simulator (src/connectors/workos/sim/), with a
// fault-injecting proxy in front of it for the 429 and 5xx cases.
import { WorkOS } from '@workos-inc/node';
import { target } from '../../src/connectors/workos/index.js';
import type { MfaKind } from '../../src/model/user.js';
import { startWorkosSimulator } from '../../src/connectors/workos/sim/server.js';
import { startHttpFaultProxy } from '../helpers/fault-proxy.js';
import { httpProxyFaults, runTargetConformance } from './target-suite.js';

runTargetConformance({
  name: 'workos (simulator)',
  capabilities: target.capabilities,
  async open() {
    const sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0, loginsPerEmailPerMinute: 0, roles: ['admin', 'member'] });
    const proxy = await startHttpFaultProxy(sim.url);
    const opened = await target.open({ env: { WORKOS_API_KEY: sim.apiKey, WORKOS_CLIENT_ID: sim.clientId }, url: proxy.url }).catch(async (e: unknown) => {
      await proxy.close();
      await sim.stop();
      throw e;
    });
    // The factors as WorkOS lists them, read past the target (the suite's check of declared TOTP).
    const u = new URL(sim.url);
    const sdk = new WorkOS(sim.apiKey, { apiHostname: u.hostname, port: Number(u.port), https: false });
    return {
      target: opened,
      faults: httpProxyFaults(proxy),
      inspect: {
        async factors(ref) {
          const kinds: MfaKind[] = [];
          for (const f of (await sdk.userManagement.listAuthFactors({ userId: ref.id })).data) if (f.type === 'totp') kinds.push('totp');
          return kinds;
        },
      },
      async close() {
        await opened.close();
        await proxy.close();
        await sim.stop();
      },
    };
  },
});
