import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkOS } from '@workos-inc/node';
import { startWorkosSimulator, type WorkosSimulator } from './server.js';

// The simulator's password reset, through the official SDK (@workos-inc/node 8.13): create, get,
// confirm; unknown and malformed addresses refused; a token works once; the outbox counts emails.
describe('WorkOS simulator: password reset', () => {
  let sim: WorkosSimulator;
  let sdk: WorkOS;
  before(async () => {
    sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0 });
    const u = new URL(sim.url);
    sdk = new WorkOS(sim.apiKey, { apiHostname: u.hostname, port: Number(u.port), https: false, clientId: sim.clientId });
  });
  after(() => sim.stop());

  it('creates a reset (mailed once), reads it back without the token, and sets the password through it once', async () => {
    const user = await sdk.userManagement.createUser({ email: 'Reset.Me@example.com', emailVerified: false });
    const reset = await sdk.userManagement.createPasswordReset({ email: 'reset.me@example.com' });
    assert.equal(reset.userId, user.id);
    assert.equal(reset.email, 'Reset.Me@example.com');
    assert.match(reset.passwordResetUrl, new RegExp(`token=${reset.passwordResetToken}$`));
    assert.ok(Date.parse(reset.expiresAt) - Date.parse(reset.createdAt) === 15 * 60_000);
    assert.deepEqual(sim.outbox().map((m) => [m.kind, m.to, m.userId, m.passwordResetId]), [['password_reset', 'Reset.Me@example.com', user.id, reset.id]]);
    assert.ok(!JSON.stringify(sim.outbox()).includes(reset.passwordResetToken), 'the outbox keeps no token');
    const got = await sdk.userManagement.getPasswordReset(reset.id);
    assert.equal(got.passwordResetToken, '');
    const done = await sdk.userManagement.resetPassword({ token: reset.passwordResetToken, newPassword: 'Brand-new-pw-1' });
    assert.equal(done.user.emailVerified, true, 'resetting verifies the email');
    const signed = await sdk.userManagement.authenticateWithPassword({ clientId: sim.clientId, email: 'reset.me@example.com', password: 'Brand-new-pw-1' });
    assert.equal(signed.user.id, user.id);
    await assert.rejects(sdk.userManagement.resetPassword({ token: reset.passwordResetToken, newPassword: 'Again-pw-2' }), (e: { status?: number }) => e.status === 404);
  });

  it('an unknown address is 404 entity_not_found; a malformed one or an extra field is 422; nothing is mailed', async () => {
    const before = sim.outbox().length;
    await assert.rejects(sdk.userManagement.createPasswordReset({ email: 'nobody@example.com' }), (e: { status?: number; name?: string }) => e.status === 404 && e.name === 'NotFoundException');
    await assert.rejects(sdk.userManagement.createPasswordReset({ email: 'not-an-address' }), (e: { status?: number }) => e.status === 422);
    const res = await fetch(`${sim.url}/user_management/password_reset`, { method: 'POST', headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'reset.me@example.com', password_reset_url: 'https://evil.example' }) });
    assert.equal(res.status, 422);
    assert.equal(sim.outbox().length, before);
  });
});
