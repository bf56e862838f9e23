import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

/** A git-committed copy of a fixture app, as a user's checkout would be. */
export function committedCopy(fixture: string, dir: string): string {
  cpSync(join('test/fixtures/apps', fixture), dir, { recursive: true });
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['add', '-A'], { cwd: dir });
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'fixture'], { cwd: dir });
  return dir;
}

export function commitAll(dir: string): void {
  execFileSync('git', ['add', '-A'], { cwd: dir });
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'codemod', '--allow-empty'], { cwd: dir });
}

export function gitStatus(dir: string): string {
  return execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' });
}

/**
 * The target SDKs (and React/Next types) from the npm registry, installed once per package list
 * into .cache/ (git-ignored) and reused: the type-check needs the real declarations, nothing else.
 */
export function installTypes(packages: readonly string[]): string {
  const key = packages.join(' ').replace(/[^a-z0-9.@-]+/gi, '_').slice(0, 180);
  const dir = resolve('.cache/codemod-typecheck', key);
  if (existsSync(join(dir, 'node_modules', '.flagless-complete'))) return join(dir, 'node_modules');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'flagless-codemod-typecheck', private: true }));
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=optional', '--no-package-lock', '--loglevel=error', ...packages], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`npm install ${packages.join(' ')} failed: ${r.stderr}`);
  writeFileSync(join(dir, 'node_modules', '.flagless-complete'), '');
  return join(dir, 'node_modules');
}

/** `tsc --noEmit` over the app with the installed packages as its node_modules; returns tsc's output and status. */
export function typecheck(app: string, nodeModules: string, framework: 'nextjs' | 'react'): { status: number | null; output: string } {
  if (!existsSync(join(app, 'node_modules'))) symlinkSync(nodeModules, join(app, 'node_modules'), 'dir');
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        module: 'ESNext',
        moduleResolution: 'Bundler',
        jsx: framework === 'nextjs' ? 'preserve' : 'react-jsx',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        esModuleInterop: true,
        isolatedModules: true,
        types: [],
      },
      include: ['**/*.ts', '**/*.tsx'],
      exclude: ['node_modules'],
    }),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', join(app, 'tsconfig.json')], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export const TARGET_TYPES: Record<string, Record<'nextjs' | 'react', string[]>> = {
  workos: {
    nextjs: ['@workos-inc/authkit-nextjs@4.3.2', '@workos-inc/node@10.14.0', 'next@15.5.7', 'react@19.2.0', 'react-dom@19.2.0', '@types/react@19.2.2', '@types/react-dom@19.2.2'],
    react: ['@workos-inc/authkit-react@0.16.2', 'react@19.2.0', 'react-dom@19.2.0', '@types/react@19.2.2', '@types/react-dom@19.2.2'],
  },
  'better-auth': {
    nextjs: ['better-auth@1.7.25', 'next@15.5.7', 'react@19.2.0', 'react-dom@19.2.0', '@types/react@19.2.2', '@types/react-dom@19.2.2'],
    react: ['better-auth@1.7.25', 'react@19.2.0', 'react-dom@19.2.0', '@types/react@19.2.2', '@types/react-dom@19.2.2'],
  },
  keycloak: {
    nextjs: ['keycloak-js@26.2.4', 'jose@6.2.19', 'next@15.5.7', 'react@19.2.0', 'react-dom@19.2.0', '@types/react@19.2.2', '@types/react-dom@19.2.2'],
    react: ['keycloak-js@26.2.4', 'react@19.2.0', 'react-dom@19.2.0', '@types/react@19.2.2', '@types/react-dom@19.2.2'],
  },
};
