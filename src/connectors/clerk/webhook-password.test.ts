/**
 * Clerk's password signal: every UserJSON (webhook `user.created|updated`, GET /v1/users/{id}, the
 * user list) carries `password_last_updated_at` (epoch ms, null without a password), mapped to
 * the canonical user's `passwordChangedAt`; sync compares it with what it knows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InboundEvent } from '../../protocol/sync.js';
import { readClerkApi } from './read-api.js';
import { clerkRecords } from './records.js';
import { startClerkSimulator } from './sim/backend-api.js';
import { decodeClerkEvent } from './webhook.js';

const at = 1_765_000_000_123;
const event = (data: Record<string, unknown>): InboundEvent => ({
  id: 'msg_1',
  type: 'user.updated',
  subject: String(data.id),
  occurredAtMs: at,
  body: JSON.stringify({ type: 'user.updated', object: 'event', data, timestamp: at }),
});

describe('Clerk password_last_updated_at', () => {
  it('a user.updated carries it as the user state’s passwordChangedAt; null or absent is none', () => {
    const change = decodeClerkEvent(event({ id: 'user_1', email_addresses: [], password_enabled: true, password_last_updated_at: at, updated_at: at }));
    assert.equal(change.kind, 'user');
    assert.equal(change.kind === 'user' && change.user.passwordChangedAt, new Date(at).toISOString());
    for (const value of [null, undefined]) {
      const none = decodeClerkEvent(event({ id: 'user_2', email_addresses: [], password_enabled: false, password_last_updated_at: value, updated_at: at }));
      assert.equal(none.kind === 'user' && none.user.passwordChangedAt, undefined);
    }
  });

  it('the API reads (one user, the listing) carry it too', async () => {
    const sim = await startClerkSimulator(
      { users: [{ id: 'user_pw', email_addresses: [{ email_address: 'pw@example.com' }], password_enabled: true, password_last_updated_at: at }], passwords: { user_pw: 'a-password-1' } },
      { secretKey: 'sk_test_pw', webhookSecret: `whsec_${Buffer.from('flagless-pw-test-secret-24b!').toString('base64')}` },
    );
    try {
      const env = { CLERK_SECRET_KEY: 'sk_test_pw' };
      const records = await clerkRecords({ env, apiUrl: sim.url });
      assert.equal((await records.user('user_pw'))?.user.passwordChangedAt, new Date(at).toISOString());
      await sim.change.setPassword('user_pw', 'another-password-2');
      const changed = sim.user('user_pw')!;
      assert.equal(changed.password_last_updated_at, changed.updated_at, 'a password change stamps both');
      assert.equal(sim.outbox.length, 1, 'and sends user.updated');
      for await (const item of readClerkApi({ env, apiUrl: sim.url })) {
        if (item.type === 'user') assert.equal(item.user.passwordChangedAt, new Date(changed.password_last_updated_at as number).toISOString());
      }
    } finally {
      await sim.close();
    }
  });
});
