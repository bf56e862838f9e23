#!/usr/bin/env node
// Installs what the test suite needs besides npm packages, so that `npm ci && npm test` works on a
// fresh machine: the Keycloak server and flagless's extension (from Maven Central, cached), and
// Debian's Chromium for the gateway dashboard test. Idempotent and quick when all is there.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
// Fetch + unpack Keycloak and build the extension now, so the first Keycloak test does not time out on it;
// then the older release the fallback test runs (organizations as groups before 26.6).
execFileSync(process.execPath, ['scripts/keycloak.mjs', 'prepare'], { stdio: 'inherit' });
execFileSync(process.execPath, ['scripts/keycloak.mjs', 'prepare'], { stdio: 'inherit', env: { ...process.env, FLAGLESS_KEYCLOAK_VERSION: KEYCLOAK_OLDER_VERSION } });
