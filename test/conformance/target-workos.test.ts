// WorkOS through its official SDK against the strict simulator (src/connectors/workos/sim/), with a
// fault-injecting proxy in front of it for the 429 and 5xx cases.
import { target } from '../../src/connectors/workos/index.js';
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
    return {
      target: opened,
      faults: httpProxyFaults(proxy),
      async close() {
        await opened.close();
        await proxy.close();
        await sim.stop();
      },
    };
  },
});
