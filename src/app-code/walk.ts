import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isIgnored, parseGitignore, type IgnoreScope } from './gitignore.js';

export const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'] as const;

/** The files of an application that its inventory reads, as paths relative to the root (`/`-separated). */
export interface AppFiles {
  sources: string[];
  packageJsons: string[];
  /** `.env.example`, `.env.sample`, `.env.template` (and `.env.local.example`...): names only are read. */
  envExamples: string[];
  /** How the list was made: git's own ignore rules, or flagless's .gitignore reader. */
  via: 'git' | 'walk';
}

const ALWAYS_SKIPPED = new Set(['node_modules', '.git', '.next', '.turbo', '.vercel', '.svelte-kit', '.nuxt', '.output', '.expo']);

function isSource(name: string): boolean {
  if (name.endsWith('.d.ts')) return false;
  return SOURCE_EXTENSIONS.some((ext) => name.endsWith(ext));
}

/** `.env.example` and the like: never `.env`, `.env.local` or `.env.production`, whose values are secrets. */
export function isEnvExample(name: string): boolean {
  return name.startsWith('.env') && /(^|\.)(example|sample|template|dist|defaults)(\.|$)/.test(name.slice(4));
}

function classify(paths: Iterable<string>, via: AppFiles['via']): AppFiles {
  const files: AppFiles = { sources: [], packageJsons: [], envExamples: [], via };
  for (const p of paths) {
    if (p.split('/').some((part) => ALWAYS_SKIPPED.has(part))) continue;
    const name = basename(p);
    if (isSource(name)) files.sources.push(p);
    else if (name === 'package.json') files.packageJsons.push(p);
    else if (isEnvExample(name)) files.envExamples.push(p);
  }
  for (const list of [files.sources, files.packageJsons, files.envExamples]) list.sort();
  return files;
}

/** Inside a git work tree: tracked and untracked-but-not-ignored files, by git's rules. */
function listWithGit(root: string): string[] | undefined {
  try {
    const inside = execFileSync('git', ['-C', root, 'rev-parse', '--is-inside-work-tree'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (inside !== 'true') return undefined;
    const out = execFileSync('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '.'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 1 << 28,
    });
    // A file deleted from the work tree but still in the index is not there to read.
    return out.split('\0').filter((p) => p !== '' && existsSync(join(root, p)));
  } catch {
    return undefined;
  }
}

function listWithWalk(root: string): string[] {
  const out: string[] = [];
  const visit = (rel: string, scopes: IgnoreScope[]) => {
    const dir = rel === '' ? root : join(root, rel);
    const here = join(dir, '.gitignore');
    const inScope = existsSync(here) ? [...scopes, { base: rel, rules: parseGitignore(readFileSync(here, 'utf8')) }] : scopes;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        // Follow links to files only: a folder link can loop.
        try {
          if (statSync(join(dir, entry.name)).isDirectory()) continue;
        } catch {
          continue;
        }
        isDir = false;
      }
      if (isDir && ALWAYS_SKIPPED.has(entry.name)) continue;
      if (isIgnored(inScope, path, isDir)) continue;
      if (isDir) visit(path, inScope);
      else out.push(path);
    }
  };
  visit('', []);
  return out;
}

/** Lists the application's files, never entering node_modules and honouring .gitignore. */
export function listAppFiles(root: string): AppFiles {
  const viaGit = listWithGit(root);
  return viaGit ? classify(viaGit, 'git') : classify(listWithWalk(root), 'walk');
}
