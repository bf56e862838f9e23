import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { flagless } from '../helpers/cli.js';

const SENTINEL = 'sk_live_SENTINEL_VALUE_NEVER_PRINTED';

/** A copy of the Next.js fixture with the traps a real checkout has: .env values, node_modules, an ignored folder. */
function appCopy(root: string, git: boolean): string {
  const dir = join(root, git ? 'with-git' : 'plain');
  cpSync('test/fixtures/apps/clerk-nextjs', dir, { recursive: true });
  writeFileSync(join(dir, '.env'), `CLERK_SECRET_KEY=${SENTINEL}\nCLERK_ONLY_IN_DOTENV=${SENTINEL}\n`);
  writeFileSync(join(dir, '.env.local'), `CLERK_ONLY_IN_DOTENV_LOCAL=${SENTINEL}\n`);
  mkdirSync(join(dir, 'node_modules/@clerk/nextjs'), { recursive: true });
  writeFileSync(join(dir, 'node_modules/@clerk/nextjs/index.js'), "import { useUser } from '@clerk/nextjs';\nuseUser();\n");
  mkdirSync(join(dir, 'generated'), { recursive: true });
  writeFileSync(join(dir, 'generated/ignored.ts'), "import { auth } from '@clerk/nextjs/server';\nauth();\n");
  if (git) {
    execFileSync('git', ['init', '-q'], { cwd: dir });
    execFileSync('git', ['add', '-A'], { cwd: dir });
  }
  return dir;
}

describe('flagless inventory (on the Clerk Next.js fixture app)', () => {
  const root = mkdtempSync(join(tmpdir(), 'flagless-inventory-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const git of [false, true]) {
    it(`--json has the documented shape and every use with file and line; .gitignore and node_modules honoured, .env never read (${git ? "git's rules" : 'own .gitignore reader'})`, () => {
      const dir = appCopy(root, git);
      const r = flagless(['inventory', dir, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as Record<string, unknown> & {
        usages: { file: string; line: number; symbol: string; kind: string }[];
        envVars: { name: string }[];
        counts: Record<string, number>;
        packages: { name: string; version: string }[];
        effort: { level: string; hours: number };
        files: { listedBy: string };
      };
      for (const k of ['packages', 'usages', 'envVars', 'counts', 'effort']) assert.ok(k in doc, `has ${k}`);
      assert.deepEqual(Object.keys(doc.counts).sort(), ['components', 'envVars', 'hooks', 'imports', 'middleware', 'serverHelpers', 'webhookHandlers']);
      assert.equal(doc.files.listedBy, git ? 'git' : 'walk');
      assert.deepEqual(doc.packages.map((p) => `${p.name}@${p.version}`), ['@clerk/nextjs@^6.36.0']);
      const uses = doc.usages.filter((u) => u.kind !== 'import').map((u) => `${u.file}:${u.line} ${u.symbol} ${u.kind}`);
      assert.deepEqual(uses.sort(), [
        'app/api/me/route.ts:4 auth serverHelper',
        'app/api/webhooks/clerk/route.ts:12 Webhook webhookHandler',
        'app/dashboard/page.tsx:5 auth serverHelper',
        'app/dashboard/page.tsx:6 currentUser serverHelper',
        'app/layout.tsx:10 SignedOut component',
        'app/layout.tsx:11 SignInButton component',
        'app/layout.tsx:13 SignedIn component',
        'app/layout.tsx:14 UserButton component',
        'app/layout.tsx:6 ClerkProvider component',
        'app/sign-in/[[...sign-in]]/page.tsx:4 SignIn component',
        'components/org-menu.tsx:10 OrganizationSwitcher component',
        'components/org-menu.tsx:6 useAuth hook',
        'components/profile-card.tsx:6 useUser hook',
        'middleware.ts:3 createRouteMatcher middleware',
        'middleware.ts:5 clerkMiddleware middleware',
      ]);
      assert.deepEqual(doc.counts, { imports: 7, hooks: 2, components: 7, serverHelpers: 3, middleware: 2, webhookHandlers: 1, envVars: 4 });
      assert.deepEqual(doc.envVars.map((e) => e.name), ['CLERK_SECRET_KEY', 'CLERK_WEBHOOK_SIGNING_SECRET', 'NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY', 'NEXT_PUBLIC_CLERK_SIGN_IN_URL']);
      assert.ok(doc.effort.hours > 0 && doc.effort.level !== 'none');
      assert.ok(!r.stdout.includes('generated/ignored.ts') && !r.stdout.includes('node_modules'), 'ignored files are not read');
      // .env* files are never opened: their names and values appear nowhere; .env.example values neither.
      for (const out of [r.stdout, r.stderr]) {
        assert.ok(!out.includes(SENTINEL) && !out.includes('ONLY_IN_DOTENV'), 'nothing from .env');
        assert.ok(!out.includes('pk_test_replace_me') && !out.includes('whsec_replace_me'), 'no value from .env.example');
      }
    });
  }

  it('the human table on stdout; --from narrows to one provider; a missing folder exits 2 with a way out', () => {
    const human = flagless(['inventory', 'test/fixtures/apps/clerk-react-spa']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /Providers found: clerk/);
    assert.match(human.stdout, /src\/App\.tsx:5\s+useUser\s+hook/);
    assert.match(human.stdout, /VITE_CLERK_PUBLISHABLE_KEY/);
    const none = flagless(['inventory', 'test/fixtures/apps/clerk-react-spa', '--from', 'auth0', '--json']);
    assert.equal(none.code, 0);
    assert.equal((JSON.parse(none.stdout) as { usages: unknown[] }).usages.length, 0);
    const missing = flagless(['inventory', join(root, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /E_INPUT_UNREADABLE: .* is not a folder: pass the application's root folder/);
  });

  it('assess --app adds the application section to the HTML report and `application` to --json', () => {
    const csv = join(root, 'users.csv');
    assert.equal(flagless(['generate', 'clerk', '--users', '20', '--out', csv, '--clean']).code, 0);
    const html = join(root, 'report.html');
    const r = flagless(['assess', '--from', 'clerk', '--file', csv, '--app', 'test/fixtures/apps/clerk-nextjs', '--html', html, '--json']);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const doc = JSON.parse(r.stdout) as { users: number; application: { counts: { components: number } } };
    assert.equal(doc.users, 20);
    assert.equal(doc.application.counts.components, 7);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<h2 id="application">The application's code \(test\/fixtures\/apps\/clerk-nextjs\)<\/h2>/);
    assert.match(page, /<td>components\/profile-card\.tsx:6<\/td><td>useUser<\/td><td>hook<\/td>/);
    const bad = flagless(['assess', '--from', 'clerk', '--file', csv, '--app', join(root, 'nope')]);
    assert.equal(bad.code, 2);
  });
});
