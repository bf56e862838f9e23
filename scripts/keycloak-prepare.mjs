// Installs the local Keycloak: picks the JDK, fetches the server distribution from Maven Central
// with mvn, unpacks it into the cache folder, builds flagless's password-hash extension
// (keycloak-extension/, with its unit tests) and copies the jar into the server's providers/.
// Every step is skipped when its result is already there. Used by scripts/keycloak.mjs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const KEYCLOAK_VERSION = '26.7.3';
/**
 * An older release the tests also run, to prove the fallbacks for servers before 26.6
 * (organizations as realm groups). Chosen with FLAGLESS_KEYCLOAK_VERSION.
 */
export const KEYCLOAK_OLDER_VERSION = '26.5.6';

/** The release this process works with: FLAGLESS_KEYCLOAK_VERSION, or KEYCLOAK_VERSION. */
export function keycloakVersion() {
  const v = process.env.FLAGLESS_KEYCLOAK_VERSION?.trim();
  if (!v) return KEYCLOAK_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(v)) throw new KeycloakScriptError(`FLAGLESS_KEYCLOAK_VERSION must look like 26.5.6; got "${v}"`);
  return v;
}
const MIN_JAVA = 17;
const EXTENSION_JAR = 'flagless-keycloak-extension.jar';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const extensionDir = path.join(repoRoot, 'keycloak-extension');

export function paths() {
  const cache = process.env.FLAGLESS_CACHE_DIR || path.join(os.homedir(), '.cache', 'flagless');
  const version = keycloakVersion();
  // Another release gets its own folder: its own state, lock and leases, so both can run at once.
  const dir = path.join(cache, version === KEYCLOAK_VERSION ? 'keycloak' : `keycloak-${version}`);
  return {
    dir,
    version,
    home: path.join(dir, `keycloak-${version}`),
    archive: path.join(dir, `keycloak-quarkus-dist-${version}.tar.gz`),
    state: path.join(dir, 'state.json'),
    log: path.join(dir, 'server.log'),
    lock: path.join(dir, 'lock'),
    leases: path.join(dir, 'leases'),
  };
}

export class KeycloakScriptError extends Error {}

export const say = (msg) => process.stderr.write(`keycloak: ${msg}\n`);

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
  h.update(KEYCLOAK_VERSION); // the extension is built against the main release and runs on both
  return h.digest('hex');
}

function fetchServer(java) {
  const p = paths();
  if (fs.existsSync(path.join(p.home, 'bin', 'kc.sh'))) return false;
  if (!fs.existsSync(p.archive)) {
    say(`fetching org.keycloak:keycloak-quarkus-dist:${p.version}:tar.gz from Maven Central`);
    run('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=org.keycloak:keycloak-quarkus-dist:${p.version}:tar.gz`, `-DoutputDirectory=${p.dir}`], {
      cwd: p.dir,
      env: { JAVA_HOME: java.javaHome },
      what: 'mvn dependency:copy',
    });
  }
  // Unpack beside the final folder, then rename, so an interrupted unpack never looks complete.
  const staging = fs.mkdtempSync(path.join(p.dir, 'unpack-'));
  try {
    run('tar', ['xzf', p.archive, '-C', staging], { what: 'tar xzf' });
    fs.renameSync(path.join(staging, `keycloak-${p.version}`), p.home);
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
