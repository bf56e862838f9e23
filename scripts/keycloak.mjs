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
// default -XX:TieredStopAtLevel=1), KEYCLOAK_START_TIMEOUT_SECONDS (default 300), FLAGLESS_KEYCLOAK_VERSION
// (another release, e.g. the older one the tests run: its own cache folder, state and leases).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEYCLOAK_OLDER_VERSION, KEYCLOAK_VERSION, KeycloakScriptError, chooseJavaHome, keycloakVersion, paths, prepare, say } from './keycloak-prepare.mjs';

export { KEYCLOAK_OLDER_VERSION, KEYCLOAK_VERSION, chooseJavaHome, keycloakVersion, paths, prepare };
export const DEFAULT_ADMIN_USERNAME = 'admin';
export const DEFAULT_ADMIN_PASSWORD = 'admin-flagless';
const HEAP = '-Xms64m -Xmx768m';
// C1 only: on these 2-core machines it halves the CPU a start costs (measured: cold 31 s of CPU
// instead of 57 s, warm 10 s instead of 20 s) at some cost in peak throughput; benchmarks that want
// the full JIT set FLAGLESS_KEYCLOAK_JAVA_OPTS_APPEND='' (or their own flags).
const DEFAULT_JAVA_OPTS_APPEND = '-XX:TieredStopAtLevel=1';

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
      // The holder may release the lock between the mkdir above and this read: no pid file is
      // then "no holder yet" (the age check below), not an error.
      let holderText = '';
      try {
        holderText = fs.readFileSync(path.join(lock, 'pid'), 'utf8');
      } catch (readError) {
        if (readError.code !== 'ENOENT') throw readError;
      }
      const holder = holderText ? Number(holderText) : NaN;
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
    version: keycloakVersion(),
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
      print({ ...r, home: paths().home, seconds: Number(secs) }, `Keycloak ${keycloakVersion()} ready in ${paths().home} (JDK ${r.java.major}, ${secs} s)`);
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
