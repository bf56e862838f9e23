/**
 * The Firebase legacy verifier against the real Firebase Auth emulator (firebase-tools), side by
 * side with the strict simulator: the same users, the same questions, the same verdicts, so the
 * simulator the other tests use is checked against Google's own emulator.
 *
 * firebase-tools is about 600 packages, so it is not a dependency of flagless: it has its own
 * lockfile in test/firebase-emulator, which `npm test` installs (scripts/prepare-tests.mjs), or
 * FLAGLESS_FIREBASE_TOOLS=/path/to/node_modules/firebase-tools points at another copy. Without it
 * the test fails and says how to get it: it is never skipped.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { firebaseLegacyVerifier } from '../../src/connectors/firebase/legacy-login.js';
import { startFirebaseSim, type FirebaseSim } from '../../src/connectors/firebase/sim/legacy.js';
import type { LegacyVerdict } from '../../src/protocol/legacy.js';
import { freePort, stopChild } from '../helpers/processes.js';
import { tempDir } from './helpers.js';

function findFirebaseTools(): string | undefined {
  const fromEnv = process.env.FLAGLESS_FIREBASE_TOOLS;
  if (fromEnv && fs.existsSync(path.join(fromEnv, 'package.json'))) return fromEnv;
  const local = path.resolve('test', 'firebase-emulator', 'node_modules', 'firebase-tools');
  if (fs.existsSync(path.join(local, 'package.json'))) return local;
  try {
    return path.dirname(createRequire(import.meta.url).resolve('firebase-tools/package.json'));
  } catch {
    return undefined;
  }
}

const tools = findFirebaseTools();
const PROJECT = 'demo-flagless';
const USERS = [
  { email: 'grace@example.com', password: 'Grace-Pw-1', displayName: 'Grace Hopper' },
  { email: 'off@example.com', password: 'Off-Pw-1' },
];

describe('Firebase legacy verifier: emulator and simulator agree', { timeout: 120_000 }, () => {
  it('has the Firebase Auth emulator to run against', () => {
    assert.ok(tools, 'firebase-tools not found: run `node scripts/prepare-tests.mjs` (npm test does), or set FLAGLESS_FIREBASE_TOOLS');
  });

  const tmp = tempDir();
  let child: ChildProcess | undefined;
  let emulatorUrl = '';
  let sim: FirebaseSim;
  const ids: Record<string, string> = {};

  before(async () => {
    const [auth, hub, logging] = [await freePort(), await freePort(), await freePort()];
    fs.writeFileSync(
      path.join(tmp.dir, 'firebase.json'),
      JSON.stringify({ emulators: { auth: { host: '127.0.0.1', port: auth }, hub: { host: '127.0.0.1', port: hub }, logging: { host: '127.0.0.1', port: logging }, ui: { enabled: false } } }),
    );
    const bin = path.join(tools!, 'lib', 'bin', 'firebase.js');
    const proc = spawn(process.execPath, [bin, 'emulators:start', '--only', 'auth', '--project', PROJECT], { cwd: tmp.dir, env: { ...process.env, HOME: tmp.dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let log = '';
    proc.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    emulatorUrl = `http://127.0.0.1:${auth}/identitytoolkit.googleapis.com`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`the emulator exited:\n${log}`);
      const ready = await fetch(`http://127.0.0.1:${auth}/`).then((r) => r.json() as Promise<{ authEmulator?: { ready?: boolean } }>).catch(() => undefined);
      if (ready?.authEmulator?.ready) break;
      if (Date.now() > deadline) throw new Error(`the emulator did not start in 60 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const u of USERS) {
      const res = await fetch(`${emulatorUrl}/v1/accounts:signUp?key=AIza-test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...u, returnSecureToken: true }) });
      const body = (await res.json()) as { localId: string };
      ids[u.email] = body.localId;
      if (u.displayName) {
        await fetch(`${emulatorUrl}/v1/projects/${PROJECT}/accounts:update`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer owner' }, body: JSON.stringify({ localId: body.localId, displayName: u.displayName }) });
      }
    }
    const off = await fetch(`${emulatorUrl}/v1/projects/${PROJECT}/accounts:update`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer owner' }, body: JSON.stringify({ localId: ids['off@example.com'], disableUser: true }) });
    assert.equal(off.status, 200);
    sim = await startFirebaseSim({ apiKey: 'AIza-test', users: USERS.map((u) => ({ localId: ids[u.email]!, ...u, ...(u.email === 'off@example.com' ? { disabled: true } : {}) })) });
  });

  after(async () => {
    await sim?.close();
    await stopChild(child, 'SIGINT', 15_000);
    tmp.remove();
  });

  const verdict = (v: LegacyVerdict) => (v.ok ? { ok: true, sourceId: v.sourceId, email: v.user?.emails[0]?.address, name: v.user?.displayName ?? v.user?.firstName } : { ok: false, reason: v.reason, detail: v.detail });

  for (const [label, identifier, password, expected] of [
    ['right password', 'grace@example.com', 'Grace-Pw-1', 'ok'],
    ['wrong password', 'grace@example.com', 'nope', 'invalid_credentials'],
    ['unknown email', 'nobody@example.com', 'nope', 'unknown_user'],
    ['disabled user', 'off@example.com', 'Off-Pw-1', 'disabled'],
  ] as const) {
    it(`${label}: the emulator and the simulator give the same verdict`, async () => {
      const fromEmulator = verdict(await firebaseLegacyVerifier({ apiKey: 'AIza-test', apiUrl: emulatorUrl }).verify(identifier, password));
      const fromSim = verdict(await firebaseLegacyVerifier({ apiKey: 'AIza-test', apiUrl: sim.url }).verify(identifier, password));
      assert.deepEqual(fromSim, fromEmulator);
      assert.equal(fromEmulator.ok ? 'ok' : fromEmulator.reason, expected);
      if (label === 'right password') {
        assert.equal(fromEmulator.ok, true);
        assert.equal(fromEmulator.sourceId, ids['grace@example.com']);
      }
    });
  }
});
