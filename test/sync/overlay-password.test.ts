import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBcrypt } from '../../src/model/password/bcrypt.js';
import { emptyUser, type CanonicalUser } from '../../src/model/user.js';
import { overlaySynced, withoutSecrets } from '../../src/engine/sync/snapshot.js';

const HASH = '$2b$10$' + 'a'.repeat(53);

function exported(updatedAt: string | undefined, passwordChangedAt?: string): CanonicalUser {
  const u = emptyUser('user_1');
  u.emails = [{ address: 'a@example.com', normalized: 'a@example.com', verified: true, primary: true }];
  u.password = parseBcrypt(HASH);
  u.passwordPlan = 'import';
  if (updatedAt) u.updatedAt = updatedAt;
  if (passwordChangedAt) u.passwordChangedAt = passwordChangedAt;
  return u;
}

function snapshot(passwordChangedAt: string | undefined, updatedAt = '2026-03-02T00:00:00.000Z'): CanonicalUser {
  const u = withoutSecrets(exported(updatedAt));
  u.firstName = 'Synced';
  if (passwordChangedAt) u.passwordChangedAt = passwordChangedAt;
  return u;
}

// A password changed at the source after the export was taken, seen by sync before `migrate` runs:
// the export's hash is the older password and must not be imported (the user moves at the next
// login through the gateway). Before the fix the export's hash was written whatever sync had seen.
test('migrate does not import an exported hash older than the password change sync saw', () => {
  const watermarkMs = Date.parse('2026-03-02T00:00:00.000Z');
  // Export taken on March 1st, password changed on March 2nd (sync saw it): no hash, jit.
  const stale = overlaySynced(exported('2026-03-01T00:00:00.000Z'), { snapshot: snapshot('2026-03-02T00:00:00.000Z'), watermarkMs });
  assert.equal(stale.password, undefined);
  assert.equal(stale.passwordPlan, 'jit');
  assert.equal(stale.firstName, 'Synced', 'the snapshot profile still wins');
  // The export's own password timestamp says its hash is the new password: kept.
  const fresh = overlaySynced(exported('2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z'), { snapshot: snapshot('2026-03-02T00:00:00.000Z'), watermarkMs });
  assert.equal(fresh.password?.algorithm, 'bcrypt');
  assert.equal(fresh.passwordPlan, 'import');
  // An export newer than everything sync applied, but older than the password change: no hash either.
  const newerProfile = overlaySynced(exported('2026-03-03T00:00:00.000Z'), { snapshot: snapshot('2026-03-04T00:00:00.000Z'), watermarkMs });
  assert.equal(newerProfile.password, undefined);
  assert.equal(newerProfile.passwordPlan, 'jit');
  // The export as new as the change (updated_at moves with the password): kept.
  const same = overlaySynced(exported('2026-03-02T00:00:00.000Z'), { snapshot: snapshot('2026-03-02T00:00:00.000Z'), watermarkMs });
  assert.equal(same.password?.algorithm, 'bcrypt');
  // Sync saw no password timestamp, or the export has no time at all and sync saw none: kept.
  assert.equal(overlaySynced(exported('2026-03-01T00:00:00.000Z'), { snapshot: snapshot(undefined), watermarkMs }).password?.algorithm, 'bcrypt');
  // No export time and a password change seen by sync: the hash's age is unknown, so it is not trusted.
  assert.equal(overlaySynced(exported(undefined), { snapshot: snapshot('2026-03-02T00:00:00.000Z'), watermarkMs }).password, undefined);
});
