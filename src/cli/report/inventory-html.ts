import type { InventoryReport } from '../../app-code/inventory.js';
import { esc, table } from './html.js';


/** The application section of the assess HTML report (`assess --app <dir>`). */
export function renderInventoryHtmlSection(r: InventoryReport): string {
  const c = r.counts;
  const uses = r.usages.filter((u) => u.kind !== 'import');
  const shown = uses.slice(0, 500);
  return `<h2 id="application">The application's code (${esc(r.root)})</h2>
<p class="muted">${esc(r.files.scanned)} source files read in ${esc((r.durationMs / 1000).toFixed(2))} s; ${esc(r.files.withUsages)} use ${esc(r.vendors.join(', ') || 'no legacy provider')}. Environment variables are listed by name; no value is read.</p>
${table(['imports', 'hooks', 'components', 'server helpers', 'middleware', 'webhook handlers', 'env vars', 'effort'], [[c.imports, c.hooks, c.components, c.serverHelpers, c.middleware, c.webhookHandlers, c.envVars, `${r.effort.level} (about ${r.effort.hours} h)`]])}
<h3>Packages</h3>${table(['package', 'version', 'in', 'file'], r.packages.map((p) => [p.name, p.version, p.dependencyType, p.file]))}
<h3>Uses (${esc(uses.length)})</h3>${table(['where', 'symbol', 'kind', 'module'], shown.map((u) => [`${u.file}:${u.line}`, u.symbol, u.kind, u.module]))}
${uses.length > shown.length ? `<p class="muted">${esc(uses.length - shown.length)} more in \`flagless inventory --json\`.</p>` : ''}
<h3>Environment variables</h3>${table(['name', 'read or declared at'], r.envVars.map((e) => [e.name, e.references.map((x) => `${x.file}:${x.line}`).join(', ')]))}`;
}
