/**
 * bench:inventory — `flagless inventory` on a generated application of N source files (default
 * 10,000), end to end as a user runs it (a child process: start-up, listing, parsing, report), in
 * both listing modes: a plain folder (flagless's .gitignore reader) and a git work tree (git's rules).
 * Every generated use is counted, so the run also checks that nothing was missed.
 *
 * Usage: npm run bench:inventory [-- --files N] [--smoke] [--env-everywhere]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
/** Worst case for the skip of files naming no SDK module and no `env`: every file reads process.env, so every file is parsed. */
const envEverywhere = args.includes('--env-everywhere');
const filesArg = args.indexOf('--files');
const FILES = filesArg >= 0 ? Number(args[filesArg + 1]) : smoke ? 200 : 10_000;

/** A plain React/TypeScript module of about 80 lines: what most of an application is. */
function plainModule(i: number): string {
  const lines = [`import { useMemo, useState } from 'react';`, `import { formatDate } from '../lib/format-${i % 50}';`, ''];
  lines.push(`export interface Row${i} {`, '  id: string;', '  title: string;', '  createdAt: string;', '  tags: string[];', '}', '');
  lines.push(`export function Table${i}({ rows }: { rows: Row${i}[] }) {`, "  const [filter, setFilter] = useState('');");
  lines.push('  const shown = useMemo(() => rows.filter((r) => r.title.toLowerCase().includes(filter.toLowerCase())), [rows, filter]);');
  lines.push('  return (', '    <div className="table">', '      <input value={filter} onChange={(e) => setFilter(e.target.value)} />', '      <ul>');
  lines.push('        {shown.map((r) => (', '          <li key={r.id}>', '            <strong>{r.title}</strong> <span>{formatDate(r.createdAt)}</span>');
  lines.push("            {r.tags.map((t) => <em key={t}>{t}</em>)}", '          </li>', '        ))}', '      </ul>', '    </div>', '  );', '}', '');
  for (let k = 0; k < 8; k++) {
    lines.push(`export function helper${i}_${k}(values: number[]): number {`, '  let total = 0;', '  for (const v of values) {', `    if (v % ${k + 2} === 0) total += v * ${k + 1};`, '    else total -= v;', '  }', '  return total;', '}', '');
  }
  return lines.join('\n');
}

/** Each vendor's file: 3 uses besides its import, plus one env var read. */
const VENDOR_FILES: { ext: string; text: (i: number) => string; uses: number }[] = [
  {
    ext: 'tsx',
    uses: 3,
    text: (i) => `'use client';\nimport { useUser, SignIn, UserButton } from '@clerk/nextjs';\n\nexport function Account${i}() {\n  const { user } = useUser();\n  return user ? <UserButton /> : <SignIn />;\n}\nexport const key${i} = process.env.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY;\n`,
  },
  {
    ext: 'ts',
    uses: 3,
    text: (i) => `import { auth, currentUser, clerkMiddleware } from '@clerk/nextjs/server';\n\nexport async function load${i}() {\n  const { userId } = await auth();\n  const user = await currentUser();\n  return { userId, name: user?.firstName };\n}\nexport const mw${i} = clerkMiddleware();\nexport const secret${i} = process.env.CLERK_SECRET_KEY;\n`,
  },
  {
    ext: 'jsx',
    uses: 3,
    text: (i) => `import { Auth0Provider, useAuth0, withAuthenticationRequired } from '@auth0/auth0-react';\n\nfunction Inner${i}() {\n  const { user } = useAuth0();\n  return <p>{user?.name}</p>;\n}\nexport const Guarded${i} = withAuthenticationRequired(Inner${i});\nexport const App${i} = () => <Auth0Provider domain={process.env.AUTH0_DOMAIN} clientId="x"><Guarded${i} /></Auth0Provider>;\n`,
  },
  {
    ext: 'ts',
    uses: 3,
    text: (i) => `import { getAuth, onAuthStateChanged, signInWithEmailAndPassword } from 'firebase/auth';\n\nexport function watch${i}(cb: (u: unknown) => void) {\n  const a = getAuth();\n  onAuthStateChanged(a, cb);\n  return (e: string, p: string) => signInWithEmailAndPassword(a, e, p);\n}\nexport const apiKey${i} = import.meta.env.VITE_FIREBASE_API_KEY;\n`,
  },
  {
    ext: 'mjs',
    uses: 3,
    text: (i) => `import { signIn, signOut, fetchAuthSession } from 'aws-amplify/auth';\n\nexport async function session${i}(u, p) {\n  await signIn({ username: u, password: p });\n  const s = await fetchAuthSession();\n  await signOut();\n  return s;\n}\nexport const pool${i} = process.env.COGNITO_USER_POOL_ID;\n`,
  },
];

function generate(root: string): { expectedUses: number; expectedImports: number } {
  let expectedUses = 0;
  let expectedImports = 0;
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'bench-app', dependencies: { '@clerk/nextjs': '^6.36.0', '@auth0/auth0-react': '^2.4.0', firebase: '^12.0.0', 'aws-amplify': '^6.15.0', react: '^19.1.0' } }, null, 2));
  writeFileSync(join(root, '.gitignore'), 'node_modules\n/build/\n*.generated.ts\n');
  writeFileSync(join(root, '.env.example'), 'CLERK_SECRET_KEY=\nAUTH0_DOMAIN=\n');
  for (let i = 0; i < FILES; i++) {
    const dir = join(root, 'src', `feature-${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    // One file in five uses a provider; the rest is ordinary application code.
    if (i % 5 === 0) {
      const v = VENDOR_FILES[(i / 5) % VENDOR_FILES.length]!;
      writeFileSync(join(dir, `auth-${i}.${v.ext}`), v.text(i) + plainModule(i));
      expectedUses += v.uses;
      expectedImports += 1;
    } else if (i % 10 === 1 || envEverywhere) {
      // Configuration modules read the environment (not a provider's variables): parsed, nothing found.
      writeFileSync(join(dir, `config-${i}.ts`), `export const apiUrl${i} = process.env.API_URL ?? 'http://localhost';\n` + plainModule(i));
    } else writeFileSync(join(dir, `module-${i}.tsx`), plainModule(i));
  }
  // What must not be read: dependencies and ignored build output, both full of SDK imports.
  for (const skipped of ['node_modules/@clerk/nextjs', 'build', 'src/feature-0']) {
    mkdirSync(join(root, skipped), { recursive: true });
  }
  for (let i = 0; i < 200; i++) writeFileSync(join(root, 'node_modules/@clerk/nextjs', `m${i}.js`), VENDOR_FILES[0]!.text(i));
  for (let i = 0; i < 200; i++) writeFileSync(join(root, 'build', `b${i}.js`), VENDOR_FILES[1]!.text(i));
  writeFileSync(join(root, 'src/feature-0/skip.generated.ts'), VENDOR_FILES[1]!.text(0));
  return { expectedUses, expectedImports };
}

/** CPU seconds used by waited-for children so far (Linux /proc: cutime + cstime, in clock ticks of 1/100 s). */
function childrenCpuSeconds(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

function run(root: string) {
  const cpu0 = childrenCpuSeconds();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['bin/flagless.js', 'inventory', root, '--json', '--quiet'], { encoding: 'utf8', maxBuffer: 1 << 29 });
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = childrenCpuSeconds() - cpu0;
  if (r.status !== 0) throw new Error(`inventory failed (${r.status}): ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as { usages: { kind: string }[]; counts: { imports: number }; files: { scanned: number; parsed: number; listedBy: string }; durationMs: number };
  return { seconds, cpuSeconds, doc };
}

const keepArg = args.indexOf('--generate-only');
if (keepArg >= 0) {
  // For profiling: write the tree to the given folder and stop.
  const dir = args[keepArg + 1]!;
  mkdirSync(dir, { recursive: true });
  generate(dir);
  process.exit(0);
}

const root = mkdtempSync(join(tmpdir(), 'flagless-bench-inventory-'));
try {
  const t0 = performance.now();
  const expected = generate(root);
  const generateSeconds = (performance.now() - t0) / 1000;
  const results: Record<string, unknown>[] = [];
  for (const mode of ['walk', 'git'] as const) {
    if (mode === 'git') {
      execFileSync('git', ['init', '-q'], { cwd: root });
      execFileSync('git', ['add', '-A'], { cwd: root });
    }
    const loadBefore = loadavg()[0]!;
    const { seconds, cpuSeconds, doc } = run(root);
    const uses = doc.usages.filter((u) => u.kind !== 'import').length;
    if (doc.files.scanned !== FILES || uses !== expected.expectedUses || doc.counts.imports !== expected.expectedImports || doc.files.listedBy !== mode) {
      throw new Error(`wrong inventory in ${mode} mode: ${doc.files.scanned} files (expected ${FILES}), ${uses} uses (expected ${expected.expectedUses}), ${doc.counts.imports} imports (expected ${expected.expectedImports}), listed by ${doc.files.listedBy}`);
    }
    results.push({ mode, files: doc.files.scanned, parsed: doc.files.parsed, uses, wallSeconds: Math.round(seconds * 100) / 100, cpuSeconds: Math.round(cpuSeconds * 100) / 100, loadAverage1m: Math.round(loadBefore * 10) / 10, inventorySeconds: doc.durationMs / 1000, filesPerSecond: Math.round(doc.files.scanned / seconds) });
  }
  process.stdout.write(JSON.stringify({ files: FILES, generateSeconds: Math.round(generateSeconds * 10) / 10, results }, null, 2) + '\n');
} finally {
  rmSync(root, { recursive: true, force: true });
}
