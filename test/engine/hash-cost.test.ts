/**
 * Cost bombs in an export (issue #13): `$2b$31$`, argon2 t=4000000000, PBKDF2 with 2³¹−1
 * iterations, argon2 m=1 GiB. assess names each with its file and line (E_HASH_COST), migrate
 * moves those users without a password (reset) instead of importing the hash, and
 * `verify --logins` answers for them at once instead of hanging in the target's verifier.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/model/password/index.js';
import type { AssessReport } from '../../src/engine/assess/assess.js';
import type { VerifyReport } from '../../src/engine/verify.js';
import { flagless } from '../helpers/cli.js';
import { tempDir } from './fixtures.js';

const HEADER = 'id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher';

describe('hash cost ceilings, end to end (assess, migrate, verify --logins)', { timeout: 300_000 }, () => {
  const { dir, cleanup } = tempDir();
  const csv = join(dir, 'users.csv');
  const logins = join(dir, 'logins.csv');
  const db = join(dir, 'app.db');
  const state = join(dir, 'state.db');
  const BOMBS = ['user_b31', 'user_a2t', 'user_pbkdf2', 'user_a2m'];

  before(async () => {
    // Real hashes of each password with the cost field raised: verifying any of them would take years.
    const bcrypt = (await hashPassword('bcrypt', 'bomb-pw-1', { cost: 4 })).phc.reveal().replace('$04$', '$31$');
    const argon = (await hashPassword('argon2id', 'bomb-pw-2', { m: 1024, t: 1 })).phc.reveal();
    const argonTime = argon.replace('t=1', 't=4000000000');
    const argonGiB = argon.replace('m=1024', 'm=1048576');
    const salt = Buffer.alloc(16, 3).toString('base64');
    const key = Buffer.alloc(32, 5).toString('base64');
    const row = (id: string, email: string, digest: string, hasher: string) => `${id},,,,${email},,${email},,,,,"${digest}",${hasher}`;
    writeFileSync(
      csv,
      [
        HEADER,
        row('user_ok', 'ok@example.com', (await hashPassword('bcrypt', 'ok-password-1', { cost: 4 })).phc.reveal(), 'bcrypt'),
        row('user_b31', 'b31@example.com', bcrypt, 'bcrypt'),
        row('user_a2t', 'a2t@example.com', argonTime, 'argon2id'),
        row('user_pbkdf2', 'pbkdf2@example.com', `pbkdf2_sha256$2147483647$${salt}$${key}`, 'pbkdf2_sha256'),
        row('user_a2m', 'a2m@example.com', argonGiB, 'argon2id'),
      ].join('\n') + '\n',
    );
    writeFileSync(
      logins,
      ['identifier,password', 'ok@example.com,ok-password-1', 'b31@example.com,bomb-pw-1', 'a2t@example.com,bomb-pw-2', 'pbkdf2@example.com,bomb-pw-3', 'a2m@example.com,bomb-pw-2'].join('\n') + '\n',
    );
  });
  after(() => cleanup());

  it('assess reports each cost bomb as E_HASH_COST with its file and line, and reads the rest', () => {
    const r = flagless(['assess', '--from', 'clerk', '--file', csv, '--json'], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as AssessReport;
    assert.equal(report.users, 5);
    const costly = report.problems.filter((p) => p.code === 'E_HASH_COST');
    assert.deepEqual(
      costly.map((p) => [p.sourceId, p.line, p.file]),
      BOMBS.map((id, i) => [id, i + 3, csv]),
    );
    assert.match(costly[0]!.message, /bcrypt cost 31 is above the ceiling 14/);
    // A raised ceiling lets the bcrypt one through (and is refused when malformed).
    const raised = JSON.parse(flagless(['assess', '--from', 'clerk', '--file', csv, '--json', '--max-hash-cost', 'bcrypt=31'], { timeoutMs: 60_000 }).stdout) as AssessReport;
    assert.equal(raised.problemsByCode.E_HASH_COST, 3);
    const bad = flagless(['assess', '--from', 'clerk', '--file', csv, '--max-hash-cost', 'bcrypt=lots']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-hash-cost/);
  });

  it('migrate moves those users without a password (reset); verify --logins answers at once', () => {
    const m = flagless(['migrate', '--from', 'clerk', '--file', csv, '--to', 'better-auth', '--db', db, '--state', state, '--json'], { timeoutMs: 120_000 });
    assert.equal(m.code, 0, m.stderr);
    const started = Date.now();
    const v = flagless(['verify', '--from', 'clerk', '--file', csv, '--to', 'better-auth', '--db', db, '--logins', logins, '--json'], { timeoutMs: 120_000 });
    const tookMs = Date.now() - started;
    assert.notEqual(v.code, null, 'verify --logins finished (it did not hang on a cost bomb)');
    const report = JSON.parse(v.stdout) as VerifyReport;
    assert.equal(report.logins?.succeeded, 1);
    assert.equal(report.logins?.failedCount, 0, JSON.stringify(report.logins?.failed));
    assert.equal(report.logins?.expectedFailures.length, 4);
    for (const f of report.logins!.expectedFailures) assert.match(f.reason, /reset/);
    assert.ok(tookMs < 60_000, `verify took ${tookMs} ms`);
  });
});
