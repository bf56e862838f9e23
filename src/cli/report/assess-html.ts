import { plural } from '../../lib/english.js';
import type { AssessReport } from '../../engine/assess/assess.js';
import { esc, table } from './html.js';


/** One self-contained HTML file (no scripts, no external assets) a team lead can open and read. */
export function renderAssessHtml(r: AssessReport, file: string, generatedAt = new Date(), applicationSection?: string): string {
  const kv = (o: Record<string, number>) => Object.entries(o).sort((a, b) => b[1] - a[1]);
  const summary: [string, unknown][] = [
    ['Users', r.users],
    ['With a password', r.withPassword],
    ['Hash imports as is', r.passwordPlans.import],
    ['Needs JIT move or reset', r.passwordPlans.jit],
    ['Social-only', r.socialOnly],
    ['TOTP (secret exported)', `${r.mfa.totp} (${r.mfa.totpWithSecret})`],
    ['SMS MFA', r.mfa.sms],
    ['Disabled', r.disabled],
    ['Without email', r.withoutEmail],
    ['Duplicate-email groups', `${r.duplicateEmailGroups} (${r.usersInDuplicateGroups} users)`],
    ['Organizations / memberships', `${r.organizations} / ${r.memberships}`],
    ['Password records without user', r.passwordsWithoutUser],
    ['Problems', r.problemCount],
    ...(r.absent ? [['Not in this export', `${r.absent.fields.join(', ')}: ${r.absent.how}`] as [string, unknown]] : []),
  ];
  const targets = r.targets.map((t) => [
    t.displayName,
    t.passwords.native,
    t.passwords.withExtension,
    t.passwords.jitOrReset,
    Object.entries(t.lost).filter(([, v]) => v > 0).map(([k, v]) => `${k}: ${v}`).join(', ') || 'nothing',
  ]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>flagless assess: ${esc(r.source)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f6f8}.muted{color:#667}.bad{color:#a40000}
</style></head><body>
<h1>What is in this ${esc(r.source)} export, and what survives the move</h1>
<p class="muted">File ${esc(file)} · ${esc(r.users)} users read in ${esc((r.durationMs / 1000).toFixed(1))} s · generated ${esc(generatedAt.toISOString())} by flagless assess. No hash or secret is in this report.</p>
<h2>Summary</h2>${table(['', 'count'], summary)}
<h2>Password hashes</h2>${table(['algorithm', 'users'], kv(r.hashVariants))}
<h2>Linked identities</h2>${table(['provider', 'users'], kv(r.identityProviders))}
<h2>Per target</h2>
<p>Native: the target verifies the hash itself. Verifier: flagless's extension or verifier installed in the target verifies it. JIT/reset: no usable hash; the gateway moves the password at the next login, or the user resets it.</p>
${table(['target', 'native', 'verifier', 'JIT/reset', 'lost (users)'], targets)}
<h2>Duplicate emails (${esc(plural(r.duplicateEmailGroups, 'group'))})</h2>
<p>flagless never merges accounts: decide which user keeps each address.</p>
${table(['email', 'users'], r.duplicateEmails.map((g) => [g.email, g.users.map((u) => u.sourceId + (u.line ? ` (line ${u.line})` : '')).join(', ') + (g.count > g.users.length ? `, and ${g.count - g.users.length} more` : '')]))}
<h2 class="${r.problemCount ? 'bad' : ''}">Problems (${esc(r.problemCount)})</h2>
${table(['code', 'count'], kv(r.problemsByCode as Record<string, number>))}
${table(['where', 'code', 'message'], r.problems.map((p) => [`${p.file ?? ''}${p.line ? `:${p.line}` : ''}`, p.code, p.message]))}
${r.problemCount > r.problems.length ? `<p class="muted">${esc(r.problemCount - r.problems.length)} more not listed.</p>` : ''}
${applicationSection ?? ''}
</body></html>
`;
}
