import { plural } from '../../lib/english.js';
import type { AssessReport } from '../../engine/assess/assess.js';

function pct(n: number, total: number): string {
  return total === 0 ? '0%' : `${((n * 100) / total).toFixed(n * 100 < total ? 2 : 1)}%`;
}

function entries(o: Record<string, number>): string {
  const list = Object.entries(o).sort((a, b) => b[1] - a[1]);
  return list.length ? list.map(([k, v]) => `${k} ${v}`).join(', ') : 'none';
}

/** The human summary of `flagless assess` (stderr by default, or stdout without --json). */
export function renderAssessText(r: AssessReport, file: string): string {
  const L: string[] = [];
  L.push(`flagless assess: ${r.source} export ${file}`);
  L.push('');
  L.push(`Users                 ${r.users}   (${r.usersPerSecond.toLocaleString('en-US')} users/s, ${(r.durationMs / 1000).toFixed(1)} s${r.parts > 1 ? `, ${r.parts} threads` : ''})`);
  L.push(`  with a password     ${r.withPassword} (${pct(r.withPassword, r.users)}): hash imports for ${r.passwordPlans.import}, needs JIT or reset for ${r.passwordPlans.jit}`);
  L.push(`  hash algorithms     ${entries(r.hashVariants)}`);
  if (r.insecureHashes) L.push(`  insecure hashes     ${r.insecureHashes} (MD5 / SHA-1: sign-in once, then re-hashed)`);
  L.push(`  social-only         ${r.socialOnly}   (linked identities: ${entries(r.identityProviders)})`);
  L.push(`  MFA                 TOTP ${r.mfa.totp} (secret exported for ${r.mfa.totpWithSecret}), SMS ${r.mfa.sms}, other ${r.mfa.other}`);
  L.push(`  disabled            ${r.disabled}`);
  L.push(`  without email       ${r.withoutEmail};  no verified email: ${r.unverifiedEmail}`);
  L.push(`  with metadata       ${r.withMetadata}`);
  L.push(`Duplicate emails      ${plural(r.duplicateEmailGroups, 'group')}, ${plural(r.usersInDuplicateGroups, 'user')} (never merged: decide who keeps each address)`);
  for (const g of r.duplicateEmails.slice(0, 5)) L.push(`  ${g.email}: ${g.users.map((u) => u.sourceId + (u.line ? ` (line ${u.line})` : '')).join(', ')}${g.count > g.users.length ? `, and ${g.count - g.users.length} more` : ''}`);
  if (r.duplicateEmailGroups > 5) L.push(`  ... ${r.duplicateEmailGroups - 5} more (see --json or --html)`);
  L.push(`Organizations         ${r.organizations}, memberships ${r.memberships}`);
  if (r.absent) L.push(`Not in this export    ${r.absent.fields.join(', ')} (so 0 above means unknown): ${r.absent.how}`);
  if (r.passwordsWithoutUser || r.usersWithoutPasswordRecord) {
    L.push(`Password records      ${r.passwordsWithoutUser} without a user, ${r.usersWithoutPasswordRecord} database users without one`);
  }
  L.push('');
  L.push('What survives the move, per target:');
  for (const t of r.targets) {
    const lost = Object.entries(t.lost).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`);
    L.push(`  ${t.displayName.padEnd(12)} passwords: ${t.passwords.native} native, ${t.passwords.withExtension} with flagless's verifier, ${t.passwords.jitOrReset} JIT/reset, ${t.passwords.none} none`);
    L.push(`  ${''.padEnd(12)} lost: ${lost.length ? lost.join(', ') : 'nothing'}${t.metadataMerged ? `; public+private metadata merged for ${t.metadataMerged}` : ''}`);
  }
  L.push('');
  if (r.problemCount === 0) L.push('Problems              none');
  else {
    L.push(`Problems              ${r.problemCount}: ${entries(r.problemsByCode as Record<string, number>)}`);
    for (const p of r.problems.slice(0, 10)) {
      const where = p.file ? `${p.file}${p.line ? `:${p.line}` : ''}` : p.line ? `line ${p.line}` : '';
      L.push(`  ${where ? where + ' ' : ''}${p.code}: ${p.message}`);
    }
    if (r.problemCount > 10) L.push(`  ... ${r.problemCount - 10} more (see --json or --html)`);
  }
  return L.join('\n') + '\n';
}
