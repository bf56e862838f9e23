#!/usr/bin/env node
// Installs what the test suite needs besides flagless's own npm packages, so that `npm ci && npm test`
// works on a fresh machine: the Keycloak servers and flagless's extension (from Maven Central,
// cached), Debian's Chromium for the gateway dashboard test, and the Firebase Auth emulator.
// Idempotent and quick when all is there.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KEYCLOAK_OLDER_VERSION } from './keycloak-prepare.mjs';

const say = (m) => process.stderr.write(`prepare-tests: ${m}\n`);

function ensureChromium() {
  if (['/usr/bin/chromium', '/usr/bin/chromium-browser'].some((p) => existsSync(p))) return;
  if (process.getuid?.() !== 0) {
    say('Chromium is missing and this is not root: install Debian\'s `chromium` package (the dashboard test needs it).');
    process.exitCode = 1;
    return;
  }
  say("installing Debian's chromium for the dashboard test (apt-get)…");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  }
  if (r.status !== 0) {
    say('could not install chromium');
    process.exitCode = 1;
  }
}

ensureChromium();
/**
 * Google's Firebase Auth emulator (firebase-tools, pure Node: nothing is downloaded at run time) in
 * test/firebase-emulator, from its own lockfile; installed again only when that lockfile changes.
 */
function ensureFirebaseEmulator() {
  const dir = path.join('test', 'firebase-emulator');
  const lock = readFileSync(path.join(dir, 'package-lock.json'));
  const stamp = path.join(dir, 'node_modules', '.flagless-lock-sha256');
  const want = createHash('sha256').update(lock).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want) return;
  say('installing the Firebase Auth emulator (firebase-tools) for the legacy-verifier test (npm ci in test/firebase-emulator)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
  if (r.status !== 0) {
    say('could not install firebase-tools in test/firebase-emulator');
    process.exitCode = 1;
    return;
  }
  writeFileSync(stamp, want + '\n');
}

ensureFirebaseEmulator();
// Fetch + unpack Keycloak and build the extension now, so the first Keycloak test does not time out on it;
// then the older release the fallback test runs (organizations as groups before 26.6).
execFileSync(process.execPath, ['scripts/keycloak.mjs', 'prepare'], { stdio: 'inherit' });
execFileSync(process.execPath, ['scripts/keycloak.mjs', 'prepare'], { stdio: 'inherit', env: { ...process.env, FLAGLESS_KEYCLOAK_VERSION: KEYCLOAK_OLDER_VERSION } });
