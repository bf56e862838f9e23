import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { markdownReference } from '../../src/cli/help.js';
import { flagless } from '../helpers/cli.js';

describe('flagless CLI', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flagless-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints help generated from the command table', () => {
    const r = flagless(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /assess/);
    assert.match(r.stdout, /generate/);
    const a = flagless(['assess', '--help']);
    assert.equal(a.code, 0);
    assert.match(a.stdout, /--from <vendor>/);
    assert.match(a.stdout, /--json/);
  });

  it('exits 2 with a clear message on bad usage, without a stack trace', () => {
    for (const args of [['nope'], ['assess'], ['assess', '--from', 'okta', '--file', 'x'], ['assess', '--from', 'clerk', '--bogus'], ['generate', 'clerk', '--users', 'ten', '--out', join(dir, 'x.csv')]]) {
      const r = flagless(args);
      assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, /E_USAGE/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('exits 2 on an unreadable or empty file, naming it', () => {
    const missing = flagless(['assess', '--from', 'clerk', '--file', join(dir, 'missing.csv')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /E_INPUT_UNREADABLE/);
    assert.match(missing.stderr, /missing\.csv/);
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    const r = flagless(['assess', '--from', 'clerk', '--file', empty, '--json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /E_INPUT_EMPTY/);
    assert.equal(JSON.parse(r.stdout).error.code, 'E_INPUT_EMPTY');
  });

  it('refuses a pipe for --file and --passwords with a way out, before waiting on it', () => {
    // Nobody writes to the pipe: opening it to read would hang, so the refusal must come first.
    const pipe = join(dir, 'users.pipe');
    execFileSync('mkfifo', [pipe]);
    const users = join(dir, 'users.ndjson');
    writeFileSync(users, `${JSON.stringify({ user_id: 'auth0|1', email: 'a@example.com', identities: [{ provider: 'auth0', user_id: '1' }] })}\n`);
    for (const args of [
      ['--file', pipe],
      ['--file', users, '--passwords', pipe],
    ]) {
      const r = flagless(['assess', '--from', 'auth0', ...args, '--json']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(JSON.parse(r.stdout).error.code, 'E_INPUT_UNREADABLE');
      assert.match(r.stderr, /users\.pipe: it is a pipe or a device, not a file.*Save it to a file first/);
      assert.doesNotMatch(r.stderr, /ESPIPE|E_INTERNAL|\n\s+at /);
    }
  });

  it('names the right vendor when a file is passed to the wrong --from', () => {
    const out = join(dir, 'auth0.ndjson');
    assert.equal(flagless(['generate', 'auth0', '--users', '20', '--out', out, '--quiet']).code, 0);
    const r = flagless(['assess', '--from', 'clerk', '--file', out]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /E_WRONG_VENDOR/);
    assert.match(r.stderr, /--from auth0/);
  });

  it('generate then assess: JSON on stdout (replacing the human report), no secrets anywhere', () => {
    const out = join(dir, 'clerk.csv');
    const gen = flagless(['generate', 'clerk', '--users', '400', '--out', out, '--plaintexts', join(dir, 'logins.csv'), '--json']);
    assert.equal(gen.code, 0, gen.stderr);
    const genJson = JSON.parse(gen.stdout);
    const dump = genJson.files.find((f: { role: string }) => f.role === 'api-dump');
    const args = ['assess', '--from', 'clerk', '--file', out, '--json', '--html', join(dir, 'report.html')];
    if (dump) args.push('--api-dump', dump.path);
    const r = flagless(args);
    assert.equal(r.code, 1, 'traps make problems → exit 1');
    const report = JSON.parse(r.stdout);
    for (const key of ['users', 'withPassword', 'hashAlgorithms', 'mfa', 'socialOnly', 'disabled', 'withoutEmail', 'duplicateEmailGroups', 'organizations', 'memberships', 'passwordsWithoutUser', 'problems', 'targets']) {
      assert.ok(key in report, `report has ${key}`);
    }
    assert.equal(report.users, 400);
    assert.ok(report.duplicateEmailGroups >= 1);
    assert.ok(report.hashAlgorithms.bcrypt > 0);
    assert.ok(report.targets.length >= 3);
    for (const p of report.problems) {
      assert.ok(p.code && p.message);
    }
    // --json replaces the human result: the report is not printed anywhere else (issue 14 §3).
    assert.doesNotMatch(r.stdout + r.stderr, /What survives the move/);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.match(html, /<html/);
    assert.doesNotMatch(html, /<script|https?:\/\//, 'self-contained');
    // No hash or TOTP secret from the export reaches any output.
    const csv = readFileSync(out, 'utf8');
    const secrets = [...csv.matchAll(/\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}|\$argon2[^,\s"]+/g)].map((m) => m[0]);
    assert.ok(secrets.length > 0);
    for (const s of secrets) {
      assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s) && !html.includes(s), 'a hash leaked into assess output');
    }
  });

  it('the README command reference matches the command table', () => {
    const readme = readFileSync('README.md', 'utf8');
    const start = readme.indexOf('<!-- commands:start -->');
    const end = readme.indexOf('<!-- commands:end -->');
    assert.ok(start > 0 && end > start, 'README has the generated command reference block');
    assert.equal(readme.slice(start + '<!-- commands:start -->'.length, end).trim(), markdownReference().trim(), 'run `node scripts/readme-commands.js` to regenerate');
  });
});
