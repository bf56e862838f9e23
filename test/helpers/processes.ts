// Local stand-in servers for tests: a free port on 127.0.0.1, cognito-local started in a working
// directory of the test's choosing, and a child process stopped politely, then killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}

/** Sends `signal`, waits for the exit, and kills after `graceMs` if it has not exited. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}

const COGNITO_LOCAL = path.join(path.dirname(createRequire(import.meta.url).resolve('cognito-local/package.json')), 'lib', 'bin', 'start.js');

/** cognito-local (it keeps its pools in `cwd`) on a free port; resolves once it listens. */
export async function startCognitoLocal(cwd: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [COGNITO_LOCAL], { cwd, env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cognito-local did not start in 60 s:\n${log}`)), 60_000);
      const onData = (d: Buffer): void => {
        log += d.toString();
        if (log.includes('running on')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`cognito-local exited (${code}):\n${log}`));
      });
    });
  } catch (e) {
    await stopChild(child);
    throw e;
  }
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

/**
 * Waits for a `flagless serve --json` child to print its start line and answers its URL; rejects
 * with its stderr when it exits first or prints nothing within `timeoutMs`. `stderr()` reads what
 * the child wrote so far.
 */
export async function serveUrl(child: ChildProcess, timeoutMs: number): Promise<{ url: string; stderr: () => string }> {
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${err}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}:\n${err}`)));
  });
  return { url, stderr: () => err };
}
