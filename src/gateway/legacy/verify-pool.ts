import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism, constants as osConstants, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { PasswordHash } from '../../model/password/index.js';

/**
 * Password verifications off the gateway's event loop and off its libuv pool, each with a time
 * budget, so that one costly hash never delays another user's login beyond its own budget.
 *
 * Why processes: @node-rs/bcrypt, @node-rs/argon2 and node:crypto's scrypt/pbkdf2 all run their
 * async calls on the process's libuv pool (4 threads by default). Four logins of a `$2b$31$` user
 * fill it for days, and every other verification, DNS lookup and file read of the process queues
 * behind them; nothing can cancel them, and even process exit waits for them. A child process has
 * its own pool and can be killed.
 *
 * How the pool keeps the others fast:
 *  - `size` ordinary children (default: the cores, at least 4: the libuv pool's own default, so a
 *    burst of logins gets the same concurrency as before) take verifications in order;
 *  - a verification that has used more than `costlyCpuMs` of CPU (the child reports its CPU
 *    time, checked every `checkEveryMs`; CPU, not wall time, so a verification merely waiting
 *    on a busy machine is never taken for a costly one) moves its child to the background: the
 *    child is reniced to the lowest priority (ordinary verifications keep the CPU) and a fresh
 *    child takes its place in the ordinary set. At most `maxSlow` children run in the background;
 *    one more evicts the oldest;
 *  - every verification has a budget of CPU time (a busy machine slows an ordinary verification
 *    down but never makes it use more CPU, so it is never killed for being slow) and a wall-time
 *    cap; past either it ends with VerificationOverBudget and its child is killed (SIGKILL).
 *    Waiting for a free child is bounded apart (`queueMs`). `costly`
 *    says whether it had used more than `costlyCpuMs` of CPU (the hash is too expensive) or not
 *    (the machine was too busy: worth a retry, never held against the user);
 *  - `close()` kills every child at once, whatever they run (SIGTERM stops the gateway quickly).
 */
export interface VerifyPoolOptions {
  /** Ordinary children (default max(4, cores)). */
  size?: number;
  /** CPU time one verification may use (default 5000 ms): then its process is killed. */
  budgetMs?: number;
  /**
   * Wall time one verification may run at most, however busy the machine (default twice the
   * budget, at least 10 s: the router's own legacy timeout). Killed there, a verification that
   * had gone to the background counts as costly; an ordinary one as a busy machine.
   */
  wallMs?: number;
  /** How long a verification may wait for a free process (default 60 000 ms: the router's legacy timeout, 10 s by default, usually answers first). */
  queueMs?: number;
  /** CPU time after which a verification counts as costly and goes to the background (default 250 ms; see setCostlyCpu). */
  costlyCpuMs?: number;
  /** How often a running verification's CPU time is read (default 50 ms). */
  checkEveryMs?: number;
  /** Background children at most (default 4). */
  maxSlow?: number;
}

/** A verification that did not finish within its budget. `started`: it ran (a costly hash); otherwise it waited for a free child the whole time (overload). */
export class VerificationOverBudget extends Error {
  constructor(
    readonly budgetMs: number,
    readonly started: boolean,
    readonly costly = false,
  ) {
    super(started ? `the verification ran past its budget (${budgetMs} ms of CPU)` : `no verification process was free in time`);
    this.name = 'VerificationOverBudget';
  }
}

/** The pool is closing or a child died: the verification has no answer (never a "wrong password"). */
export class VerificationAborted extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'VerificationAborted';
  }
}

interface Job {
  id: number;
  phc: string;
  password: string;
  budgetMs: number;
  onCostly?: () => void;
  resolve: (r: { ok: boolean; cpuMs: number }) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  worker?: Worker;
  started?: number;
}

interface Worker {
  child: ChildProcess;
  ready: boolean;
  slow: boolean;
  job?: Job;
  slowTimer?: NodeJS.Timeout;
  /** Pending CPU-time questions to the child. */
  probes: Map<number, (ms: number | undefined) => void>;
}

export interface VerifyPoolStats {
  /** Verifications answered (match or not). */
  answered: number;
  /** Ended at their budget while running (the child was killed). */
  overBudget: number;
  /** Ended at their budget while waiting for a child. */
  queueTimeouts: number;
  /** Moved to the background. */
  slowed: number;
  children: number;
}

/** The node flags a child needs to load the same code (a TypeScript loader in tests); never `-e` or test-runner flags. */
function loaderArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (/^--(import|require|loader|experimental-loader)$/.test(a) && argv[i + 1] !== undefined) out.push(a, argv[++i]!);
    else if (/^--(import|require|loader|experimental-loader)=/.test(a)) out.push(a);
  }
  return out;
}

const CHILD = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './verify-child.ts' : './verify-child.js', import.meta.url));

export class VerifyPool {
  readonly #size: number;
  readonly #maxSlow: number;
  #budgetMs: number;
  readonly #queueMs: number;
  readonly #wallMs: number;
  #costlyCpuMs: number;
  readonly #checkEveryMs: number;
  readonly #workers = new Set<Worker>();
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;
  readonly stats: VerifyPoolStats = { answered: 0, overBudget: 0, queueTimeouts: 0, slowed: 0, children: 0 };

  constructor(opts: VerifyPoolOptions = {}) {
    this.#size = Math.max(1, Math.floor(opts.size ?? Math.max(4, availableParallelism())));
    this.#budgetMs = opts.budgetMs ?? 5000;
    this.#queueMs = opts.queueMs ?? 60_000;
    this.#wallMs = opts.wallMs ?? Math.max(10_000, 2 * this.#budgetMs);
    this.#costlyCpuMs = opts.costlyCpuMs ?? 250;
    this.#checkEveryMs = opts.checkEveryMs ?? 50;
    this.#maxSlow = Math.max(1, opts.maxSlow ?? 4);
  }

  get budgetMs(): number {
    return this.#budgetMs;
  }

  /** Moves the costly threshold (the verifier sets it from the measured CPU of an ordinary verification). */
  setCostlyCpu(ms: number): void {
    if (ms > 0 && Number.isFinite(ms)) this.#costlyCpuMs = ms;
  }

  /** Starts the ordinary children now rather than at the first login. */
  warm(): void {
    while (!this.#closed && this.#fastCount() < this.#size) this.#spawn();
  }

  async verify(hash: PasswordHash, password: string, budgetMs = this.#budgetMs): Promise<boolean> {
    return (await this.verifyMeasured(hash, password, budgetMs)).ok;
  }

  /** As verify, with the CPU time the verification took in its process; `onCostly` is called if it goes to the background. */
  verifyMeasured(hash: PasswordHash, password: string, budgetMs = this.#budgetMs, onCostly?: () => void): Promise<{ ok: boolean; cpuMs: number }> {
    if (this.#closed) return Promise.reject(new VerificationAborted('the verification pool is closed'));
    return new Promise<{ ok: boolean; cpuMs: number }>((resolve, reject) => {
      const job: Job = {
        id: this.#nextId++,
        phc: hash.phc.reveal(),
        password,
        budgetMs,
        ...(onCostly ? { onCostly } : {}),
        resolve,
        reject,
        timer: setTimeout(() => this.#expire(job), this.#queueMs),
      };
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) this.#settle(job, new VerificationAborted('the gateway is stopping'));
    for (const w of [...this.#workers]) {
      if (w.job) this.#settle(w.job, new VerificationAborted('the gateway is stopping'));
      this.#kill(w);
    }
  }

  #fastCount(): number {
    let n = 0;
    for (const w of this.#workers) if (!w.slow) n++;
    return n;
  }

  #spawn(): Worker {
    const child = fork(CHILD, [], { execArgv: loaderArgs(process.execArgv), stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' });
    const w: Worker = { child, ready: false, slow: false, probes: new Map() };
    this.#workers.add(w);
    this.stats.children = this.#workers.size;
    // Children never keep the gateway alive; a pending verification's timer does.
    child.unref();
    (child as unknown as { channel?: { unref(): void } }).channel?.unref();
    child.on('message', (m: { ready?: boolean; id?: number; ok?: boolean; cpuMs?: number; error?: string; cpu?: number; ms?: number }) => {
      if (m.cpu !== undefined) {
        w.probes.get(m.cpu)?.(m.ms);
        w.probes.delete(m.cpu);
        return;
      }
      if (m.ready) {
        w.ready = true;
        this.#dispatch();
        return;
      }
      const job = w.job;
      if (!job || job.id !== m.id) return;
      this.#release(w);
      this.stats.answered++;
      if (m.error) this.#settle(job, Object.assign(new Error(`the hash cannot be verified (${m.error})`), { code: m.error }));
      else this.#settle(job, { ok: m.ok === true, cpuMs: m.cpuMs ?? 0 });
      this.#dispatch();
    });
    child.on('error', () => undefined);
    child.on('exit', () => {
      this.#workers.delete(w);
      this.stats.children = this.#workers.size;
      if (w.slowTimer) clearTimeout(w.slowTimer);
      if (w.job) this.#settle(w.job, new VerificationAborted('the verification process stopped unexpectedly'));
      w.job = undefined;
      this.#dispatch();
    });
    return w;
  }

  #dispatch(): void {
    if (this.#closed) return;
    while (this.#queue.length > 0) {
      const idle = [...this.#workers].find((w) => !w.slow && w.ready && !w.job);
      if (!idle) {
        // Children still starting count: they take the queue as soon as they are ready.
        const starting = [...this.#workers].filter((w) => !w.slow && !w.ready).length;
        if (this.#fastCount() < this.#size && starting < this.#queue.length) {
          this.#spawn();
          continue;
        }
        return;
      }
      const job = this.#queue.shift()!;
      idle.job = job;
      job.worker = idle;
      job.started = performance.now();
      clearTimeout(job.timer);
      job.timer = setTimeout(() => this.#expire(job), this.#wallMs);
      idle.slowTimer = setTimeout(() => void this.#check(idle, job), this.#checkEveryMs);
      idle.child.send({ id: job.id, phc: job.phc, password: job.password });
    }
  }

  /**
   * The CPU time (ms) the child's current verification has used, or undefined when it does not
   * answer within a second (its main thread is free while the hash runs on its own libuv pool, so
   * no answer means a machine too busy to tell: never taken as proof of a costly hash).
   */
  #cpuMs(w: Worker): Promise<number | undefined> {
    return new Promise((resolve) => {
      const id = this.#nextId++;
      const timer = setTimeout(() => {
        w.probes.delete(id);
        resolve(undefined);
      }, 1000);
      w.probes.set(id, (ms) => {
        clearTimeout(timer);
        resolve(ms);
      });
      try {
        w.child.send({ cpu: id });
      } catch {
        clearTimeout(timer);
        w.probes.delete(id);
        resolve(undefined);
      }
    });
  }

  /** Reads the running verification's CPU time: past its budget it ends; past the costly mark it goes to the background. */
  async #check(w: Worker, job: Job): Promise<void> {
    w.slowTimer = undefined;
    if (w.job !== job || this.#closed) return;
    const cpu = await this.#cpuMs(w);
    if (w.job !== job || this.#closed) return;
    if (cpu !== undefined && cpu >= job.budgetMs) {
      this.#expire(job, true);
      return;
    }
    // An ordinary verification so far (or one waiting for a busy machine: no answer) stays.
    if (!w.slow && cpu !== undefined && cpu >= this.#costlyCpuMs) this.#toBackground(w);
    if (w.job === job) w.slowTimer = setTimeout(() => void this.#check(w, job), w.slow ? 4 * this.#checkEveryMs : this.#checkEveryMs);
  }

  #toBackground(w: Worker): void {
    if (!w.job || w.slow || this.#closed) return;
    w.slow = true;
    this.stats.slowed++;
    w.job.onCostly?.();
    try {
      if (w.child.pid) setPriority(w.child.pid, osConstants.priority.PRIORITY_LOW);
    } catch {
      // Not allowed on this platform: the child still leaves the ordinary set.
    }
    const slow = [...this.#workers].filter((x) => x.slow && x.job);
    if (slow.length > this.#maxSlow) {
      const oldest = slow.sort((a, b) => (a.job!.started ?? 0) - (b.job!.started ?? 0))[0]!;
      this.stats.overBudget++;
      this.#settle(oldest.job!, new VerificationOverBudget(oldest.job!.budgetMs, true));
      this.#kill(oldest);
    }
    this.#dispatch();
  }

  /** Ends a verification: at its CPU budget (`costly`), at the wall cap, or in the queue. */
  #expire(job: Job, costly = false): void {
    const w = job.worker;
    if (w) {
      clearTimeout(job.timer);
      this.stats.overBudget++;
      const wasSlow = w.slow || costly;
      // Out of the ordinary set at once (a replacement starts); an answer that still arrives
      // while its CPU time is read wins, and the process goes either way.
      w.slow = true;
      this.#dispatch();
      void this.#cpuMs(w).then((cpu) => {
        this.#settle(job, new VerificationOverBudget(job.budgetMs, true, wasSlow || (cpu !== undefined && cpu >= this.#costlyCpuMs)));
        this.#kill(w);
        this.#dispatch();
      });
      return;
    }
    const i = this.#queue.indexOf(job);
    if (i >= 0) this.#queue.splice(i, 1);
    this.stats.queueTimeouts++;
    this.#settle(job, new VerificationOverBudget(job.budgetMs, false));
  }

  /** After an answer: an ordinary child takes the next job; a background one cannot be raised back (only root may), so it goes. */
  #release(w: Worker): void {
    if (w.slowTimer) clearTimeout(w.slowTimer);
    w.slowTimer = undefined;
    if (w.job) w.job.worker = undefined;
    w.job = undefined;
    if (w.slow) this.#kill(w);
  }

  #kill(w: Worker): void {
    if (w.slowTimer) clearTimeout(w.slowTimer);
    if (w.job) w.job.worker = undefined;
    w.job = undefined;
    this.#workers.delete(w);
    this.stats.children = this.#workers.size;
    try {
      w.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }

  #settle(job: Job, result: { ok: boolean; cpuMs: number } | Error): void {
    clearTimeout(job.timer);
    job.password = '';
    job.phc = '';
    if (result instanceof Error) job.reject(result);
    else job.resolve(result);
    job.resolve = () => undefined;
    job.reject = () => undefined;
  }
}
