/**
 * Measures (and reports with t.diagnostic) what the verifier costs at sign-in and how fast the
 * target writes, on a temp SQLite file. Bounded: a few dozen sign-ins, 500 writes.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { betterAuth } from 'better-auth';
import { hashPassword } from '../../model/password/index.js';
import type { Target } from '../../protocol/target.js';
import { openTargetAndApp, person, signIn, tempDir, WITH_HASH } from '../../../test/helpers/better-auth.js';
import { openDatabase, type BetterAuthDatabase, type FlaglessAuth } from './app.js';
import { flaglessImport } from './verifier.js';

const N = 20;

async function rate(count: number, run: (i: number) => Promise<unknown>, concurrency = 1): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await run(next++);
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

describe('Better Auth sign-in and write throughput', () => {
  const tmp = tempDir();
  const dbPath = path.join(tmp.dir, 'bench.db');
  let target: Target;
  let app: FlaglessAuth;
  let closeApp: () => Promise<void>;

  before(async () => {
    ({ target, app, close: closeApp } = await openTargetAndApp(dbPath));
  });
  after(async () => {
    await closeApp();
    tmp.remove();
  });

  it('sign-ins per second: native scrypt vs bcrypt-imported (first sign-in re-hashes; sustained without re-hash)', async (t) => {
    const pw = 'throughput-password';
    const native = await target.createUser(person('user_native', 'native@example.com'), WITH_HASH);
    await target.setPassword(native, pw);
    const bcrypt = await hashPassword('bcrypt', pw);
    for (let i = 0; i < N; i++) await target.createUser(person(`user_bc_${i}`, `bc${i}@example.com`, { password: bcrypt }), WITH_HASH);
    await target.createUser(person('user_bc_sustained', 'bc.sustained@example.com', { password: bcrypt }), WITH_HASH);

    // An application that keeps imported hashes (no re-hash): the steady-state cost of bcrypt.
    const keepDb: BetterAuthDatabase = openDatabase(dbPath);
    const keep = betterAuth({
      database: keepDb.handle,
      secret: 'application-secret-0123456789-abcdefghijklmnop',
      baseURL: 'http://127.0.0.1:3000',
      emailAndPassword: { enabled: true },
      plugins: [flaglessImport({ rehash: false })],
      telemetry: { enabled: false },
      logger: { level: 'error' },
    });
    try {
      const must = async (auth: Parameters<typeof signIn>[0], email: string) => assert.ok((await signIn(auth, email, pw)).ok, email);
      await must(app, 'native@example.com'); // warm-up
      const nativeSeq = await rate(N, () => must(app, 'native@example.com'));
      const nativeConc = await rate(N, () => must(app, 'native@example.com'), 10);
      const bcryptFirst = await rate(N, (i) => must(app, `bc${i}@example.com`));
      const bcryptKept = await rate(N, () => must(keep, 'bc.sustained@example.com'));
      const bcryptKeptConc = await rate(N, () => must(keep, 'bc.sustained@example.com'), 10);
      t.diagnostic(`native scrypt: ${nativeSeq.toFixed(1)}/s sequential, ${nativeConc.toFixed(1)}/s with 10 concurrent`);
      t.diagnostic(`bcrypt-imported first sign-in (verify + re-verify + scrypt re-hash): ${bcryptFirst.toFixed(1)}/s sequential`);
      t.diagnostic(`bcrypt-imported kept (cost 10, no re-hash): ${bcryptKept.toFixed(1)}/s sequential, ${bcryptKeptConc.toFixed(1)}/s with 10 concurrent`);
      for (const r of [nativeSeq, nativeConc, bcryptFirst, bcryptKept, bcryptKeptConc]) assert.ok(r > 0.5, `sign-in rate ${r}/s is implausibly low`);
    } finally {
      await keepDb.close();
    }
  });

  it('writes per second: users with a bcrypt hash, a social account and a membership', async (t) => {
    const hash = await hashPassword('bcrypt', 'write-rate');
    const org = await target.createOrganization({ sourceId: 'org_bench', name: 'Bench', metadata: {} });
    const count = 500;
    const usersPerSecond = await rate(count, async (i) => {
      const user = person(`user_w_${i}`, `w${i}@example.com`, {
        password: hash,
        identities: [{ provider: 'google', providerUserId: `w-${i}`, kind: 'social' }],
      });
      const ref = await target.createUser(user, WITH_HASH);
      await target.ensureMembership(ref, org, ['member']);
    }, 4);
    t.diagnostic(`createUser + ensureMembership: ${usersPerSecond.toFixed(0)} users/s (4 concurrent, SQLite WAL)`);
    let listed = 0;
    for await (const u of target.listUsers()) if (u.id.startsWith('user_w_')) listed++;
    assert.equal(listed, count);
  });
});
