/**
 * One verification process of the gateway's VerifyPool (forked, IPC only): receives
 * `{id, phc, password}`, answers `{id, ok}` or `{id, error}` with a secret-free error code. It
 * prints nothing; it exits when the gateway goes away (disconnect). A process, not a worker
 * thread, because a verification stuck in native code (bcrypt cost 31, PBKDF2 with 2³¹ rounds)
 * cannot be stopped inside a thread, only by killing the process that runs it. The verification
 * runs on this process's libuv pool, so its main thread stays free to answer `{cpu}` (the CPU
 * time the verification has used so far).
 */
import { parsePhc, verifyPassword } from '../../model/password/index.js';

interface Job {
  id: number;
  phc: string;
  password: string;
}

/** CPU time of the running verification: the pool tells a costly hash from a busy machine by it. */
let jobCpu: NodeJS.CpuUsage | undefined;

process.on('message', (job: Job | { cpu: number }) => {
  if ('cpu' in job) {
    const used = jobCpu ? process.cpuUsage(jobCpu) : { user: 0, system: 0 };
    process.send?.({ cpu: job.cpu, ms: (used.user + used.system) / 1000 });
    return;
  }
  jobCpu = process.cpuUsage();
  void (async () => {
    let answer: { id: number; ok: boolean; cpuMs: number } | { id: number; error: string };
    try {
      const ok = await verifyPassword(parsePhc(job.phc), job.password);
      const used = process.cpuUsage(jobCpu);
      answer = { id: job.id, ok, cpuMs: (used.user + used.system) / 1000 };
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      answer = { id: job.id, error: typeof code === 'string' && /^E_[A-Z_]+$/.test(code) ? code : 'E_VERIFY_FAILED' };
    }
    jobCpu = undefined;
    process.send?.(answer);
  })();
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
