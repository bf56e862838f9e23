import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from '@node-rs/bcrypt';
import { normalizeEmail } from '../../src/model/email.js';
import { secret } from '../../src/model/secret.js';
import { emptyUser, type CanonicalUser, type Organization } from '../../src/model/user.js';
import type { Source, SourceItem } from '../../src/protocol/source.js';

/**
 * Deterministic in-memory exports for engine tests: users with real bcrypt hashes of known
 * plaintexts (a pool of a few hashes at cost 4, reused), organizations and memberships with roles,
 * plus the traps the engine must handle (a non-importable hash, a disabled user, TOTP, social links).
 */
export interface Fixture {
  users: CanonicalUser[];
  organizations: Organization[];
  /** email → plaintext, for users whose hash the fake target accepts. */
  passwords: Map<string, string>;
}

const POOL_SIZE = 4;
let pool: { plaintext: string; hash: string }[] | undefined;

function hashPool(): { plaintext: string; hash: string }[] {
  pool ??= Array.from({ length: POOL_SIZE }, (_, i) => {
    const plaintext = `correct horse ${i}`;
    // A fixed salt: every process builds the same export (a crash test's child and its re-run).
    return { plaintext, hash: bcrypt.hashSync(plaintext, 4, Buffer.alloc(16, i + 1)) };
  });
  return pool;
}

export interface FixtureOptions {
  users: number;
  organizations?: number;
  /** Every n-th user (from 3) gets an md5 hash the fake target does not accept. */
  md5Every?: number;
  /** Every n-th user (from 5) is disabled. */
  disabledEvery?: number;
  idPrefix?: string;
}

export function makeFixture(opts: FixtureOptions): Fixture {
  const orgCount = opts.organizations ?? 3;
  const prefix = opts.idPrefix ?? 'user_';
  const organizations: Organization[] = Array.from({ length: orgCount }, (_, i) => ({
    sourceId: `org_${i}`,
    name: `Organization ${i}`,
    slug: `organization-${i}`,
    metadata: { tier: i % 2 ? 'pro' : 'free' },
  }));
  const passwords = new Map<string, string>();
  const users: CanonicalUser[] = [];
  const hashes = hashPool();
  for (let i = 0; i < opts.users; i++) {
    const u = emptyUser(`${prefix}${String(i).padStart(5, '0')}`);
    const address = `Person.${i}@Example.com`;
    u.emails = [{ address, normalized: normalizeEmail(address), verified: i % 4 !== 1, primary: true }];
    u.firstName = `First${i}`;
    u.lastName = `Last${i}`;
    u.metadata = { public: { plan: i % 2 ? 'pro' : 'free' }, private: { score: i } };
    if (opts.md5Every && i % opts.md5Every === 3) {
      u.password = { algorithm: 'md5', phc: secret(`$md5$${i.toString(16).padStart(32, '0')}`), params: {}, insecure: true };
      u.passwordPlan = 'import';
    } else {
      const h = hashes[i % hashes.length]!;
      u.password = { algorithm: 'bcrypt', phc: secret(h.hash), params: { cost: 4 }, insecure: false };
      u.passwordPlan = 'import';
      passwords.set(address, h.plaintext);
    }
    if (i % 6 === 2) u.mfa = [{ kind: 'totp', secret: secret('JBSWY3DPEHPK3PXP') }];
    if (i % 5 === 4) u.identities = [{ provider: 'google', providerUserId: `g-${i}`, kind: 'social' }];
    if (opts.disabledEvery && i % opts.disabledEvery === 5) u.disabled = true;
    if (orgCount > 0) {
      u.memberships = [{ organizationId: `org_${i % orgCount}`, roles: [i % 7 === 0 ? 'admin' : 'member'] }];
      if (i % 3 === 0 && orgCount > 1) u.memberships.push({ organizationId: `org_${(i + 1) % orgCount}`, roles: ['member'] });
    }
    users.push(u);
  }
  return { users, organizations, passwords };
}

/** An in-memory Source: organizations first, then users (the order file exports have varies; see interleaved). */
export function memorySource(f: Pick<Fixture, 'users' | 'organizations'>, opts: { interleave?: boolean; extra?: SourceItem[]; onYield?: (item: SourceItem) => void } = {}): Source & { reads: number } {
  const src = {
    vendor: 'clerk' as const,
    reads: 0,
    async *read(): AsyncIterable<SourceItem> {
      src.reads++;
      const items: SourceItem[] = opts.interleave
        ? [...f.users.slice(0, 2).map((user) => ({ type: 'user' as const, user })), ...f.organizations.map((organization) => ({ type: 'organization' as const, organization })), ...f.users.slice(2).map((user) => ({ type: 'user' as const, user }))]
        : [...f.organizations.map((organization) => ({ type: 'organization' as const, organization })), ...f.users.map((user) => ({ type: 'user' as const, user }))];
      for (const item of [...items, ...(opts.extra ?? [])]) {
        opts.onYield?.(item);
        yield item;
      }
    },
  };
  return src;
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'flagless-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const PG_URL = process.env.FLAGLESS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export function pgStateUrl(schema: string): string {
  return `${PG_URL}?schema=${schema}`;
}

export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
}
