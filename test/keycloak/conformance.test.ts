// Keycloak against the real server (scripts/keycloak.mjs, leased like the other Keycloak tests), in a
// realm of its own deleted afterwards, through a fault-injecting proxy for the 429 and 5xx cases.
import { randomBytes } from 'node:crypto';
import { KeycloakAdminHttp } from '../../src/connectors/keycloak/admin-http.js';
import { connectKeycloak, getStoredCredentials } from '../../src/connectors/keycloak/admin-client.js';
import { target } from '../../src/connectors/keycloak/index.js';
import type { MfaKind } from '../../src/model/user.js';
import { httpProxyFaults, runTargetConformance } from '../conformance/target-suite.js';
import { startHttpFaultProxy } from '../helpers/fault-proxy.js';
import { releaseKeycloak, useKeycloak } from './server-helper.js';

runTargetConformance({
  name: 'keycloak (real server)',
  capabilities: target.capabilities,
  async open() {
    const kc = await useKeycloak();
    const realm = `flagless-conformance-${process.pid}-${randomBytes(3).toString('hex')}`;
    const proxy = await startHttpFaultProxy(kc.url);
    const conn = await connectKeycloak({ url: kc.url, username: kc.username, password: kc.password });
    const dropRealm = () => new KeycloakAdminHttp(kc.url, realm, () => conn.admin.getAccessToken(), 120_000).request('DELETE', '', { what: 'delete realm', accept: [404] });
    let opened: Awaited<ReturnType<typeof target.open>>;
    try {
      // Creating a realm takes Keycloak tens of seconds on a loaded machine: a longer per-request timeout than the default 30 s.
      opened = await target.open({ env: { KEYCLOAK_ADMIN_USERNAME: kc.username, KEYCLOAK_ADMIN_PASSWORD: kc.password, KEYCLOAK_TIMEOUT_MS: '120000' }, url: proxy.url, realm });
    } catch (e) {
      // Leave nothing behind (a realm half made, the proxy, the lease), or the test process never ends.
      await dropRealm().catch(() => undefined);
      await proxy.close();
      await releaseKeycloak();
      throw e;
    }
    return {
      target: opened,
      faults: httpProxyFaults(proxy),
      inspect: {
        async factors(ref) {
          const kinds: MfaKind[] = [];
          for (const c of await getStoredCredentials(conn, realm, ref.id)) if (c.type === 'otp') kinds.push('totp');
          return kinds;
        },
      },
      async close() {
        try {
          await opened.close();
          await dropRealm();
          await proxy.close();
        } finally {
          await releaseKeycloak();
        }
      },
    };
  },
});
