import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { FlaglessError } from '../../protocol/errors.js';
import { classifyDbError } from './db-errors.js';
import { tempDir } from '../../../test/helpers/better-auth.js';
import { target } from './index.js';

function sqliteError(sql: string): unknown {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL)');
  db.exec("INSERT INTO t VALUES ('1', 'a@example.com')");
  try {
    db.exec(sql);
  } catch (e) {
    return e;
  } finally {
    db.close();
  }
  throw new Error('expected a SQLite error');
}

describe('Better Auth database errors', () => {
  it('sorts real SQLite errors without quoting row values', () => {
    const dup = classifyDbError(sqliteError("INSERT INTO t VALUES ('2', 'a@example.com')"), 'creating user 2');
    assert.equal(dup.code, 'E_TARGET_CONFLICT');
    assert.equal(dup.errorClass, 'skippable');
    assert.match(dup.message, /t\.email/);
    const pk = classifyDbError(sqliteError("INSERT INTO t VALUES ('1', '$2b$10$secretsecret')"), 'creating user 1');
    assert.equal(pk.code, 'E_TARGET_CONFLICT');
    assert.ok(!pk.message.includes('$2b$'));
    const notNull = classifyDbError(sqliteError("INSERT INTO t VALUES ('3', NULL)"), 'creating user 3');
    assert.equal(notNull.code, 'E_TARGET_VALIDATION');
  });

  it('sorts PostgreSQL SQLSTATEs and socket errors into conflict, validation, retriable and fatal', () => {
    const pg = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`pg says: value "$argon2id$secret"`), { code, ...extra });
    const cases: [unknown, string, string][] = [
      [pg('23505', { constraint: 'user_email_key' }), 'E_TARGET_CONFLICT', 'skippable'],
      [pg('22P02'), 'E_TARGET_VALIDATION', 'skippable'],
      [pg('28P01'), 'E_TARGET_AUTH', 'fatal'],
      [pg('40001'), 'E_TARGET_UNAVAILABLE', 'retriable'],
      [pg('57P01'), 'E_TARGET_UNAVAILABLE', 'retriable'],
      [pg('42P01'), 'E_TARGET_UNAVAILABLE', 'fatal'],
      [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'E_TARGET_UNAVAILABLE', 'retriable'],
      [new TypeError('x is undefined'), 'E_INTERNAL', 'fatal'],
    ];
    for (const [error, code, errorClass] of cases) {
      const f = classifyDbError(error, 'writing');
      assert.deepEqual([f.code, f.errorClass], [code, errorClass], String((error as Error).message));
      assert.ok(!f.message.includes('$argon2id$'), 'driver message not quoted');
    }
    assert.equal(classifyDbError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'opening', 'open').errorClass, 'fatal');
  });

  it('open() without --db is a usage error; an unreachable database is fatal', async () => {
    await assert.rejects(target.open({ env: {} }), (e: unknown) => e instanceof FlaglessError && e.code === 'E_USAGE');
    await assert.rejects(
      target.open({ env: {}, db: 'postgres://postgres@127.0.0.1:1/none' }),
      (e: unknown) => e instanceof FlaglessError && e.code === 'E_TARGET_UNAVAILABLE' && e.errorClass === 'fatal',
    );
    const tmp = tempDir();
    try {
      const notADir = path.join(tmp.dir, 'a-file');
      fs.writeFileSync(notADir, '');
      await assert.rejects(
        target.open({ env: {}, db: path.join(notADir, 'ba.db') }),
        (e: unknown) => e instanceof FlaglessError && e.code === 'E_TARGET_UNAVAILABLE' && e.errorClass === 'fatal' && /cannot create or open the SQLite file/.test(e.message),
      );
    } finally {
      tmp.remove();
    }
  });
});
