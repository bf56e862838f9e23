import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { autoRollback as parseAutoRollback, checkFlip, parseSsoProxyConfig, type SsoAutoRollback, type SsoProxyConfig } from '../gateway/sso/config.js';
import { FlaglessError } from '../protocol/errors.js';
import { openSsoStore } from '../state/sso/open.js';
import { readSsoStatus, type SsoConnectionState } from '../state/sso/status.js';
import type { SsoFlip, SsoSide } from '../state/sso/types.js';

/**
 * The SSO cutover proxy's typed API: its configuration file, flipping a connection, and reading
 * every connection's state. `serve({ sso })` mounts the proxy itself (serve.ts).
 */
export type { SsoAutoRollback, SsoProxyConfig } from '../gateway/sso/config.js';
export type { SsoConnectionState } from '../state/sso/status.js';
export type { SsoFlip, SsoSide } from '../state/sso/types.js';

/** Checks a `--sso-config` document already in memory (see gateway/sso/config.ts for its shape). */
export function parseSsoConfigDocument(doc: unknown): SsoProxyConfig {
  return parseSsoProxyConfig(doc);
}

/**
 * Reads `--sso-config`: JSON whose `inventory` may be the inventory document itself or the path
 * of a file holding it (`flagless sso inventory --json > inventory.json`), relative to the config.
 */
export function loadSsoProxyConfig(path: string): SsoProxyConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read the SSO config ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc && typeof doc === 'object' && typeof (doc as { inventory?: unknown }).inventory === 'string') {
    const at = resolve(dirname(path), (doc as { inventory: string }).inventory);
    try {
      (doc as { inventory: unknown }).inventory = JSON.parse(readFileSync(at, 'utf8'));
    } catch (e) {
      throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read the SSO inventory ${at}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return parseSsoProxyConfig(doc);
}

/** `--auto-rollback <rate>[:<minSample>]`, e.g. `0.2` or `0.2:50`. */
export function parseAutoRollbackFlag(raw: string): SsoAutoRollback {
  const m = /^(\d*\.?\d+)(?::(\d+))?$/.exec(raw.trim());
  if (!m) throw new FlaglessError('E_USAGE', `--auto-rollback must be a failure rate above 0 and at most 1, optionally with a minimum sample (0.2 or 0.2:50); got "${raw}".`);
  return parseAutoRollback({ rate: Number(m[1]), ...(m[2] ? { minSample: Number(m[2]) } : {}) }, '--auto-rollback');
}

export interface SsoFlipOptions {
  /** Where the flags live (`--state`): every gateway instance reading it follows the flip. */
  state?: string;
  connection: string;
  to: SsoSide;
  /** Only this share of the connection's users (0-100) goes to `to`; the others stay on the other side. */
  percent?: number;
  /** Only users with these email domains go to `to` (with `percent`: that share of them). */
  domains?: string[];
  /** Recorded with the flip (default: $USER). */
  who?: string;
  env?: Record<string, string | undefined>;
}

/** Flips one connection; the flip is in the log (who, when, from, to) before this resolves. */
export async function flipSsoConnection(o: SsoFlipOptions): Promise<SsoFlip> {
  const checked = checkFlip(o);
  const env = o.env ?? process.env;
  const who = (o.who ?? env.USER ?? env.USERNAME ?? 'unknown').trim().slice(0, 200) || 'unknown';
  const store = await openSsoStore(o.state);
  try {
    const req = { ...checked, who, reason: 'manual' as const };
    // A flip that races another one on the same connection is written after it, once.
    for (let attempt = 0; attempt < 3; attempt++) {
      const flip = await store.flip(req);
      if (flip) return flip;
    }
    throw new FlaglessError('E_STATE', `${o.connection} is being flipped by someone else right now; run the flip again`);
  } finally {
    await store.close();
  }
}

export interface SsoStatusReport {
  state: string;
  connections: SsoConnectionState[];
  /** The last flips across every connection, newest first. */
  recentFlips: SsoFlip[];
}

/** Every flagged connection (and `config`'s, when given) with its side, rollout, last flip and counts since. */
export async function ssoStatus(o: { state?: string; config?: SsoProxyConfig; flips?: number } = {}): Promise<SsoStatusReport> {
  const store = await openSsoStore(o.state);
  try {
    const connections = await readSsoStatus(store, o.config?.connections.map((c) => c.name) ?? [], o.config?.defaultSide ?? 'legacy');
    return { state: store.location, connections, recentFlips: await store.flips(undefined, o.flips ?? 10) };
  } finally {
    await store.close();
  }
}
