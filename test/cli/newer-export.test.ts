import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MigrateSummary } from '../../src/engine/summary.js';
import Database from 'better-sqlite3';
import { flagless } from '../helpers/cli.js';

/**
 * Issue 14 §2: teams export again near the end of the transition. Two generated Clerk exports of
 * the same source: the second adds users, changes some, drops some and repairs the duplicate the
 * first run quarantined. Migrating it with the same ledger continues the same run.
 */
describe('a newer export continues the same migration', () => {
  let dir: string;
  let header: string;
  let rows: string[];
  let added: string[];
  const id = (row: string) => row.slice(0, row.indexOf(','));
  const write = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, [header, ...lines].join('\n') + '\n');
    return path;
  };
  const migrate = (file: string, state: string, db: string, ...extra: string[]) => {
    const r = flagless(['migrate', '--from', 'clerk', '--file', file, '--to', 'better-auth', '--db', join(dir, db), '--state', join(dir, state), '--json', ...extra]);
    return { code: r.code, summary: JSON.parse(r.stdout) as MigrateSummary, stderr: r.stderr };
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flagless-newer-'));
    assert.equal(flagless(['generate', 'clerk', '--users', '60', '--clean', '--out', join(dir, 'base.csv'), '--quiet']).code, 0);
    assert.equal(flagless(['generate', 'clerk', '--users', '8', '--clean', '--seed', '77', '--out', join(dir, 'more.csv'), '--quiet']).code, 0);
    const base = readFileSync(join(dir, 'base.csv'), 'utf8').trimEnd().split('\n');
    header = base[0]!;
    rows = base.slice(1);
    added = readFileSync(join(dir, 'more.csv'), 'utf8').trimEnd().split('\n').slice(1);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A twin of row 10: another id with the same address in capitals (the duplicate the first run quarantines). */
  const twin = () => rows[10]!.replace(id(rows[10]!), 'user_twin00000000000000000001').replace(/[^,]+@[^,]+/g, (m) => m.toUpperCase());

  it('adds, changes, drops and repairs: --retry-failed moves all of it in one invocation; the dropped users are reported, never deleted', () => {
    const first = write('export-1.csv', [...rows, twin()]);
    const r1 = migrate(first, 'state.db', 'auth.db');
    assert.equal(r1.code, 1, 'the duplicate is quarantined');
    assert.equal(r1.summary.users.quarantined, 1);
    assert.equal(r1.summary.users.created, 60);

    const dropped = rows.slice(20, 25).map(id);
    const changed = rows.slice(30, 33).map(id);
    const second = write('export-2.csv', [
      ...rows.filter((r) => !dropped.includes(id(r))).map((r) => (changed.includes(id(r)) ? r.replace(/^([^,]+),([^,]*),/, '$1,Renamed,') : r)),
      ...added,
      twin().replace(/[^,]+@[^,]+/g, 'twin.repaired@example.org'),
    ]);
    const r2 = migrate(second, 'state.db', 'auth.db', '--retry-failed');
    assert.equal(r2.code, 0, r2.stderr);
    const s = r2.summary;
    assert.equal(s.complete, true, JSON.stringify(s.quarantine));
    assert.equal(s.users.quarantined, 0);
    assert.equal(s.users.pending, 0);
    assert.equal(s.processed.user, added.length + 1 + changed.length, 'new users, the repaired one and the changed ones');
    assert.equal(s.users.created, 60 - changed.length + added.length + 1, 'an updated user counts as updated now');
    assert.equal(s.users.updated, changed.length);
    assert.equal(s.missingFromExport?.users, dropped.length);
    assert.equal(s.missingFromExport?.inTarget, dropped.length, 'moved earlier, kept in the target');
    assert.deepEqual(s.missingFromExport?.sample.map((x) => x.sourceId).sort(), [...dropped].sort());

    const db = new Database(join(dir, 'auth.db'), { readonly: true });
    try {
      assert.equal((db.prepare('SELECT count(*) AS n FROM user').get() as { n: number }).n, 60 + added.length + 1, 'nothing deleted at the target');
    } finally {
      db.close();
    }
    const again = migrate(second, 'state.db', 'auth.db');
    assert.equal(again.code, 0);
    assert.equal(again.summary.writes, 0, 'the same export again sends nothing');
  });

  it('removing the duplicate rows from the export settles their quarantine instead of leaving it open', () => {
    const first = write('dup-1.csv', [...rows, twin()]);
    assert.equal(migrate(first, 'state-b.db', 'auth-b.db').summary.users.quarantined, 1);
    const fixed = write('dup-2.csv', [...rows, ...added]);
    const r = migrate(fixed, 'state-b.db', 'auth-b.db', '--retry-failed');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.summary.users.created, 60 + added.length, 'the new users moved in the same invocation');
    assert.equal(r.summary.users.pending, 0);
    assert.equal(r.summary.users.quarantined, 0);
    assert.equal(r.summary.missingFromExport?.settled, 1);
    assert.equal(r.summary.complete, true);
  });
});
