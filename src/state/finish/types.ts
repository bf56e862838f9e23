import type { FinishAction, FinishState } from './schema.js';

/** Why a user still needs the target's password-reset message. */
export type ResetReason =
  /** Moved by `migrate` without a hash the target accepts, and never signed in through the gateway since. */
  | 'no-usable-hash'
  /** In the target with a password that is no longer the user's (the gateway's flag went back to legacy: a password changed at the legacy provider, a failed move). */
  | 'password-changed-at-legacy';

export interface ResetCandidate {
  sourceId: string;
  targetId: string;
  reason: ResetReason;
}

export interface FinishRow {
  sourceId: string;
  action: FinishAction;
  state: FinishState;
  reason: ResetReason;
  target: string;
  targetId?: string;
  email?: string;
  via?: string;
  errorCode?: string;
  detail?: string;
  attempts: number;
  sentAt?: string;
  updatedAt: string;
}

/** A user whose SMS second factor the target cannot carry (the plan's lossy note on `mfa.sms`). */
export interface SmsUser {
  sourceId: string;
  targetId?: string;
  /** The ledger's state for the user: moved (`done`), or not yet. */
  moved: boolean;
}

/**
 * What `flagless status` reads from the state: the ledger's users by where they are, the gateway's
 * flags and finish's resets. Undefined parts: the state holds no such tables (never written).
 */
export interface StateStatusCounts {
  ledger?: {
    /** Distinct users any run planned. */
    users: number;
    /** On the target (moved by a run, or by the gateway). */
    onTarget: number;
    notMoved: { quarantined: number; undecidedDuplicate: number; pending: number; noEmail: number; disabled: number; decidedOrAbsent: number };
    /** Moved without a usable hash and not completed through the gateway: needs a reset (or a sign-in). */
    noUsableHashUnsent: number;
    /** Their flag went back to legacy (password changed there, failed move) and no reset sent since. */
    staleUnsent: number;
    /** Users with an SMS factor the target does not carry. */
    smsUsers: number;
  };
  gateway: {
    /** Users whose move is in flight (a live or expired claim). */
    claimed: number;
    /** Users the gateway moved (any route but bulk). */
    moved: number;
    /** When a sign-in was last checked at the legacy provider (a JIT move, a completion, a pull by the target, a failed move). */
    lastLegacyLogin?: string;
  };
  resets?: { sent: number; unconfirmed: number; failed: number; planned: number; skipped: number };
}
