import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppFootprint, AppUsageKind } from '../protocol/app-footprint.js';
import { FlaglessError } from '../protocol/errors.js';
import { moduleMatches, scanSource, type AppUsage, type EnvVarReference } from './scan-file.js';
import { listAppFiles } from './walk.js';

export interface AppPackage {
  vendor: string;
  name: string;
  /** The range package.json asks for, as written. */
  version: string;
  file: string;
  dependencyType: 'dependencies' | 'devDependencies' | 'peerDependencies' | 'optionalDependencies';
}

export interface AppEnvVar {
  vendor: string;
  name: string;
  /** Where the name is read (code) or declared (`.env.example`); never a value. */
  references: { file: string; line: number }[];
}

export interface InventoryCounts {
  imports: number;
  hooks: number;
  components: number;
  serverHelpers: number;
  middleware: number;
  webhookHandlers: number;
  envVars: number;
}

export interface InventoryEffort {
  /** none, small (under a day), medium (under a week), large. */
  level: 'none' | 'small' | 'medium' | 'large';
  /** A rough estimate of engineer hours from the weights below, before the codemod's help. */
  hours: number;
  basis: string;
}

export interface InventoryReport {
  root: string;
  vendors: string[];
  packages: AppPackage[];
  usages: AppUsage[];
  envVars: AppEnvVar[];
  counts: InventoryCounts;
  effort: InventoryEffort;
  /** scanned: source files read; parsed: those holding a module name or `env` (the others cannot hold a finding). */
  files: { scanned: number; parsed: number; withUsages: number; unparsable: { file: string; reason: string }[]; listedBy: 'git' | 'walk' };
  durationMs: number;
}

/** Hours per use, by kind: what a team spends by hand (read, rewrite, test) on each. */
const EFFORT_WEIGHTS: Record<AppUsageKind | 'envVar', number> = {
  import: 0,
  hook: 0.5,
  component: 0.5,
  serverHelper: 0.5,
  middleware: 2,
  webhookHandler: 3,
  client: 0.5,
  type: 0.1,
  envVar: 0.1,
};

function effortOf(usages: readonly AppUsage[], envVars: number): InventoryEffort {
  const hours = Math.round((usages.reduce((s, u) => s + EFFORT_WEIGHTS[u.kind], 0) + envVars * EFFORT_WEIGHTS.envVar) * 10) / 10;
  const level = hours === 0 ? 'none' : hours <= 8 ? 'small' : hours <= 40 ? 'medium' : 'large';
  const basis = `estimate: hours per use, ${Object.entries(EFFORT_WEIGHTS).filter(([, w]) => w > 0).map(([k, w]) => `${k} ${w}`).join(', ')}`;
  return { level, hours, basis };
}

const DEP_TYPES = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;

function packagesOf(root: string, file: string, footprints: readonly AppFootprint[]): AppPackage[] {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(join(root, file), 'utf8')) as Record<string, unknown>;
  } catch {
    return [];
  }
  const out: AppPackage[] = [];
  for (const dependencyType of DEP_TYPES) {
    const deps = json[dependencyType];
    if (!deps || typeof deps !== 'object') continue;
    for (const [name, version] of Object.entries(deps as Record<string, unknown>)) {
      const fp = footprints.find((f) => f.modules.some((m) => moduleMatches(name, m)));
      if (fp && typeof version === 'string') out.push({ vendor: fp.vendor, name, version, file, dependencyType });
    }
  }
  return out;
}

/** Names declared in a .env.example-like file: `NAME=...` or `export NAME=...`. Values are never kept. */
export function envNamesOf(text: string): { name: string; line: number }[] {
  const out: { name: string; line: number }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim().replace(/^export\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = (eq < 0 ? line : line.slice(0, eq)).trim();
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) out.push({ name, line: i + 1 });
  });
  return out;
}

export interface InventoryOptions {
  onProgress?: (filesDone: number, filesTotal: number) => void;
}

/**
 * The strings without which a file can hold no finding: every module the footprints name (an
 * import or require of it spells it out) and `env` (process.env, import.meta.env). A file holding
 * none of them is not parsed; everything reported still comes from the parser.
 */
export function prefilterNeedles(footprints: readonly AppFootprint[]): string[] {
  const needles = new Set<string>(['env']);
  for (const fp of footprints) {
    for (const m of [...fp.modules, ...(fp.partialModules ?? []), ...(fp.webhookMarkers ?? []).map((w) => w.module)]) needles.add(m);
  }
  return [...needles];
}

/** Reads an application (never node_modules, honouring .gitignore) and lists the legacy providers' footprints in it. */
export function inventoryApp(root: string, footprints: readonly AppFootprint[], opts: InventoryOptions = {}): InventoryReport {
  const started = performance.now();
  let files;
  try {
    files = listAppFiles(root);
  } catch (e) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read the application folder ${root}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const usages: AppUsage[] = [];
  const envRefs: EnvVarReference[] = [];
  const unparsable: { file: string; reason: string }[] = [];
  const withUsages = new Set<string>();
  const needles = prefilterNeedles(footprints);
  let parsed = 0;
  files.sources.forEach((file, i) => {
    if (i > 0 && i % 500 === 0) opts.onProgress?.(i, files.sources.length);
    let text: string;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch (e) {
      unparsable.push({ file, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
      return;
    }
    if (!needles.some((n) => text.includes(n))) return;
    parsed++;
    const scan = scanSource(text, file, footprints);
    if (scan.usages.length) withUsages.add(file);
    usages.push(...scan.usages);
    envRefs.push(...scan.envVars);
  });
  for (const file of files.envExamples) {
    try {
      for (const n of envNamesOf(readFileSync(join(root, file), 'utf8'))) envRefs.push({ ...n, file });
    } catch (e) {
      unparsable.push({ file, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
    }
  }
  const envVars = new Map<string, AppEnvVar>();
  for (const ref of envRefs) {
    const fp = footprints.find((f) => f.envVarMarkers.some((m) => ref.name.includes(m)));
    if (!fp) continue;
    const key = `${fp.vendor}\0${ref.name}`;
    const entry = envVars.get(key) ?? { vendor: fp.vendor, name: ref.name, references: [] };
    entry.references.push({ file: ref.file, line: ref.line });
    envVars.set(key, entry);
  }
  const count = (k: AppUsageKind) => usages.filter((u) => u.kind === k).length;
  const envList = [...envVars.values()].sort((a, b) => a.vendor.localeCompare(b.vendor) || a.name.localeCompare(b.name));
  const packages = files.packageJsons.flatMap((f) => packagesOf(root, f, footprints));
  const vendors = footprints.map((f) => f.vendor).filter((v) => packages.some((p) => p.vendor === v) || usages.some((u) => u.vendor === v) || envList.some((e) => e.vendor === v));
  return {
    root,
    vendors,
    packages,
    usages,
    envVars: envList,
    counts: {
      imports: count('import'),
      hooks: count('hook'),
      components: count('component'),
      serverHelpers: count('serverHelper'),
      middleware: count('middleware'),
      webhookHandlers: count('webhookHandler'),
      envVars: envList.length,
    },
    effort: effortOf(usages, envList.length),
    files: { scanned: files.sources.length, parsed, withUsages: withUsages.size, unparsable, listedBy: files.via },
    durationMs: Math.round(performance.now() - started),
  };
}
