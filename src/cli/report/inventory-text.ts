import type { InventoryReport } from '../../app-code/inventory.js';

const KIND_LABEL: Record<string, string> = {
  import: 'import',
  hook: 'hook',
  component: 'component',
  serverHelper: 'server helper',
  middleware: 'middleware',
  webhookHandler: 'webhook handler',
  client: 'client call',
  type: 'type',
};

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** The human inventory: counts, packages, every use with file and line, environment variable names. */
export function renderInventoryText(r: InventoryReport): string {
  const lines: string[] = [];
  const c = r.counts;
  lines.push(`flagless inventory: ${r.root}`);
  lines.push(`${r.files.scanned.toLocaleString('en-US')} source files read in ${(r.durationMs / 1000).toFixed(2)} s (${r.files.listedBy === 'git' ? "git's ignore rules" : '.gitignore honoured'}, node_modules skipped); ${r.files.withUsages} use a legacy provider's SDK.`);
  if (r.vendors.length === 0) {
    lines.push('No Clerk, Auth0, Firebase Auth or Cognito footprint found.');
    return lines.join('\n');
  }
  lines.push(`Providers found: ${r.vendors.join(', ')}`);
  lines.push('');
  lines.push(pad([
    ['imports', 'hooks', 'components', 'server helpers', 'middleware', 'webhook handlers', 'env vars'],
    [c.imports, c.hooks, c.components, c.serverHelpers, c.middleware, c.webhookHandlers, c.envVars].map(String),
  ]));
  lines.push(`Effort: ${r.effort.level}, about ${r.effort.hours} h by hand (${r.effort.basis}).`);
  if (r.packages.length) {
    lines.push('', 'Packages:');
    lines.push(pad(r.packages.map((p) => [`  ${p.name}`, p.version, p.dependencyType, p.file])));
  }
  const uses = r.usages.filter((u) => u.kind !== 'import');
  if (uses.length) {
    lines.push('', 'Uses:');
    lines.push(pad(uses.map((u) => [`  ${u.file}:${u.line}`, u.symbol, KIND_LABEL[u.kind] ?? u.kind, u.module])));
  }
  if (r.envVars.length) {
    lines.push('', 'Environment variables (names only):');
    lines.push(pad(r.envVars.map((e) => [`  ${e.name}`, e.references.map((x) => `${x.file}:${x.line}`).slice(0, 4).join(', ') + (e.references.length > 4 ? `, +${e.references.length - 4}` : '')])));
  }
  if (r.files.unparsable.length) {
    lines.push('', `Unreadable files (${r.files.unparsable.length}):`);
    for (const f of r.files.unparsable.slice(0, 20)) lines.push(`  ${f.file}: ${f.reason}`);
  }
  return lines.join('\n');
}
