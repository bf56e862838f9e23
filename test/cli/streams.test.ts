import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMMANDS } from '../../src/cli/commands.js';
import { flagless } from '../helpers/cli.js';

/**
 * Output streams and exit codes tools can trust (issue 14 §3): the result on stdout, progress and
 * logs on stderr, --json replacing the result with one document, the exit codes in every help.
 */
describe('CLI output streams and exit codes', () => {
  let dir: string;
  let csv: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flagless-streams-'));
    csv = join(dir, 'users.csv');
    assert.equal(flagless(['generate', 'clerk', '--users', '6', '--clean', '--out', csv, '--quiet']).code, 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('`flagless` with no command prints the help on stderr and exits 2', () => {
    const r = flagless([]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Usage: flagless <command>/);
    assert.match(r.stderr, /Exit codes: 0/);
  });

  it('every command\'s help states the four exit codes', () => {
    for (const c of COMMANDS.filter((x) => !x.hidden)) {
      const r = flagless([c.name, '--help']);
      assert.equal(r.code, 0, c.name);
      const help = r.stdout.replace(/\s+/g, ' ');
      for (const code of ['0 every record done or decided', '1 finished with records that need attention', '2 refused before writing anything', '3 fatal stop mid-run']) {
        assert.ok(help.includes(code), `${c.name} --help says "${code}"`);
      }
    }
    const readme = readFileSync('README.md', 'utf8');
    for (const code of ['`0`', '`1`', '`2`', '`3`']) assert.ok(readme.includes(`| ${code} |`), `README's exit-code table has ${code}`);
  });

  it('`assess ... > report.txt` gives the report; progress stays on stderr', () => {
    const r = flagless(['assess', '--from', 'clerk', '--file', csv]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Duplicate emails/);
    assert.doesNotMatch(r.stderr, /Duplicate emails/);
    const j = flagless(['assess', '--from', 'clerk', '--file', csv, '--json']);
    assert.equal(JSON.parse(j.stdout).users, 6, '--json: one document on stdout');
    assert.doesNotMatch(j.stderr, /Duplicate emails/);
  });

  it('the migrate plan and summary go to stdout', () => {
    const plan = flagless(['migrate', '--from', 'clerk', '--file', csv, '--to', 'better-auth', '--db', join(dir, 'a.db'), '--dry-run']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /plan for better-auth/);
    const run = flagless(['migrate', '--from', 'clerk', '--file', csv, '--to', 'better-auth', '--db', join(dir, 'a.db'), '--state', join(dir, 's.db')]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /users/);
    assert.equal(run.stdout.trim().startsWith('{'), false);
  });

  it('with --json an error still reaches stderr, and stdout has the error document', () => {
    const r = flagless(['assess', '--from', 'clerk', '--file', join(dir, 'missing.csv'), '--json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /E_INPUT_UNREADABLE/);
    assert.equal(JSON.parse(r.stdout).error.code, 'E_INPUT_UNREADABLE');
  });

  it('says "1 group" and "an Auth0 export"', () => {
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    const [header, first] = [lines[0]!, lines[1]!];
    const twin = first.replace(/^user_[A-Za-z0-9]+/, 'user_twin0000000000000000000001').replace(/([a-z.0-9]+@[a-z.]+)/i, (m) => m.toUpperCase());
    const dup = join(dir, 'dup.csv');
    writeFileSync(dup, [header, ...lines.slice(1), twin].join('\n') + '\n');
    const r = flagless(['assess', '--from', 'clerk', '--file', dup]);
    assert.match(r.stdout, /Duplicate emails\s+1 group, 2 users/);
    const ndjson = join(dir, 'users.ndjson');
    assert.equal(flagless(['generate', 'auth0', '--users', '3', '--clean', '--out', ndjson, '--quiet']).code, 0);
    const wrong = flagless(['assess', '--from', 'clerk', '--file', ndjson]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /looks like an Auth0 export, not a Clerk one/);
  });
});
