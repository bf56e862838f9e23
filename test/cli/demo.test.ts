import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

/**
 * `flagless demo` as a new user runs it: in a fresh clone of the committed tree (nothing from this
 * work tree but the installed node_modules, which `npm ci` would give from the same lockfile),
 * built by the same `prepare` step `npm ci` runs, then run twice in a row.
 */
describe('flagless demo from a clean checkout', { timeout: 600_000 }, () => {
  let dir: string;
  let clone: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flagless-demo-'));
    clone = join(dir, 'flagless');
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', process.cwd(), clone]);
    symlinkSync(join(process.cwd(), 'node_modules'), join(clone, 'node_modules'), 'dir');
    execFileSync(process.execPath, [join(clone, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: clone, stdio: 'pipe' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const run of ['first', 'second']) {
    it(`runs end to end (${run} run) and reports what moved, what is lossy, sign-ins and time`, () => {
      const started = Date.now();
      const r = spawnSync(process.execPath, ['bin/flagless.js', 'demo', '--json'], { cwd: clone, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, r.stderr);
      const seconds = (Date.now() - started) / 1000;
      const out = JSON.parse(r.stdout);
      assert.ok(existsSync(join(clone, 'flagless-demo', 'better-auth.db')));
      assert.ok(existsSync(join(clone, 'flagless-demo', 'assess.html')));
      assert.equal(out.generated.users, 300);
      assert.ok(out.assess.hashAlgorithms.bcrypt > 0 && out.assess.hashAlgorithms.argon2id > 0, 'bcrypt and argon2 hashes');
      assert.ok(out.assess.mfa.totp > 0 && out.assess.socialOnly > 0 && out.assess.organizations > 0);
      assert.ok(out.migrate.users.created > 250);
      assert.ok(out.migrate.memberships.created > 0);
      assert.equal(out.rerun.writes, 0, 'the re-run writes nothing');
      assert.equal(out.verify.counts.mismatches, 0);
      assert.equal(out.verify.counts.missingMemberships, 0);
      assert.ok(out.verify.logins.total > 0);
      assert.equal(out.verify.logins.succeeded, out.verify.logins.total, 'every sample user signs in with the original password');
      for (const text of ['Moved (Clerk → Better Auth)', 'Left behind or skipped, and why', 'Sign-ins through Better Auth', 'Done in', 'Next:']) {
        assert.ok(r.stderr.includes(text), `report says "${text}"`);
      }
      assert.ok(seconds < 120, `the demo took ${seconds} s`);
      // The next-step hints run on Linux too: no macOS-only `open` (nor a desktop's xdg-open).
      const next = r.stderr.slice(r.stderr.indexOf('Next:'));
      assert.doesNotMatch(next, /^\s*(open|xdg-open)\s/m);
      assert.match(next, /assess\.html/);
      // No hash from the export reaches the report.
      assert.doesNotMatch(r.stdout + r.stderr, /\$2[aby]\$10\$[./A-Za-z0-9]{53}/);
    });
  }
});
