import type { DoctorCheck, SocialConnection } from '../protocol/doctor.js';

/**
 * Compares the legacy provider's social connections with the target's: a provider missing at the
 * target, or configured with another OAuth client id, means users who signed in with it would
 * get a new account instead of finding theirs (the guides' auto-linking warning).
 */
export function compareSocialConnections(legacy: readonly SocialConnection[], target: readonly SocialConnection[]): DoctorCheck[] {
  const out: DoctorCheck[] = [];
  for (const l of legacy) {
    const t = target.find((x) => x.provider === l.provider);
    const id = `social.${l.provider}`;
    if (!t) out.push({ id, status: 'warn', message: `${l.provider} sign-in is configured at the legacy provider but not at the target`, fix: `add ${l.provider} at the target with the same OAuth client id${l.clientId ? ` (${l.clientId})` : ''}` });
    else if (l.clientId && t.clientId && l.clientId !== t.clientId) out.push({ id, status: 'warn', message: `${l.provider} uses client id ${l.clientId} at the legacy provider and ${t.clientId} at the target: users would not be linked to their accounts`, fix: `configure the target's ${l.provider} connection with client id ${l.clientId} (and its secret)` });
    else if (!l.clientId || !t.clientId) out.push({ id, status: 'warn', message: `${l.provider}: the client id is unknown on one side (${l.clientId ? 'target' : 'legacy'}); cannot tell whether users will be linked`, fix: 'compare the OAuth client ids by hand' });
    else out.push({ id, status: 'ok', message: `${l.provider} uses the same client id on both sides` });
  }
  return out;
}
