/**
 * Shared parts of the sync tests: a Clerk simulator that signs its webhooks with svix, users made
 * by hand, and a wait for the inbox to drain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'svix';
import { startClerkSimulator, type ClerkSimulator } from '../../src/connectors/clerk/sim/backend-api.js';
import type { ClerkUserJson } from '../../src/connectors/clerk/types.js';
import type { SyncStats, SyncStore } from '../../src/state/sync/store.js';

export const SECRET_KEY = 'sk_test_sync';
/** A Svix signing secret: `whsec_` + base64 of 24 random-looking bytes (fixed for the tests). */
export const WEBHOOK_SECRET = `whsec_${Buffer.from('flagless-sync-test-secret-24b').toString('base64')}`;

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'flagless-sync-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function clerkUser(n: number, extra: Partial<ClerkUserJson> = {}): ClerkUserJson {
  const id = `user_sync${String(n).padStart(4, '0')}`;
  return {
    id,
    first_name: `First${n}`,
    last_name: `Last${n}`,
    primary_email_address_id: `idn_${id}_e0`,
    email_addresses: [{ id: `idn_${id}_e0`, email_address: `person${n}@example.com`, verification: { status: 'verified', strategy: 'email_code' } }],
    password_enabled: true,
    public_metadata: { plan: 'free' },
    private_metadata: {},
    created_at: 1_700_000_000_000 + n,
    updated_at: 1_700_000_000_000 + n,
    ...extra,
  };
}

export async function clerkSim(users: ClerkUserJson[], orgs: { id: string; name: string; slug?: string }[] = []): Promise<ClerkSimulator> {
  return startClerkSimulator({ users, organizations: orgs }, { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
}

/** The environment sync reads (secret key for the API, signing secret for the webhooks). */
export function clerkEnv(): Record<string, string> {
  return { CLERK_SECRET_KEY: SECRET_KEY, CLERK_WEBHOOK_SECRET: WEBHOOK_SECRET };
}

/** Waits until nothing is pending in the inbox (or the timeout). */
export async function drained(store: Pick<SyncStore, 'stats'>, timeoutMs = 30_000): Promise<SyncStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await store.stats();
    if (s.pending === 0) return s;
    if (Date.now() > deadline) throw new Error(`the inbox did not drain: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A delivery signed by svix with another secret: its signature cannot verify. */
export function forged(body: string, id = 'msg_forged'): Record<string, string> {
  const wh = new Webhook(`whsec_${Buffer.from('another-secret-entirely-24b').toString('base64')}`);
  const at = new Date();
  return { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': wh.sign(id, at, body), 'content-type': 'application/json' };
}
