// Runs every compiled test file under dist/test and dist/src with Node's own test runner.
// Usage: node scripts/run-tests.js [--record-durations] [substring filter ...]
//
// Two things keep the whole suite's wall time down on a 2-core machine:
// - Order: files run longest first (by scripts/test-durations.json, the per-file durations of an
//   earlier full run; files not in it count as the median), so that no long file starts last and
//   runs alone at the end. `--record-durations` rewrites that file from this run.
// - One Keycloak for the whole run: when a selected file uses the real Keycloak
//   (test/keycloak/server-helper.ts), this process takes a lease on it at the start, so the
//   server is started once and not stopped and started again between the files that share it.
//   Each file still takes its own lease; the server stops after the last one (and only if the tests
//   started it: one started by hand keeps running).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DURATIONS = fileURLToPath(new URL('./test-durations.json', import.meta.url));
const KEYCLOAK = fileURLToPath(new URL('./keycloak.mjs', import.meta.url));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const record = args.includes('--record-durations');
const filters = args.filter((a) => a !== '--record-durations');
const files = [...walk('dist/test', []), ...walk('dist/src', [])].filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files found under dist/test (did the build run?)');
  process.exit(1);
}

const known = existsSync(DURATIONS) ? JSON.parse(readFileSync(DURATIONS, 'utf8')) : {};
const values = Object.values(known).sort((a, b) => a - b);
const median = values.length ? values[Math.floor(values.length / 2)] : 0;
const durationOf = (f) => known[f] ?? median;
// Stable: equal durations keep the alphabetical order.
files.sort((a, b) => durationOf(b) - durationOf(a));

const lease = `suite-${process.pid}`;
const usesKeycloak = files.some((f) => readFileSync(f, 'utf8').includes('keycloak/server-helper.js'));
let keycloak;
if (usesKeycloak && !process.env.KEYCLOAK_URL) {
  // In the background: the first files do not wait for it; those that need it join its start.
  keycloak = spawn(process.execPath, [KEYCLOAK, 'start', '--json', '--lease', lease, '--lease-pid', String(process.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  keycloak.stderr.on('data', (c) => (err += c));
  keycloak.on('exit', (code) => {
    // Not fatal here: the files that need Keycloak start it themselves and fail with the reason.
    if (code !== 0) process.stderr.write(`run-tests: the shared Keycloak did not start (${code}): ${err.trim().split('\n').slice(-3).join(' / ')}\n`);
  });
}

const reporters = record ? ['--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${fileURLToPath(new URL('./test-durations-reporter.mjs', import.meta.url))}`, '--test-reporter-destination=dist/test-durations.json'] : [];
let interrupted = false;
const status = await new Promise((resolve) => {
  const child = spawn(process.execPath, ['--expose-gc', '--test', '--test-concurrency=2', ...reporters, ...files], { stdio: 'inherit' });
  // Ctrl-C or a CI timeout: the test runner stops its files, then the shared Keycloak is released below.
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      interrupted = true;
      child.kill(sig);
    });
  }
  child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 1)));
});

if (keycloak) {
  // A start still under way is waited for (never killed half-way: it would leave a server behind).
  if (keycloak.exitCode === null) await new Promise((resolve) => keycloak.once('exit', resolve));
  spawnSync(process.execPath, [KEYCLOAK, 'stop', '--json', '--lease', lease], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
}
if (record && !interrupted && existsSync('dist/test-durations.json')) {
  const measured = JSON.parse(readFileSync('dist/test-durations.json', 'utf8'));
  const merged = Object.fromEntries(Object.entries({ ...known, ...measured }).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(DURATIONS, JSON.stringify(merged, null, 1) + '\n');
  console.error(`run-tests: recorded the durations of ${Object.keys(measured).length} files in scripts/test-durations.json`);
}
process.exit(status);
