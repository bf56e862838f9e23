/**
 * Exports that lie (issue #13, section 2): each bad row gets a problem with its file, line and
 * code, the rest of the file is still read, and nothing is made from the bad row.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AssessReport } from '../../src/engine/assess/assess.js';
import { flagless } from '../helpers/cli.js';
import { tempDir } from './fixtures.js';

const HEADER = 'id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher';
const row = (id: string, email: string, first = '') => `${id},${first},,,${email},,${email},,,,,,`;

function assess(args: string[]): { code: number | null; report: AssessReport; stderr: string } {
  const r = flagless(['assess', ...args, '--json'], { timeoutMs: 60_000 });
  return { code: r.code, report: (r.stdout.trim().startsWith('{"error"') ? {} : JSON.parse(r.stdout)) as AssessReport, stderr: r.stderr };
}

const at = (report: AssessReport, line: number) => report.problems.filter((p) => p.line === line);

describe('exports that lie', { timeout: 180_000 }, () => {
  const { dir, cleanup } = tempDir();
  after(() => cleanup());
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  it('CSV: NUL bytes, invalid UTF-8 and a repeated header row are refused on their line; the other rows are read', () => {
    const csv = file(
      'bytes.csv',
      Buffer.concat([
        Buffer.from(`${HEADER}\n${row('user_1', 'one@example.com')}\n`),
        Buffer.from(`${row('user_2', 'two\0@example.com')}\n`),
        Buffer.from('user_3,Ren'),
        Buffer.from([0xe9]), // Latin-1 é: not UTF-8
        Buffer.from(`,,,three@example.com,,three@example.com,,,,,,\n`),
        Buffer.from(`${HEADER}\n${row('user_4', 'four@example.com')}\n`),
      ]),
    );
    const { code, report } = assess(['--from', 'clerk', '--file', csv]);
    assert.equal(code, 1);
    assert.equal(report.users, 2, 'only user_1 and user_4 are read as users');
    assert.match(at(report, 3)[0]?.message ?? '', /NUL byte/);
    assert.match(at(report, 4)[0]?.message ?? '', /not valid UTF-8/);
    assert.match(at(report, 5)[0]?.message ?? '', /repeats the header row/);
    for (const line of [3, 4, 5]) {
      assert.equal(at(report, line)[0]?.code, 'E_SOURCE_PARSE');
      assert.equal(at(report, line)[0]?.file, csv);
    }
  });

  it('CSV: a column named twice is reported on the header; a row whose two cells differ is skipped, one whose cells agree is read', () => {
    const csv = file('dup.csv', `${HEADER},primary_email_address\n${row('user_1', 'one@example.com')},one@example.com\n${row('user_2', 'two@example.com')},other@example.com\n`);
    const { report } = assess(['--from', 'clerk', '--file', csv]);
    assert.equal(report.users, 1);
    assert.match(at(report, 1)[0]?.message ?? '', /names the column "primary_email_address" 2 times/);
    assert.match(at(report, 3)[0]?.message ?? '', /different values in its 2 "primary_email_address" columns/);
  });

  it('an address written as an IDN and as punycode is one duplicate group', () => {
    const csv = file('idn.csv', `${HEADER}\n${row('user_1', 'ada@bücher.example')}\n${row('user_2', 'ada@xn--bcher-kva.example')}\n`);
    const { report } = assess(['--from', 'clerk', '--file', csv]);
    assert.equal(report.duplicateEmailGroups, 1);
    assert.deepEqual(report.duplicateEmails[0]?.users.map((u) => u.sourceId), ['user_1', 'user_2']);
  });

  it('Firebase: a passwordHash that is not a string is named and the user is not read', () => {
    const json = file(
      'fb.json',
      JSON.stringify({ users: [{ localId: 'u1', email: 'x@example.com', passwordHash: 12345, salt: 'c2FsdA==' }, { localId: 'u2', email: 'y@example.com' }] }, null, 2),
    );
    const { report } = assess(['--from', 'firebase', '--file', json]);
    assert.equal(report.users, 1);
    const p = report.problems.find((x) => x.sourceId === 'u1');
    assert.equal(p?.code, 'E_SOURCE_FIELD');
    assert.match(p?.message ?? '', /passwordHash is a number, not a base64 string/);
    assert.ok(p?.line, 'with its line');
  });

  it('Auth0: metadata nested thousands of levels deep is refused on its line (no stack overflow); messages say what is wrong', () => {
    const deep = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
    const ndjson = file(
      'deep.ndjson',
      [`{"user_id":"auth0|1","email":"a@example.com","user_metadata":${deep}}`, '{"user_id":"auth0|2","email":"b@example.com"}', '{"user_id":3,"email":"c@example.com"}'].join('\n') + '\n',
    );
    const { code, report } = assess(['--from', 'auth0', '--file', ndjson]);
    assert.equal(code, 1);
    assert.equal(report.users, 1);
    assert.match(at(report, 1)[0]?.message ?? '', /more than 64 levels deep/);
    assert.match(at(report, 3)[0]?.message ?? '', /user_id is a number/);
  });

  it('Auth0: a pretty-printed JSON array given as NDJSON is one clear message, not one error per line', () => {
    const json = file('pretty.json', JSON.stringify([{ user_id: 'auth0|1', email: 'a@example.com' }, { user_id: 'auth0|2', email: 'b@example.com' }], null, 2));
    const r = flagless(['assess', '--from', 'auth0', '--file', json]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /this is a JSON array, not NDJSON/);
    assert.equal(r.stderr.match(/E_SOURCE_PARSE/g)?.length, 1);
  });
});
