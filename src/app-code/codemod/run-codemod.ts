import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import type { AppFramework, CodemodRules } from '../../protocol/codemod.js';
import { FlaglessError } from '../../protocol/errors.js';
import { envNamesOf } from '../inventory.js';
import { listAppFiles } from '../walk.js';
import { syntaxErrors, transformFile, TODO_MARK, type CodemodTodo } from './transform-file.js';

export interface CodemodReport {
  from: string;
  to: string;
  framework: AppFramework;
  dryRun: boolean;
  changedFiles: string[];
  createdFiles: string[];
  todos: CodemodTodo[];
  packages: { file: string; removed: string[]; added: string[] }[];
  envExamples: { file: string; removed: string[]; added: string[] }[];
  /** Files whose rewrite did not parse: left as they were. */
  failed: { file: string; errors: string[] }[];
  /** With --dry-run: the unified diff of every change (values in .env.example files masked). */
  diff?: string;
}

/** Next.js when the app depends on `next`; a React single-page app otherwise. */
export function detectFramework(root: string): AppFramework {
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    return pkg.dependencies?.next || pkg.devDependencies?.next ? 'nextjs' : 'react';
  } catch (e) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read ${join(root, 'package.json')}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}. Pass the application's root folder.`);
  }
}

/** `clean`, `dirty` (uncommitted changes), or `none` (not in a git work tree). */
export function gitState(root: string): 'clean' | 'dirty' | 'none' {
  try {
    const out = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', '.'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim() === '' ? 'clean' : 'dirty';
  } catch {
    return 'none';
  }
}

function isLegacy(spec: string, modules: readonly string[]): boolean {
  return modules.some((m) => (m.endsWith('/') ? spec.startsWith(m) : spec === m || spec.startsWith(m + '/')));
}

function rewritePackageJson(text: string, rules: CodemodRules): { text: string; removed: string[]; added: string[] } {
  const pkg = JSON.parse(text) as Record<string, unknown>;
  const removed: string[] = [];
  const added: string[] = [];
  for (const key of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    const deps = pkg[key] as Record<string, string> | undefined;
    if (!deps) continue;
    for (const name of Object.keys(deps)) {
      if (isLegacy(name, rules.legacyModules)) {
        delete deps[name];
        removed.push(name);
      }
    }
  }
  const deps = (pkg.dependencies ?? {}) as Record<string, string>;
  for (const [name, version] of Object.entries(rules.packages.add)) {
    if (!(name in deps) && !(name in ((pkg.devDependencies ?? {}) as Record<string, string>))) {
      deps[name] = version;
      added.push(name);
    }
  }
  if (removed.length === 0 && added.length === 0) return { text, removed, added };
  pkg.dependencies = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)));
  const indent = text.match(/^[ \t]+(?=")/m)?.[0] ?? '  ';
  return { text: JSON.stringify(pkg, null, indent) + '\n', removed, added };
}

/** Drops the legacy provider's names from a .env.example-like file and adds the target's, with placeholders. */
function rewriteEnvExample(text: string, rules: CodemodRules): { text: string; removed: string[]; added: string[] } {
  const names = envNamesOf(text);
  const legacyLines = new Set(names.filter((n) => rules.env.legacyMarkers.some((m) => n.name.includes(m))).map((n) => n.line));
  const present = new Set(names.map((n) => n.name));
  const removed = names.filter((n) => legacyLines.has(n.line)).map((n) => n.name);
  const additions = rules.env.add.filter((a) => !present.has(a.name));
  if (removed.length === 0 && additions.length === 0) return { text, removed, added: [] };
  const kept = text.split(/\r?\n/).filter((_, i) => !legacyLines.has(i + 1));
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  for (const a of additions) kept.push(`# ${a.comment}`, `${a.name}=${a.placeholder}`);
  return { text: kept.join('\n') + '\n', removed, added: additions.map((a) => a.name) };
}

function unifiedDiff(path: string, before: string | undefined, after: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'flagless-codemod-diff-'));
  try {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeFileSync(a, before ?? '');
    writeFileSync(b, after);
    let out = '';
    try {
      execFileSync('git', ['diff', '--no-index', '--no-color', '--', a, b], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? '');
    }
    const body = out.split('\n').filter((l) => !/^(diff --git|index |--- |\+\+\+ |new file mode|deleted file mode)/.test(l)).join('\n');
    return `--- ${before === undefined ? '/dev/null' : `a/${path}`}\n+++ b/${path}\n${body.trimEnd()}\n`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface CodemodOptions {
  dryRun: boolean;
  onProgress?: (text: string) => void;
}

/**
 * Plans every change (sources, package.json files, .env.example files, support files), checks
 * that each rewritten source parses, then writes them (or, with dryRun, returns the diff).
 * A second run over its own output finds nothing to change.
 */
export function runCodemod(root: string, rulesFor: (framework: AppFramework) => CodemodRules, opts: CodemodOptions): CodemodReport {
  const framework = detectFramework(root);
  const rules = rulesFor(framework);
  const files = listAppFiles(root);
  const srcDir = framework === 'nextjs' ? (existsSync(join(root, 'src/app')) ? 'src' : '') : existsSync(join(root, 'src')) ? 'src' : '';
  const supportPath = (p: string) => (srcDir ? `${srcDir}/${p}` : p);
  const report: CodemodReport = { from: rules.from, to: rules.to, framework, dryRun: opts.dryRun, changedFiles: [], createdFiles: [], todos: [], packages: [], envExamples: [], failed: [] };
  const changes = new Map<string, { before: string | undefined; after: string }>();
  const usedSupport = new Set<string>();

  for (const file of files.sources) {
    const text = readFileSync(join(root, file), 'utf8');
    const importPathOf = (target: string) => {
      const supportFile = rules.supportFiles.find((s) => s.path.replace(/\.[cm]?[jt]sx?$/, '') === target);
      const to = supportPath(supportFile ? supportFile.path.replace(/\.[cm]?[jt]sx?$/, '') : target);
      let rel = posix.relative(posix.dirname(file), to);
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return rel;
    };
    const r = transformFile(file, text, rules, importPathOf);
    report.todos.push(...r.todos);
    for (const s of r.supportFilesUsed) usedSupport.add(s);
    if (!r.changed) continue;
    const errors = syntaxErrors(file, r.text);
    if (errors.length) {
      report.failed.push({ file, errors });
      continue;
    }
    changes.set(file, { before: text, after: r.text });
  }
  for (const file of files.packageJsons) {
    const text = readFileSync(join(root, file), 'utf8');
    let r;
    try {
      r = rewritePackageJson(text, rules);
    } catch {
      report.failed.push({ file, errors: ['not valid JSON'] });
      continue;
    }
    if (r.text !== text) {
      changes.set(file, { before: text, after: r.text });
      report.packages.push({ file, removed: r.removed, added: r.added });
    }
  }
  for (const file of files.envExamples) {
    const text = readFileSync(join(root, file), 'utf8');
    const r = rewriteEnvExample(text, rules);
    if (r.text !== text) {
      changes.set(file, { before: text, after: r.text });
      report.envExamples.push({ file, removed: r.removed, added: r.added });
    }
  }
  for (const s of rules.supportFiles) {
    const path = supportPath(s.path);
    if (!s.always && !usedSupport.has(s.path.replace(/\.[cm]?[jt]sx?$/, ''))) continue;
    if (existsSync(join(root, path))) continue; // the application's own file (or ours from an earlier run) stays
    changes.set(path, { before: undefined, after: s.content });
    for (const [i, line] of s.content.split('\n').entries()) {
      const at = line.indexOf(TODO_MARK + ': ');
      if (at >= 0) report.todos.push({ file: path, line: i + 1, symbol: '(support file)', text: line.slice(at + TODO_MARK.length + 2).replace(/\s*\*\/\s*$/, ''), docs: '' });
    }
  }
  for (const [file, c] of changes) (c.before === undefined ? report.createdFiles : report.changedFiles).push(file);
  report.changedFiles.sort();
  report.createdFiles.sort();

  if (opts.dryRun) {
    report.diff = [...changes]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([file, c]) => {
        const d = unifiedDiff(file, c.before, c.after);
        // .env.example lines may hold real values someone pasted: show names only.
        return files.envExamples.includes(file) ? d.replace(/^([-+ ][A-Za-z_][A-Za-z0-9_]*=).+$/gm, '$1…') : d;
      })
      .join('');
    return report;
  }
  for (const [file, c] of changes) {
    const abs = join(root, file);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, c.after);
  }
  return report;
}
