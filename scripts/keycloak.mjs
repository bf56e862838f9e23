#!/usr/bin/env node
// A real Keycloak server for development and tests, fetched from Maven Central and run in dev mode
// on 127.0.0.1 with a bootstrap admin and flagless's password-hash extension in providers/.
//
//   node scripts/keycloak.mjs prepare            fetch + unpack the server, build + deploy the extension
//   node scripts/keycloak.mjs start [--json]     prepare, then start in the background and wait until healthy
//   node scripts/keycloak.mjs stop               stop the server this machine runs
//   node scripts/keycloak.mjs status [--json]    exit 0 when running and healthy, 1 otherwise
//   node scripts/keycloak.mjs reset              stop, then delete the server's data (realms, users)
//
// Test processes share one server through leases: `start --lease ID` records the lease (and marks the
// server as theirs if it starts it); `stop --lease ID` drops the lease and stops the server only when
// the tests started it and no other live lease remains. A server started by hand is never stopped by tests.
//
// Environment: KEYCLOAK_ADMIN_USERNAME / KEYCLOAK_ADMIN_PASSWORD (bootstrap admin, used only when the
// master realm is first created: `reset` to change them), KEYCLOAK_HTTP_PORT / KEYCLOAK_MANAGEMENT_PORT
// (default: free ports), FLAGLESS_CACHE_DIR (default ~/.cache/flagless), FLAGLESS_KEYCLOAK_JAVA_HOME
// (default: the newest JDK >= 17 under /usr/lib/jvm), FLAGLESS_KEYCLOAK_JAVA_OPTS_APPEND (extra JVM flags,
// default -XX:TieredStopAtLevel=1), KEYCLOAK_START_TIMEOUT_SECONDS (default 300).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const KEYCLOAK_VERSION = '26.7.3';
export const DEFAULT_ADMIN_USERNAME = 'admin';
export const DEFAULT_ADMIN_PASSWORD = 'admin-flagless';
const MIN_JAVA = 17;
const HEAP = '-Xms64m -Xmx768m';
// C1 only: on these 2-core machines it halves the CPU a start costs (measured: cold 31 s of CPU
// instead of 57 s, warm 10 s instead of 20 s) at some cost in peak throughput; benchmarks that want
// the full JIT set FLAGLESS_KEYCLOAK_JAVA_OPTS_APPEND='' (or their own flags).
const DEFAULT_JAVA_OPTS_APPEND = '-XX:TieredStopAtLevel=1';
const EXTENSION_JAR = 'flagless-keycloak-extension.jar';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const extensionDir = path.join(repoRoot, 'keycloak-extension');

export function paths() {
  const cache = process.env.FLAGLESS_CACHE_DIR || path.join(os.homedir(), '.cache', 'flagless');
  const dir = path.join(cache, 'keycloak');
  return {
    dir,
    home: path.join(dir, `keycloak-${KEYCLOAK_VERSION}`),
    archive: path.join(dir, `keycloak-quarkus-dist-${KEYCLOAK_VERSION}.tar.gz`),
    state: path.join(dir, 'state.json'),
    log: path.join(dir, 'server.log'),
    lock: path.join(dir, 'lock'),
    leases: path.join(dir, 'leases'),
  };
}

class KeycloakScriptError extends Error {}

const say = (msg) => process.stderr.write(`keycloak: ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeJsonAtomic(file, value) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** A cross-process lock (mkdir is atomic); a lock left by a dead process is taken over. */
async function withLock(fn, timeoutMs = 15 * 60_000) {
  const { dir, lock } = paths();
  fs.mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const holder = Number(fs.existsSync(path.join(lock, 'pid')) ? fs.readFileSync(path.join(lock, 'pid'), 'utf8') : NaN);
      const age = Date.now() - fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if ((Number.isInteger(holder) && !alive(holder)) || (!Number.isInteger(holder) && age > 10_000)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new KeycloakScriptError(`timed out waiting for the lock ${lock} (held by pid ${holder})`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function javaMajor(javaHome) {
  try {
    const release = fs.readFileSync(path.join(javaHome, 'release'), 'utf8');
    const m = /JAVA_VERSION="(\d+)(?:\.(\d+))?/.exec(release);
    if (!m) return 0;
    return m[1] === '1' ? Number(m[2]) : Number(m[1]);
  } catch {
    return 0;
  }
}

/**
 * The JDK that runs Keycloak: FLAGLESS_KEYCLOAK_JAVA_HOME if set, otherwise the newest JDK >= 17 under
 * /usr/lib/jvm (Keycloak 26 supports 17, 21 and 25 and recommends the newest), otherwise JAVA_HOME.
 */
export function chooseJavaHome() {
  const forced = process.env.FLAGLESS_KEYCLOAK_JAVA_HOME;
  if (forced) {
    if (javaMajor(forced) < MIN_JAVA) throw new KeycloakScriptError(`FLAGLESS_KEYCLOAK_JAVA_HOME=${forced} is not a JDK ${MIN_JAVA}+`);
    return { javaHome: forced, major: javaMajor(forced) };
  }
  const candidates = [];
  const jvmRoot = '/usr/lib/jvm';
  if (fs.existsSync(jvmRoot)) {
    for (const name of fs.readdirSync(jvmRoot)) {
      const home = path.join(jvmRoot, name);
      const real = fs.realpathSync(home);
      if (!fs.existsSync(path.join(real, 'bin', 'java'))) continue;
      candidates.push({ javaHome: real, major: javaMajor(real) });
    }
  }
  if (process.env.JAVA_HOME) candidates.push({ javaHome: process.env.JAVA_HOME, major: javaMajor(process.env.JAVA_HOME) });
  const usable = candidates.filter((c) => c.major >= MIN_JAVA).sort((a, b) => b.major - a.major);
  if (usable.length === 0) {
    throw new KeycloakScriptError(`no JDK ${MIN_JAVA}+ found under /usr/lib/jvm or JAVA_HOME: install one (e.g. apt-get install openjdk-17-jdk-headless)`);
  }
  return usable[0];
}

function run(cmd, args, { cwd, env, what }) {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new KeycloakScriptError(`${what}: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new KeycloakScriptError(`${what} failed (exit ${r.status}):\n${out}`);
  }
  return r;
}

function treeHash(root) {
  const h = createHash('sha256');
  const walk = (p) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const n of fs.readdirSync(p).sort()) walk(path.join(p, n));
    } else {
      h.update(path.relative(root, p));
      h.update(fs.readFileSync(p));
    }
  };
  walk(path.join(root, 'pom.xml'));
  walk(path.join(root, 'src'));
  h.update(KEYCLOAK_VERSION);
  return h.digest('hex');
}

function fetchServer(java) {
  const p = paths();
  if (fs.existsSync(path.join(p.home, 'bin', 'kc.sh'))) return false;
  if (!fs.existsSync(p.archive)) {
    say(`fetching org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:tar.gz from Maven Central`);
    run('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:tar.gz`, `-DoutputDirectory=${p.dir}`], {
      cwd: p.dir,
      env: { JAVA_HOME: java.javaHome },
      what: 'mvn dependency:copy',
    });
  }
  // Unpack beside the final folder, then rename, so an interrupted unpack never looks complete.
  const staging = fs.mkdtempSync(path.join(p.dir, 'unpack-'));
  try {
    run('tar', ['xzf', p.archive, '-C', staging], { what: 'tar xzf' });
    fs.renameSync(path.join(staging, `keycloak-${KEYCLOAK_VERSION}`), p.home);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  // The archive is also in ~/.m2; keep only the unpacked server here.
  fs.rmSync(p.archive, { force: true });
  return true;
}

function buildExtension(java) {
  const p = paths();
  const built = path.join(extensionDir, 'target', EXTENSION_JAR);
  const stampFile = path.join(extensionDir, 'target', '.flagless-source-hash');
  const hash = treeHash(extensionDir);
  const stamp = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8').trim() : '';
  if (!fs.existsSync(built) || stamp !== hash) {
    say('building the password-hash extension (mvn package, with its unit tests)');
    run('mvn', ['-q', '-B', '-f', path.join(extensionDir, 'pom.xml'), `-Dkeycloak.version=${KEYCLOAK_VERSION}`, 'clean', 'package'], {
      cwd: extensionDir,
      env: { JAVA_HOME: java.javaHome },
      what: 'mvn package (keycloak-extension)',
    });
    fs.writeFileSync(stampFile, hash + '\n');
  }
  const deployed = path.join(p.home, 'providers', EXTENSION_JAR);
  const same = fs.existsSync(deployed) && Buffer.compare(fs.readFileSync(deployed), fs.readFileSync(built)) === 0;
  if (!same) {
    fs.copyFileSync(built, deployed);
    return true;
  }
  return false;
}

export async function prepare() {
  const java = chooseJavaHome();
  fs.mkdirSync(paths().dir, { recursive: true });
  const fetched = fetchServer(java);
  const deployed = buildExtension(java);
  return { java, fetched, deployed };
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function healthy(state) {
  try {
    const res = await fetch(`http://127.0.0.1:${state.managementPort}/health/ready`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

function logTail(lines = 40) {
  const { log } = paths();
  if (!fs.existsSync(log)) return '(no log)';
  return fs.readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Guards against a recycled pid after a reboot: the recorded process must still be kc.sh or its JVM. */
function looksLikeKeycloak(pid) {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('kc.sh') || cmdline.includes('kc.home.dir') || cmdline.includes('QuarkusEntryPoint') || cmdline.includes('kc.script.pid');
  } catch (e) {
    // No /proc (not Linux): trust the process-group check. A vanished process is not Keycloak.
    return e.code !== 'ENOENT' || !fs.existsSync('/proc/self');
  }
}

/** The recorded server, or undefined when none runs (a stale record is removed). */
function currentState() {
  const p = paths();
  const state = readJson(p.state);
  if (!state) return undefined;
  if (!groupAlive(state.pid) || !looksLikeKeycloak(state.pid)) {
    fs.rmSync(p.state, { force: true });
    return undefined;
  }
  return state;
}

async function waitHealthy(state, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await healthy(state)) return;
    if (!groupAlive(state.pid)) {
      fs.rmSync(paths().state, { force: true });
      throw new KeycloakScriptError(`the server exited during start-up; last lines of ${paths().log}:\n${logTail()}`);
    }
    await sleep(500);
  }
  await stopGroup(state.pid);
  fs.rmSync(paths().state, { force: true });
  throw new KeycloakScriptError(`the server was not healthy after ${Math.round(timeoutMs / 1000)} s and was stopped; last lines of ${paths().log}:\n${logTail()}`);
}

async function launch(java, owner) {
  const p = paths();
  const httpPort = Number(process.env.KEYCLOAK_HTTP_PORT) || (await freePort());
  let managementPort = Number(process.env.KEYCLOAK_MANAGEMENT_PORT) || (await freePort());
  while (managementPort === httpPort) managementPort = await freePort();
  const adminUsername = process.env.KEYCLOAK_ADMIN_USERNAME || DEFAULT_ADMIN_USERNAME;
  const javaOptsAppend = process.env.FLAGLESS_KEYCLOAK_JAVA_OPTS_APPEND ?? DEFAULT_JAVA_OPTS_APPEND;
  const logFd = fs.openSync(p.log, 'w');
  const args = [
    'start-dev',
    `--http-port=${httpPort}`,
    '--http-host=127.0.0.1',
    '--health-enabled=true',
    `--http-management-port=${managementPort}`,
    '--http-management-host=127.0.0.1',
  ];
  // detached: its own process group (kc.sh plus the JVM it starts), so stop can end both together.
  const child = spawn(path.join(p.home, 'bin', 'kc.sh'), args, {
    cwd: p.home,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: {
      ...process.env,
      JAVA_HOME: java.javaHome,
      JAVA_OPTS_KC_HEAP: HEAP,
      JAVA_OPTS_APPEND: javaOptsAppend,
      KC_BOOTSTRAP_ADMIN_USERNAME: adminUsername,
      KC_BOOTSTRAP_ADMIN_PASSWORD: process.env.KEYCLOAK_ADMIN_PASSWORD || DEFAULT_ADMIN_PASSWORD,
    },
  });
  fs.closeSync(logFd);
  child.unref();
  const state = {
    pid: child.pid,
    url: `http://127.0.0.1:${httpPort}`,
    httpPort,
    managementPort,
    healthUrl: `http://127.0.0.1:${managementPort}/health/ready`,
    version: KEYCLOAK_VERSION,
    javaHome: java.javaHome,
    javaMajor: java.major,
    javaOptsAppend,
    home: p.home,
    log: p.log,
    adminUsername,
    owner,
    startedAt: new Date().toISOString(),
  };
  writeJsonAtomic(p.state, state);
  return state;
}

async function stopGroup(pgid) {
  const signal = (sig) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 30_000;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(200);
  if (groupAlive(pgid)) {
    signal('SIGKILL');
    while (groupAlive(pgid)) await sleep(100);
  }
}

function liveLeases() {
  const { leases } = paths();
  if (!fs.existsSync(leases)) return [];
  const out = [];
  for (const name of fs.readdirSync(leases)) {
    const lease = readJson(path.join(leases, name));
    if (lease && alive(lease.pid)) out.push(name);
    else fs.rmSync(path.join(leases, name), { force: true });
  }
  return out;
}

export async function start({ lease, leasePid } = {}) {
  const timeoutMs = (Number(process.env.KEYCLOAK_START_TIMEOUT_SECONDS) || 300) * 1000;
  return withLock(async () => {
    const p = paths();
    if (lease) {
      fs.mkdirSync(p.leases, { recursive: true });
      writeJsonAtomic(path.join(p.leases, lease), { pid: leasePid ?? process.pid });
    }
    const t0 = Date.now();
    const prepared = await prepare();
    let state = currentState();
    if (state) {
      await waitHealthy(state, timeoutMs);
      if (prepared.deployed) say('the extension changed: run `npm run keycloak:stop` and start again to load it');
      return { ...state, startedNow: false, seconds: (Date.now() - t0) / 1000 };
    }
    const cold = !fs.existsSync(path.join(p.home, 'data'));
    state = await launch(prepared.java, lease ? 'lease' : 'manual');
    await waitHealthy(state, timeoutMs);
    const seconds = (Date.now() - t0) / 1000;
    return { ...state, startedNow: true, cold, seconds };
  });
}

export async function stop({ lease } = {}) {
  return withLock(async () => {
    const p = paths();
    if (lease) fs.rmSync(path.join(p.leases, lease), { force: true });
    const state = currentState();
    if (!state) return { stopped: false, reason: 'not running' };
    if (lease) {
      if (state.owner !== 'lease') return { stopped: false, reason: 'started by hand; left running' };
      const others = liveLeases();
      if (others.length > 0) return { stopped: false, reason: `still used by ${others.length} other test process(es)` };
    }
    await stopGroup(state.pid);
    fs.rmSync(p.state, { force: true });
    return { stopped: true, url: state.url };
  });
}

export async function status() {
  const state = currentState();
  if (!state) return { running: false };
  return { running: true, healthy: await healthy(state), ...state };
}

async function reset() {
  const stopped = await stop();
  await withLock(async () => fs.rmSync(path.join(paths().home, 'data'), { recursive: true, force: true }));
  return stopped;
}

function option(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(argv) {
  const [command, ...args] = argv;
  const json = args.includes('--json');
  const print = (value, human) => {
    if (json) process.stdout.write(JSON.stringify(value) + '\n');
    else process.stdout.write(human + '\n');
  };
  switch (command) {
    case 'prepare': {
      const t0 = Date.now();
      const r = await prepare();
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      print({ ...r, home: paths().home, seconds: Number(secs) }, `Keycloak ${KEYCLOAK_VERSION} ready in ${paths().home} (JDK ${r.java.major}, ${secs} s)`);
      return 0;
    }
    case 'start': {
      const lease = option(args, '--lease');
      const leasePid = Number(option(args, '--lease-pid')) || undefined;
      const s = await start({ lease, leasePid });
      const how = s.startedNow ? `started (${s.cold ? 'cold' : 'warm'}) in ${s.seconds.toFixed(1)} s` : 'already running';
      print(s, `Keycloak ${s.version} ${how}: ${s.url}  (admin console ${s.url}/admin, user ${s.adminUsername}; log ${s.log})\nexport KEYCLOAK_URL=${s.url}`);
      return 0;
    }
    case 'stop': {
      const r = await stop({ lease: option(args, '--lease') });
      print(r, r.stopped ? `Keycloak at ${r.url} stopped` : `Keycloak not stopped: ${r.reason}`);
      return 0;
    }
    case 'status': {
      const s = await status();
      print(s, s.running ? `Keycloak ${s.version} at ${s.url}: ${s.healthy ? 'healthy' : 'starting or unhealthy'} (pid ${s.pid}, JDK ${s.javaMajor})` : 'Keycloak is not running');
      return s.running && s.healthy ? 0 : 1;
    }
    case 'reset': {
      await reset();
      print({ reset: true }, `Keycloak stopped and its data deleted (${path.join(paths().home, 'data')})`);
      return 0;
    }
    default:
      process.stderr.write('usage: node scripts/keycloak.mjs prepare|start|stop|status|reset [--json] [--lease ID --lease-pid PID]\n');
      return 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`keycloak: ${err instanceof KeycloakScriptError ? err.message : err.stack}\n`);
      process.exit(1);
    },
  );
}
