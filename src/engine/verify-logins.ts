import { setMaxListeners } from 'node:events';
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { secret, type Secret } from '../model/secret.js';
import { base32Decode, isBase32Secret, totp } from '../model/totp.js';
import { FlaglessError } from '../protocol/errors.js';
import type { Target } from '../protocol/target.js';
import { AbortedError } from './concurrency.js';
import { RecordFailure, Requester } from './request.js';
import { TaskPool } from './task-pool.js';

/**
 * `verify --logins`: signs in as each listed user through the target's real login API, with the
 * same bounded concurrency and shared rate limit as a migration. The report names each failed
 * identifier and why, never the password.
 */
export interface LoginReport {
  total: number;
  succeeded: number;
  /** Sign-ins that should have worked and did not. */
  failed: { identifier: string; reason: string }[];
  /**
   * Sign-ins that failed as the plan said they would: users it does not move (disabled where the
   * target cannot disable) or moves without a hash (JIT or reset). Not counted against success.
   */
  expectedFailures: { identifier: string; reason: string }[];
  /** Unexpected failures, counted in full (the lists are capped). */
  failedCount: number;
}

export interface Credential {
  identifier: string;
  password: string;
  /** Base32 TOTP secret (optional `totp_secret` column): a target's MFA step is answered with its current code. */
  totpSecret?: Secret;
  line: number;
}

/** Streams `identifier,password[,totp_secret]` rows (header required; other columns ignored). */
export async function* readCredentials(path: string): AsyncIterable<Credential | { line: number; error: string }> {
  const parser = createReadStream(path).pipe(parse({ columns: true, skip_empty_lines: true, trim: false, bom: true, relax_column_count: true, info: true }));
  let checked = false;
  try {
    for await (const rec of parser as AsyncIterable<{ record: Record<string, string | undefined>; info: { lines: number } }>) {
      if (!checked) {
        checked = true;
        if (!('identifier' in rec.record) || !('password' in rec.record)) {
          throw new FlaglessError('E_INPUT_UNREADABLE', `${path}: the logins CSV needs the header "identifier,password"`);
        }
      }
      const identifier = rec.record.identifier?.trim();
      const password = rec.record.password;
      const totpSecret = rec.record.totp_secret?.trim();
      if (!identifier || password === undefined || password === '') yield { line: rec.info.lines, error: 'missing identifier or password' };
      else if (totpSecret && !isBase32Secret(totpSecret)) yield { line: rec.info.lines, error: 'totp_secret is not a base32 secret' };
      else yield { identifier, password, ...(totpSecret ? { totpSecret: secret(totpSecret) } : {}), line: rec.info.lines };
    }
  } catch (e) {
    if (e instanceof FlaglessError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read ${path} (${code})`);
    throw new FlaglessError('E_INPUT_UNREADABLE', `${path}: not a readable CSV (${(e as Error).message.split('\n')[0]})`);
  }
}

export async function checkLogins(
  target: Target,
  credentials: AsyncIterable<Credential | { line: number; error: string }>,
  opts: {
    concurrency: number;
    rate: number;
    signal?: AbortSignal;
    maxListed?: number;
    /** Why a failure is expected for this identifier, if it is (a user the plan does not move, or moves without a hash). */
    explain?: (identifier: string) => string | undefined;
    /** Sign-ins finished so far (every 100, and at the end). */
    onProgress?: (done: number) => void;
  },
): Promise<LoginReport> {
  const report: LoginReport = { total: 0, succeeded: 0, failed: [], expectedFailures: [], failedCount: 0 };
  let done = 0;
  const maxListed = opts.maxListed ?? 1000;
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  opts.signal?.addEventListener('abort', () => controller.abort(opts.signal?.reason), { once: true });
  const requester = new Requester({ concurrency: opts.concurrency, rate: opts.rate, signal: controller.signal });
  const pool = new TaskPool(opts.concurrency, controller);
  const fail = (identifier: string, reason: string) => {
    const why = opts.explain?.(identifier);
    const list = why ? report.expectedFailures : report.failed;
    if (!why) report.failedCount++;
    if (list.length < maxListed) list.push({ identifier, reason: why ? `${reason}: ${why}` : reason });
  };
  try {
    for await (const c of credentials) {
      report.total++;
      if ('error' in c) {
        fail(`line ${c.line}`, c.error);
        continue;
      }
      await pool.spawn(async () => {
        try {
          const key = c.totpSecret;
          const second = key ? { totpCode: () => totp(base32Decode(key.reveal())) } : undefined;
          const r = await requester.call(() => target.login(c.identifier, c.password, second));
          if (r.ok) report.succeeded++;
          else fail(c.identifier, r.reason);
        } catch (e) {
          if (e instanceof RecordFailure) fail(c.identifier, `${e.failure.code}: ${e.failure.message}`);
          else throw e;
        }
        if (++done % 100 === 0) opts.onProgress?.(done);
      });
    }
    await pool.drain();
    opts.onProgress?.(done);
  } catch (e) {
    if (!(e instanceof AbortedError)) throw e;
  } finally {
    await pool.drain().catch(() => undefined);
    requester.close();
  }
  return report;
}
