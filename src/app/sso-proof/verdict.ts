// Judges an SSO proof run from the evidence of both ends: what the browser saw (each login's end
// page, the SAMLResponse hashes it posted to the legacy ACS URL) against what each provider
// recorded (completed logins with the hash of the SAMLResponse it validated, refusals), and the
// flip log. Pure: the test and `flagless demo sso` print the same checks.
import type { SsoProofConnection, SsoSide } from './router.js';
import type { Phase, ProofFlip, ProofLogin } from './scenario.js';

export interface SsoProofCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ConnectionTally {
  legacy: number;
  target: number;
  failed: number;
}

export interface ConnectionSummary extends ConnectionTally {
  name: string;
  protocol: 'saml' | 'oidc';
  flips: number;
  phases: Record<Phase, ConnectionTally>;
}

export interface SsoProofVerdict {
  ok: boolean;
  checks: SsoProofCheck[];
  connections: ConnectionSummary[];
}

interface Received {
  completed: Array<{ connection: string; kind: string; samlResponseSha256?: string }>;
  refused: Array<{ connection: string | undefined; reason: string }>;
}

/** The provider each simulator names on its pages. */
const SIDE_OF_PROVIDER: Record<string, SsoSide> = { auth0: 'legacy', workos: 'target' };

export function sideOf(login: ProofLogin): SsoSide | undefined {
  return login.provider === undefined ? undefined : SIDE_OF_PROVIDER[login.provider];
}

export function judge(input: { connections: SsoProofConnection[]; logins: ProofLogin[]; flips: ProofFlip[]; received: Record<SsoSide, Received>; flipped: string | undefined }): SsoProofVerdict {
  const { connections, logins, flips, received, flipped } = input;
  const checks: SsoProofCheck[] = [];
  const add = (name: string, bad: string[], good: string): void => {
    checks.push({ name, ok: bad.length === 0, detail: bad.length ? `${bad.length}: ${bad.slice(0, 5).join('; ')}` : good });
  };
  const describe = (l: ProofLogin): string => `${l.connection} ${l.kind} (${l.phase})`;

  add('every login succeeded', logins.filter((l) => !l.ok).map((l) => `${describe(l)}: ${l.reason ?? 'failed'}`), `${logins.length} logins`);
  add(
    'each login landed at the provider its flag named',
    logins.filter((l) => l.ok && !l.expected.includes(sideOf(l)!)).map((l) => `${describe(l)} landed at ${sideOf(l) ?? l.provider} while the flag said ${l.expected.join(' or ')}`),
    'every one',
  );
  add(
    'the other connections were never affected',
    logins.filter((l) => l.connection !== flipped && (!l.ok || sideOf(l) !== 'legacy')).map((l) => `${describe(l)} ${l.ok ? `landed at ${sideOf(l)}` : 'failed'}`),
    `${logins.filter((l) => l.connection !== flipped).length} logins of ${connections.filter((c) => c.name !== flipped).length} connections, all at the legacy provider`,
  );
  // Byte-for-byte: the hash of the SAMLResponse as the browser posted it to the legacy ACS URL
  // (straight from the IdP's page) is the hash the provider computed over what it validated.
  const byteBad: string[] = [];
  const saml = logins.filter((l) => l.kind !== 'oidc' && l.ok);
  for (const l of saml) {
    const side = sideOf(l)!;
    if (l.samlResponseSha256.length !== 1) {
      byteBad.push(`${describe(l)}: the browser posted ${l.samlResponseSha256.length} SAMLResponses to the legacy ACS URL`);
      continue;
    }
    const h = l.samlResponseSha256[0];
    const here = received[side].completed.filter((r) => r.samlResponseSha256 === h).length;
    const other = received[side === 'legacy' ? 'target' : 'legacy'].completed.filter((r) => r.samlResponseSha256 === h).length;
    if (here !== 1 || other !== 0) byteBad.push(`${describe(l)}: its response was recorded ${here} time(s) at ${side} and ${other} at the other side`);
  }
  add('each SAML response reached its provider byte-for-byte as the IdP signed it', byteBad, `${saml.length} responses, SHA-256 equal at the IdP's post and at the provider`);

  const countBad: string[] = [];
  for (const c of connections) {
    for (const side of ['legacy', 'target'] as const) {
      const browser = logins.filter((l) => l.connection === c.name && l.ok && sideOf(l) === side).length;
      const provider = received[side].completed.filter((r) => r.connection === c.name).length;
      if (browser !== provider) countBad.push(`${c.name} at ${side}: the browser saw ${browser} logins, the provider recorded ${provider}`);
    }
  }
  for (const side of ['legacy', 'target'] as const) for (const r of received[side].refused) countBad.push(`${side} refused a response for ${r.connection ?? 'an unknown connection'}: ${r.reason}`);
  add("each provider's record of completed logins matches the browser's, with no refusal", countBad, 'both providers agree');

  if (flipped) {
    const toTarget = flips.find((f) => f.connection === flipped && f.to === 'target');
    const back = flips.find((f) => f.connection === flipped && f.to === 'legacy');
    const atTarget = logins.filter((l) => l.connection === flipped && l.ok && sideOf(l) === 'target' && toTarget && (l.routedAt ?? l.startedAt) >= toTarget.appliedAt).length;
    const afterBack = logins.filter((l) => l.connection === flipped && l.ok && sideOf(l) === 'legacy' && back && l.startedAt > back.appliedAt).length;
    add('the flip moved the connection and the rollback moved it back', [...(atTarget ? [] : ['no login reached the target after the flip']), ...(afterBack ? [] : ['no login reached the legacy provider after the rollback'])], `${atTarget} logins at the target after the flip, ${afterBack} at the legacy provider after the rollback`);
  }

  const tally = (ls: ProofLogin[]): ConnectionTally => ({
    legacy: ls.filter((l) => l.ok && sideOf(l) === 'legacy').length,
    target: ls.filter((l) => l.ok && sideOf(l) === 'target').length,
    failed: ls.filter((l) => !l.ok).length,
  });
  const summaries: ConnectionSummary[] = connections.map((c) => {
    const mine = logins.filter((l) => l.connection === c.name);
    const all = tally(mine);
    return {
      name: c.name,
      protocol: c.protocol,
      flips: flips.filter((f) => f.connection === c.name).length,
      ...all,
      phases: { before: tally(mine.filter((l) => l.phase === 'before')), during: tally(mine.filter((l) => l.phase === 'during')), after: tally(mine.filter((l) => l.phase === 'after')) },
    };
  });
  return { ok: checks.every((c) => c.ok), checks, connections: summaries };
}
