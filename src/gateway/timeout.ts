/**
 * Rejects when `p` has not settled within `ms`. The operation itself is not cancelled (the Target
 * interface takes no signal); a write that lands after the timeout is found by the create-once
 * lookup at the next login, never duplicated.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  if (!(ms > 0) || !Number.isFinite(ms)) return p;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
