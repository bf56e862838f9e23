// The SSO cutover proof, shared by `flagless demo sso` and its test: a real Keycloak realm as the
// customers' IdP (two SAML connections, one OIDC), strict simulators of the legacy (Auth0) and
// target (WorkOS) service-provider sides, a router on the legacy callback URLs (the cutover proxy
// inside the gateway, or none), and headless chromium signing in through it in a loop per
// connection while one connection is flipped to the target and back. Every login is recorded
// with the side its flag named when the router decided, and the side it actually landed on.
import { randomBytes } from 'node:crypto';
import { connectKeycloak } from '../../connectors/keycloak/admin-client.js';
import { setupIdpRealm, type IdpRealm } from '../../connectors/keycloak/idp-realm.js';
import { startAuth0SsoSim, type Auth0SsoConnection } from '../../connectors/auth0/sim/sso-callback.js';
import { startWorkosSsoSim, type WorkosSsoConnection } from '../../connectors/workos/sim/sso-acs.js';
import { launchProofBrowser, type BrowserSession, type LoginOutcome, type ProofBrowser } from './browser.js';
import type { ProviderEndpoints, RouterSetup, SsoProofConnection, SsoRouter, SsoSide } from './router.js';
import { judge, type SsoProofVerdict } from './verdict.js';

export type LoginKind = 'saml-sp-initiated' | 'saml-idp-initiated' | 'oidc';
export type Phase = 'before' | 'during' | 'after';

export interface ProofLogin extends LoginOutcome {
  connection: string;
  kind: LoginKind;
  /** When the router decided it: before the flip, during (until the rollback applied), after. */
  phase: Phase;
  /** The side the connection's flag named when the router decided; both when a flip was in flight. */
  expected: SsoSide[];
}

export interface ProofFlip {
  connection: string;
  from: SsoSide;
  to: SsoSide;
  requestedAt: number;
  appliedAt: number;
}

export interface SsoProofOptions {
  keycloak: { url: string; username: string; password: string };
  /** Builds the router once the providers run (the proxy in the gateway, or `directRouter`). */
  router: (setup: RouterSetup) => Promise<SsoRouter>;
  /** The connection flipped to the target and back (default the first SAML one); none when the router cannot flip. */
  flip?: string;
  /** Logins per connection in each phase (default 4). */
  loginsPerPhase?: number;
  chromium?: string;
  onProgress?: (line: string) => void;
}

export interface SsoProofResult {
  realm: string;
  connections: SsoProofConnection[];
  logins: ProofLogin[];
  flips: ProofFlip[];
  /** What each provider recorded: completed logins (with the SAMLResponse hash) and refusals. */
  received: Record<SsoSide, { completed: Array<{ connection: string; kind: string; samlResponseSha256?: string }>; refused: Array<{ connection: string | undefined; reason: string }> }>;
  verdict: SsoProofVerdict;
  seconds: number;
}

export const PROOF_CONNECTIONS: SsoProofConnection[] = [
  { name: 'acme-saml', protocol: 'saml' },
  { name: 'globex-saml', protocol: 'saml' },
  { name: 'initech-oidc', protocol: 'oidc' },
];

const TENANT = 'flagless-demo';

function userFor(connection: string): { username: string; email: string; firstName: string; lastName: string; password: string } {
  const org = connection.split('-')[0]!;
  // A per-run password: the IdP's users live only as long as the realm.
  return { username: `ada.${org}`, email: `ada@${org}.example`, firstName: 'Ada', lastName: org, password: randomBytes(12).toString('base64url') };
}

/** Which side a flip log says a connection pointed at, at time t (both during a flip in flight). */
export function sidesAt(flips: ProofFlip[], connection: string, t: number): SsoSide[] {
  let side: SsoSide = 'legacy';
  for (const f of flips) {
    if (f.connection !== connection) continue;
    if (f.appliedAt <= t) side = f.to;
    else if (f.requestedAt <= t) return [f.from, f.to];
  }
  return [side];
}

export async function runSsoProof(options: SsoProofOptions): Promise<SsoProofResult> {
  const t0 = Date.now();
  const say = options.onProgress ?? (() => {});
  const perPhase = options.loginsPerPhase ?? 4;
  const connections = PROOF_CONNECTIONS;
  const realm = `flagless-sso-proof-${randomBytes(3).toString('hex')}`;
  const closers: Array<() => Promise<void>> = [];
  try {
    const legacySim = await startAuth0SsoSim();
    closers.push(() => legacySim.close());
    const targetSim = await startWorkosSsoSim();
    closers.push(() => targetSim.close());
    const legacy: ProviderEndpoints = {
      samlAcsUrl: (c) => `${legacySim.url}/login/callback?connection=${encodeURIComponent(c)}`,
      oidcCallbackUrl: () => `${legacySim.url}/login/callback`,
      startUrl: (c) => `${legacySim.url}/authorize?connection=${encodeURIComponent(c)}`,
    };
    const target: ProviderEndpoints = {
      samlAcsUrl: (c) => `${targetSim.url}/sso/saml/acs/${encodeURIComponent(c)}`,
      oidcCallbackUrl: () => `${targetSim.url}/sso/oidc/callback`,
      startUrl: (c) => `${targetSim.url}/sso/authorize?connection=${encodeURIComponent(c)}`,
    };
    // Keycloak's endpoints follow from the realm's name; checked against its discovery below.
    const realmUrl = `${options.keycloak.url.replace(/\/+$/, '')}/realms/${realm}`;
    const predicted = { samlEntityId: realmUrl, samlSsoUrl: `${realmUrl}/protocol/saml`, oidcIssuer: realmUrl, oidcAuthorizationEndpoint: `${realmUrl}/protocol/openid-connect/auth` };
    const router = await options.router({ connections, idp: predicted, legacy, target });
    closers.push(() => router.close());

    say(`IdP: Keycloak realm ${realm} at ${options.keycloak.url} (SAML: ${connections.filter((c) => c.protocol === 'saml').map((c) => c.name).join(', ')}; OIDC: ${connections.filter((c) => c.protocol === 'oidc').map((c) => c.name).join(', ')})`);
    // Creating a realm is one of the slowest admin calls (seconds, more on a busy machine).
    const kc = await connectKeycloak({ ...options.keycloak, timeoutMs: 120_000 });
    const users = Object.fromEntries(connections.map((c) => [c.name, userFor(c.name)]));
    const spEntityId = (c: string): string => `urn:auth0:${TENANT}:${c}`;
    const idp: IdpRealm = await setupIdpRealm(kc, {
      realm,
      saml: connections.filter((c) => c.protocol === 'saml').map((c) => ({ name: c.name, spEntityId: spEntityId(c.name), acsUrl: router.legacyAcsUrl(c.name) })),
      oidc: connections.filter((c) => c.protocol === 'oidc').map((c) => ({ name: c.name, clientId: `${TENANT}-${c.name}`, redirectUri: router.legacyOidcCallbackUrl(c.name) })),
      users: Object.values(users),
    });
    closers.push(async () => {
      await kc.admin.realms.del({ realm }).catch(() => undefined);
    });
    const actual = { samlEntityId: idp.samlEntityId, samlSsoUrl: idp.samlSsoUrl, oidcIssuer: idp.oidc.issuer, oidcAuthorizationEndpoint: idp.oidc.authorizationEndpoint };
    if (JSON.stringify(actual) !== JSON.stringify(predicted)) throw new Error(`the IdP's endpoints are not where the router was told: ${JSON.stringify(actual)}`);
    // Both providers hold the same connection settings: the target's were set up from the
    // legacy ones (sso setup), keeping the SP entity ID and ACS URL the IdP already trusts.
    const simConnections = (side: SsoSide): Array<Auth0SsoConnection & WorkosSsoConnection> =>
      connections.map((c) => {
        const via = router.requestVia?.(side, c.name);
        return c.protocol === 'saml'
          ? { name: c.name, protocol: 'saml', spEntityId: spEntityId(c.name), acsUrl: router.legacyAcsUrl(c.name), idpEntityId: idp.samlEntityId, idpSsoUrl: idp.samlSsoUrl, idpCertPem: idp.signingCertPem, idpInitiated: true, ...(via ? { requestVia: via } : {}) }
          : ({ name: c.name, protocol: 'oidc', clientId: `${TENANT}-${c.name}`, clientSecret: idp.oidcSecrets[c.name]!, redirectUri: router.legacyOidcCallbackUrl(c.name), ...idp.oidc, ...(via ? { requestVia: via } : {}) } as Auth0SsoConnection & WorkosSsoConnection);
      });
    legacySim.configure(simConnections('legacy'));
    targetSim.configure(simConnections('target'));

    say('browser: headless chromium, one session per connection');
    const browser: ProofBrowser = await launchProofBrowser(options.chromium);
    closers.push(() => browser.close());
    const sessions = new Map<string, BrowserSession>();
    for (const c of connections) sessions.set(c.name, await browser.session(users[c.name]!, (url, method) => router.routes(url, method)));

    const logins: ProofLogin[] = [];
    const flips: ProofFlip[] = [];
    const flipName = router.flip ? (options.flip ?? connections.find((c) => c.protocol === 'saml')!.name) : undefined;
    let stop = false;

    const loop = async (c: SsoProofConnection): Promise<void> => {
      const session = sessions.get(c.name)!;
      for (let i = 0; !stop; i++) {
        // SAML connections alternate SP-initiated and IdP-initiated logins; OIDC is SP-initiated.
        const kind: LoginKind = c.protocol === 'oidc' ? 'oidc' : i % 2 === 0 ? 'saml-sp-initiated' : 'saml-idp-initiated';
        const url = kind === 'saml-idp-initiated' ? idp.idpInitiatedUrls[c.name]! : router.startUrl(c.name);
        const out = await session.login(url);
        const decidedAt = out.routedAt ?? out.startedAt;
        logins.push({ ...out, connection: c.name, kind, phase: 'before', expected: sidesAt(flips, c.name, decidedAt) });
      }
    };
    const count = (name: string, pred: (l: ProofLogin) => boolean = () => true): number => logins.filter((l) => l.connection === name && pred(l)).length;
    const waitFor = async (cond: () => boolean, what: string, timeoutMs = 150_000): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`the proof timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const flip = async (to: SsoSide): Promise<void> => {
      const from: SsoSide = to === 'target' ? 'legacy' : 'target';
      const requestedAt = Date.now();
      const pending: ProofFlip = { connection: flipName!, from, to, requestedAt, appliedAt: Number.POSITIVE_INFINITY };
      flips.push(pending);
      await router.flip!(flipName!, to);
      pending.appliedAt = Date.now();
      say(`flip: ${flipName} → ${to} (${pending.appliedAt - requestedAt} ms)`);
    };

    say(`logins: ${perPhase} per connection before${flipName ? `, then ${flipName} → target while every connection keeps signing in, then back` : ''}`);
    const loops = connections.map((c) => loop(c));
    const loopsDone = Promise.all(loops);
    try {
      await waitFor(() => connections.every((c) => count(c.name) >= perPhase), 'the logins before the flip');
      if (flipName) {
        await flip('target');
        const applied = flips[0]!.appliedAt;
        await waitFor(() => count(flipName, (l) => (l.routedAt ?? l.startedAt) > applied) >= perPhase, `${perPhase} logins of ${flipName} at the target`);
        await flip('legacy');
        const back = flips[1]!.appliedAt;
        await waitFor(() => connections.every((c) => count(c.name, (l) => l.startedAt > back) >= perPhase), 'the logins after the rollback');
      }
    } finally {
      stop = true;
      await loopsDone;
    }
    // Each login's phase is when the router decided it (the start, or the IdP's post), as the
    // flag it was routed by: before the flip, while flipped (until the rollback applied), after.
    for (const l of logins) {
      const t = l.routedAt ?? l.startedAt;
      l.phase = flips.length === 0 || t < flips[0]!.requestedAt ? 'before' : flips.length < 2 || t < flips[1]!.appliedAt ? 'during' : 'after';
    }
    const received = {
      legacy: { completed: legacySim.completed.map((l) => ({ ...l })), refused: legacySim.refused.map((r) => ({ ...r })) },
      target: { completed: targetSim.completed.map((l) => ({ ...l })), refused: targetSim.refused.map((r) => ({ ...r })) },
    };
    const verdict = judge({ connections, logins, flips, received, flipped: flipName });
    return { realm, connections, logins, flips, received, verdict, seconds: (Date.now() - t0) / 1000 };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}
