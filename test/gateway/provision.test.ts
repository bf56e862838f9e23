/**
 * The create-once rules of a JIT move against a target that keeps no external id (a small
 * in-memory fake: unique emails, ids of its own), where "is this account ours?" can only be
 * answered by the migration's own history.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeEmail } from '../../src/model/email.js';
import { emptyUser, type CanonicalUser } from '../../src/model/user.js';
import { FlaglessError } from '../../src/protocol/errors.js';
import type { Target, TargetUserRef } from '../../src/protocol/target.js';
import { betterAuthCapabilities } from '../../src/connectors/better-auth/capabilities.js';
import { Provisioner } from '../../src/gateway/provision.js';

class NoExternalIdTarget {
  readonly users = new Map<string, { id: string; email: string; password?: string }>();
  creates = 0;
  readonly capabilities = { ...betterAuthCapabilities, organizations: false };
  readonly stats = { writes: 0, reads: 0 };
  async findUser(key: { externalId: string; email?: string }): Promise<TargetUserRef | undefined> {
    const u = [...this.users.values()].find((x) => key.email && x.email === normalizeEmail(key.email));
    return u ? { id: u.id, email: u.email } : undefined;
  }
  async createUser(user: CanonicalUser): Promise<TargetUserRef> {
    const email = normalizeEmail(user.emails[0]!.address);
    if ([...this.users.values()].some((x) => x.email === email)) throw new FlaglessError('E_TARGET_CONFLICT', 'email taken', { errorClass: 'skippable' });
    this.creates++;
    const id = `t${this.users.size + 1}`;
    this.users.set(id, { id, email });
    return { id, email };
  }
  async setPassword(ref: TargetUserRef, plaintext: string): Promise<void> {
    this.users.get(ref.id)!.password = plaintext;
  }
}

function person(id: string, email: string): CanonicalUser {
  const u = emptyUser(id);
  u.emails = [{ address: email, normalized: normalizeEmail(email), verified: true, primary: true }];
  return u;
}

describe('JIT provisioning, create once', () => {
  it('a first attempt never takes over an existing account without our id: it is a conflict', async () => {
    const fake = new NoExternalIdTarget();
    await fake.createUser(person('signup', 'ada@example.com'));
    const p = new Provisioner(fake as unknown as Target);
    await assert.rejects(p.provision(person('src_ada', 'ada@example.com'), 'pw'), (e: unknown) => e instanceof FlaglessError && e.code === 'E_TARGET_CONFLICT');
    assert.equal(fake.users.get('t1')!.password, undefined, 'the existing account is untouched');
  });

  it('a retry after an attempt that may have written takes the account as ours and completes it', async () => {
    const fake = new NoExternalIdTarget();
    const p = new Provisioner(fake as unknown as Target);
    // First attempt: created, then the password write was lost (a crash, a timeout).
    await fake.createUser(person('src_bob', 'bob@example.com'));
    const r = await p.provision(person('src_bob', 'bob@example.com'), 'Bob-pw', { mayBeOurs: true });
    assert.equal(r!.route, 'completed');
    assert.equal(fake.creates, 1, 'not created twice');
    assert.equal(fake.users.get(r!.ref.id)!.password, 'Bob-pw');
  });

  it('a fresh user is created once and gets the typed password', async () => {
    const fake = new NoExternalIdTarget();
    const r = await new Provisioner(fake as unknown as Target).provision(person('src_cy', 'cy@example.com'), 'Cy-pw');
    assert.equal(r!.route, 'jit');
    assert.equal(fake.creates, 1);
    assert.equal(fake.users.get(r!.ref.id)!.password, 'Cy-pw');
  });
});
