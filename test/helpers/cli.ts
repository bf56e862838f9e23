import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Runs the real CLI entry (bin/flagless.js → dist), as a user would; cwd defaults to the repo root. */
export function flagless(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}) {
  const r = spawnSync(process.execPath, [join(process.cwd(), 'bin/flagless.js'), ...args], {
    cwd: opts.cwd ?? process.cwd(),
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
