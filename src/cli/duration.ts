import { FlaglessError } from '../protocol/errors.js';

/** `90s`, `15m`, `1h`, `2d` → milliseconds (at least 10 s, at most 7 days). */
export function parseDuration(raw: string, flag: string): number {
  const m = /^([0-9]+)(s|m|h|d)$/.exec(raw.trim());
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  const ms = m ? Number(m[1]) * unit[m[2] as keyof typeof unit] : NaN;
  if (!Number.isFinite(ms) || ms < 10_000 || ms > 7 * 86_400_000) {
    throw new FlaglessError('E_USAGE', `${flag} must be a duration such as 90s, 15m or 1h (from 10 s to 7 days); got "${raw}".`);
  }
  return ms;
}
