// The Keycloak `flagless demo sso` uses as the customers' IdP: the server given by KEYCLOAK_URL
// (used as it is, never stopped), or else the one a checkout of flagless prepares in its cache
// (`npm run keycloak:prepare`), started through scripts/keycloak.mjs with a lease held by this
// process: the script starts it on free ports on 127.0.0.1 if none runs and, at the end, stops it
// (its process group, by the pid it recorded) only when this lease started it and no other
// process still holds one. Nothing is downloaded: an unprepared cache is an E_PREREQUISITE.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { configuredKeycloak } from '../../connectors/keycloak/idp-realm.js';
import { FlaglessError } from '../../protocol/errors.js';

const run = promisify(execFile);

export interface LocalKeycloakHandle {
  url: string;
  username: string;
  password: string;
  /** How it was obtained, for the demo's report. */
  how: 'KEYCLOAK_URL' | 'started' | 'already running';
  /** Drops the lease: says whether the server was stopped, and why not when it was left running. */
  release(): Promise<{ stopped: boolean; reason?: string }>;
}

/** scripts/keycloak.mjs of the checkout this build runs from (absent from the published package). */
function scriptPath(): string {
  // dist/src/app/sso-proof/ → the package root.
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  return path.join(root, 'scripts', 'keycloak.mjs');
}

export async function acquireKeycloak(env: Record<string, string | undefined>, say: (line: string) => void): Promise<LocalKeycloakHandle> {
  const configured = configuredKeycloak(env);
  if (configured.url) return { url: configured.url, username: configured.username, password: configured.password, how: 'KEYCLOAK_URL', release: async () => ({ stopped: false, reason: 'given by KEYCLOAK_URL; left as it was' }) };
  const script = scriptPath();
  const wayOut = 'set KEYCLOAK_URL (with KEYCLOAK_ADMIN_USERNAME / KEYCLOAK_ADMIN_PASSWORD) to a Keycloak the demo may create a realm in, or run it from a checkout of flagless after `npm run keycloak:prepare` (it puts Keycloak in ~/.cache/flagless).';
  if (!existsSync(script)) throw new FlaglessError('E_PREREQUISITE', `no Keycloak to act as the IdP: ${wayOut}`);
  const prepare = (await import(pathToFileURL(path.join(path.dirname(script), 'keycloak-prepare.mjs')).href)) as { paths(): { home: string } };
  const home = prepare.paths().home;
  if (!existsSync(path.join(home, 'bin', 'kc.sh'))) throw new FlaglessError('E_PREREQUISITE', `Keycloak is not prepared (${home} is missing): ${wayOut}`);
  const lease = `demo-sso-${process.pid}`;
  say('Keycloak: starting the prepared server (or joining the one running) with a lease');
  let state: { url: string; startedNow: boolean };
  try {
    const { stdout } = await run(process.execPath, [script, 'start', '--json', '--lease', lease, '--lease-pid', String(process.pid)], { timeout: 6 * 60_000, maxBuffer: 4 << 20 });
    state = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as typeof state;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new FlaglessError('E_PREREQUISITE', `Keycloak did not start: ${(err.stderr?.trim() || err.message).slice(-600)}`);
  }
  return {
    url: state.url,
    username: configured.username,
    password: configured.password,
    how: state.startedNow ? 'started' : 'already running',
    release: async () => {
      try {
        const { stdout } = await run(process.execPath, [script, 'stop', '--json', '--lease', lease], { timeout: 2 * 60_000 });
        const r = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { stopped?: boolean; reason?: string };
        return r.stopped ? { stopped: true } : { stopped: false, reason: r.reason ?? 'left running' };
      } catch (e) {
        return { stopped: false, reason: `stopping failed: ${((e as { stderr?: string }).stderr?.trim() || (e as Error).message).slice(-300)}` };
      }
    },
  };
}
