import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** Runs the CLI and SIGKILLs it once `when()` turns true (polled every 20 ms); resolves when it is gone. */
export function flaglessKilledWhen(args: string[], env: Record<string, string>, when: () => boolean, timeoutMs = 60_000): Promise<{ killed: boolean; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'bin/flagless.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const poll = setInterval(() => {
      if (!killed && when()) {
        killed = true;
        child.kill('SIGKILL');
      }
    }, 20);
    const limit = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(limit);
      resolve({ killed, code, stdout, stderr });
    });
  });
}

export interface FinishDoc {
  target: string;
  resets: { candidates: number; sent: number; alreadySent: number; unconfirmed: number; failed: number; skipped: number; wouldSend: number };
  entries: { sourceId: string; email?: string; reason: string; result: string; via?: string; detail?: string }[];
  sms: { targetCarriesSms: boolean; users: number; csv?: string; notice?: { subject: string; text: string; html: string; files?: string[] } };
}
