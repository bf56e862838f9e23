/**
 * The published package, as a user gets it: `npm pack` builds the tarball from package.json's
 * `files`, a fresh project gets it under node_modules/flagless, imports it by its name through
 * `exports`, runs generate → migrate → verify into Better Auth on SQLite through the API, and
 * type-checks a small TypeScript file against the emitted declarations (and fails to type-check a
 * wrong call, so the declarations are real types, not `any`).
 *
 * The tarball is unpacked as npm unpacks it (a `package/` folder); its dependencies are linked
 * from this checkout's node_modules instead of being installed again, so the test needs no
 * network and no native rebuild (better-sqlite3), and stays fast.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';

const repo = process.cwd();
const work = mkdtempSync(join(tmpdir(), 'flagless-pack-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tsc = join(dirname(createRequire(join(repo, 'package.json')).resolve('typescript/package.json')), 'bin', 'tsc');

// About 20 s of CPU (the declarations build is incremental); the bound is for a loaded machine.
test('npm pack → a project imports `flagless` by name, migrates into Better Auth through the API, and type-checks against the declarations', { timeout: 180_000 }, async () => {
  const started = Date.now();
  // The declarations of the published build (incremental: quick after `npm run build`).
  const types = run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], repo);
  assert.equal(types.status, 0, types.stdout + types.stderr);

  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], repo);
  assert.equal(packed.status, 0, packed.stderr);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  for (const entry of ['dist/src/app/index.js', 'dist/src/app/index.d.ts', 'dist/src/protocol/index.d.ts', 'dist/src/connectors/better-auth/verifier.d.ts', 'bin/flagless.js', 'dist/src/connectors/workos/sim/server.js', 'dist/src/connectors/workos/sim/sso-acs.js', 'dist/src/connectors/auth0/sim/sso-callback.js']) {
    assert.ok(files.includes(entry), `the package holds ${entry}`);
  }
  // Auth0's SSO service-provider simulator ships (`flagless demo sso` runs it); its other simulators are test-only.
  const shipped = (p: string) => !/\.test\.|^test\/|^bench\/|^scripts\/|^dist\/(test|bench|scripts)\/|^dist\/src\/connectors\/(clerk|firebase)\/sim\/|^dist\/src\/connectors\/auth0\/sim\/(?!sso-)/.test(p);
  assert.deepEqual(files.filter((p) => !shipped(p)), [], 'no test, test helper, bench or test-only simulator is published');

  // A fresh project with the tarball unpacked where `npm install` puts it.
  const project = join(work, 'project');
  const home = join(project, 'node_modules', 'flagless');
  mkdirSync(home, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, info!.filename), '-C', home, '--strip-components=1']);
  const manifest = JSON.parse(readFileSync(join(home, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of [...Object.keys(manifest.dependencies), '@types/node', 'typescript']) {
    const link = join(project, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    if (!existsSync(link)) symlinkSync(resolve(repo, 'node_modules', dep), link, 'dir');
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-flagless', private: true, type: 'module', dependencies: { flagless: `file:${info!.filename}` } }));

  // Through the API, by the package's name: generate a Clerk export, move it into Better Auth, verify it.
  writeFileSync(
    join(project, 'move.mjs'),
    `import { generate, migrate, verify, FlaglessError, ERROR_CODES } from 'flagless';
import * as protocol from 'flagless/protocol';
import { flaglessImport } from 'flagless/better-auth';
const gen = await generate({ from: 'clerk', users: 40, out: 'users.csv', seed: 'pack', plaintexts: 'logins.csv', clean: true });
const file = gen.files.find((f) => f.role === 'export').path;
const apiDump = gen.files.find((f) => f.role === 'api-dump')?.path;
const source = { from: 'clerk', file, ...(apiDump ? { apiDump } : {}) };
const target = { to: 'better-auth', db: 'app.db', env: { BETTER_AUTH_SECRET: 'pack-test-secret-0123456789abcdef0123456789' } };
const first = await migrate({ source, target, state: 'state.db' });
const again = await migrate({ source, target, state: 'state.db' });
const checked = await verify({ source, target, logins: 'logins.csv' });
let refused;
try { await migrate({ source: { from: 'nobody', file }, target }); } catch (e) { refused = e instanceof FlaglessError ? e.code : String(e); }
let hidden;
try { await import('flagless/dist/src/cli/main.js'); } catch (e) { hidden = e.code; }
console.log(JSON.stringify({
  users: gen.users, created: first.users.created, complete: first.complete, rewrites: again.writes,
  ok: checked.ok, logins: checked.logins, refused, hidden,
  sameErrors: protocol.ERROR_CODES === ERROR_CODES, plugin: typeof flaglessImport,
}));
`,
  );
  const moved = run(process.execPath, ['move.mjs'], project);
  assert.equal(moved.status, 0, moved.stderr);
  const r = JSON.parse(moved.stdout.trim().split('\n').pop()!) as Record<string, any>;
  assert.equal(r.users, 40);
  assert.ok(r.created > 30, `users created: ${r.created}`);
  assert.equal(r.complete, true);
  assert.equal(r.rewrites, 0, 'a second migrate writes nothing');
  assert.equal(r.ok, true, 'verify finds every user');
  assert.ok(r.logins.succeeded > 0 && r.logins.failedCount === 0, JSON.stringify(r.logins));
  assert.equal(r.refused, 'E_USAGE');
  assert.equal(r.hidden, 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'only the declared entry points are importable');
  assert.equal(r.sameErrors, true);
  assert.equal(r.plugin, 'function');

  // Types: a small program type-checks against the declarations, and a wrong call does not.
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] } }),
  );
  writeFileSync(
    join(project, 'uses.ts'),
    `import { migrate, serve, FlaglessError, type MigrateOptions, type MigrateSummary, type ServeHandle, type ErrorCode } from 'flagless';
import type { Source, TargetCapabilities } from 'flagless/protocol';
const options: MigrateOptions = { source: { from: 'auth0', file: 'users.ndjson' }, target: { to: 'workos' }, concurrency: 4, onConflict: 'skip' };
export async function move(): Promise<number> {
  const summary: MigrateSummary = await migrate(options);
  return summary.users.created;
}
export async function gateway(): Promise<string> {
  const handle: ServeHandle = await serve({ from: 'clerk', source: { file: 'users.csv' }, target: { to: 'better-auth', db: 'app.db' }, port: 0 });
  await handle.close();
  return handle.url;
}
export const code: ErrorCode = new FlaglessError('E_USAGE', 'x').code;
export type Parts = [Source['vendor'], TargetCapabilities['name']];
`,
  );
  const ok = run(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  writeFileSync(join(project, 'wrong.ts'), `import { migrate } from 'flagless';\nexport const p = migrate({ source: { from: 'clerk', file: 1 }, target: { to: 'better-auth' }, concurrency: 'many' });\n`);
  const wrong = run(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
  assert.notEqual(wrong.status, 0, 'a wrong call does not type-check');
  assert.match(wrong.stdout, /wrong\.ts\(2,\d+\): error TS2322/);
  assert.doesNotMatch(wrong.stdout, /uses\.ts/);
  process.stderr.write(`# the package test took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});
