/** What the SSO cutover proxy keeps in the shared state store (see schema.ts). */
export type SsoSide = 'legacy' | 'target';
export const SSO_SIDES: readonly SsoSide[] = ['legacy', 'target'];

export function otherSide(s: SsoSide): SsoSide {
  return s === 'legacy' ? 'target' : 'legacy';
}

/**
 * A connection's flag. Without a rollout every response goes to `side`. With one, a user goes to
 * `side` when their email domain is listed (when `domains` is set) and their stable bucket is
 * below `percent` (when `percent` is set); everyone else, and any response whose user cannot be
 * told, goes to the other side (where the connection was before the partial flip).
 */
export interface SsoFlag {
  connection: string;
  side: SsoSide;
  percent?: number;
  domains?: string[];
  /** The flip that set this flag ('' for none). */
  flipId: string;
  updatedAt: string;
}

export type SsoFlipReason = 'manual' | 'auto-rollback';

export interface SsoFlip {
  id: string;
  connection: string;
  at: string;
  who: string;
  from: SsoSide | 'none';
  to: SsoSide;
  percent?: number;
  domains?: string[];
  reason: SsoFlipReason;
}

export interface SsoFlipRequest {
  connection: string;
  to: SsoSide;
  percent?: number;
  domains?: string[];
  who: string;
  reason: SsoFlipReason;
  /** Only flip when the connection's current flip is this one (auto-rollback: never undo a newer flip). */
  ifFlipId?: string;
}

/** Events counted per connection, flip and side. */
export type SsoEvent = 'response' | 'start' | 'completed' | 'failed';
export const SSO_EVENTS: readonly SsoEvent[] = ['response', 'start', 'completed', 'failed'];

export interface SsoCountDelta {
  connection: string;
  flipId: string;
  side: SsoSide;
  event: SsoEvent;
  n: number;
}

export type SsoCounts = Record<SsoSide, Record<SsoEvent, number>>;

export interface SsoStore {
  readonly kind: 'sqlite' | 'postgres';
  readonly location: string;
  /** The flags' version: bumped by every flip (instances reload the flags when it moves). */
  version(): Promise<number>;
  flags(): Promise<SsoFlag[]>;
  /** Applies a flip; undefined when `ifFlipId` no longer matches (someone flipped since). */
  flip(req: SsoFlipRequest): Promise<SsoFlip | undefined>;
  flips(connection?: string, limit?: number): Promise<SsoFlip[]>;
  /** Records which side issued a request id / state (`key` is already a digest). */
  track(key: string, connection: string, side: SsoSide, ttlMs: number): Promise<void>;
  tracked(key: string): Promise<{ connection: string; side: SsoSide } | undefined>;
  addCounts(deltas: readonly SsoCountDelta[]): Promise<void>;
  /** Counts per connection for the given flip of each connection. */
  counts(connection: string, flipId: string): Promise<SsoCounts>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function emptyCounts(): SsoCounts {
  const z = () => ({ response: 0, start: 0, completed: 0, failed: 0 });
  return { legacy: z(), target: z() };
}
