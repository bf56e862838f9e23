import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { flagless } from '../helpers/cli.js';
import { syntaxErrors } from '../../src/app-code/codemod/transform-file.js';
import { commitAll, committedCopy, gitStatus } from './codemod-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'flagless-codemod-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('flagless codemod --from clerk: each fixture app for each target', () => {
  for (const fixture of ['clerk-nextjs', 'clerk-react-spa']) {
    for (const target of ['workos', 'better-auth', 'keycloak']) {
      it(`${fixture} → ${target}: no Clerk left outside TODO(flagless) notes, every file parses, TODOs carry a docs link, a second run changes nothing`, () => {
        const dir = committedCopy(fixture, join(root, `${fixture}-${target}`));
        const r = flagless(['codemod', '--from', 'clerk', '--to', target, dir, '--json']);
        assert.equal(r.code, 1, `TODOs remain (exit 1): ${r.stderr}`);
        const report = JSON.parse(r.stdout) as { changedFiles: string[]; createdFiles: string[]; todos: { file: string; text: string; docs: string }[]; failed: unknown[] };
        assert.deepEqual(report.failed, []);
        assert.ok(report.changedFiles.length >= 4 && report.todos.length > 0);
        // The parser sees no Clerk import, hook, component or helper anywhere (TODO notes are comments).
        const inv = JSON.parse(flagless(['inventory', dir, '--from', 'clerk', '--json']).stdout) as { counts: Record<string, number>; packages: unknown[] };
        assert.deepEqual({ ...inv.counts, envVars: 0, webhookHandlers: 0 }, { imports: 0, hooks: 0, components: 0, serverHelpers: 0, middleware: 0, webhookHandlers: 0, envVars: 0 });
        assert.deepEqual(inv.packages, []);
        for (const f of [...report.changedFiles, ...report.createdFiles].filter((f) => /\.[jt]sx?$/.test(f))) {
          const text = readFileSync(join(dir, f), 'utf8');
          assert.deepEqual(syntaxErrors(f, text), [], `${f} parses`);
          for (const line of text.split('\n').filter((l) => l.includes('@clerk/'))) assert.match(line, /TODO\(flagless\)/, `${f}: ${line}`);
          for (const line of text.split('\n').filter((l) => l.includes('TODO(flagless)'))) assert.match(line, /https:\/\//, `${f}: a TODO without a link: ${line}`);
        }
        for (const t of report.todos) assert.ok(t.text.length > 10);
        const env = readFileSync(join(dir, '.env.example'), 'utf8');
        assert.ok(!env.includes('CLERK_'), env);
        const pkg = readFileSync(join(dir, 'package.json'), 'utf8');
        assert.ok(!pkg.includes('@clerk/'), pkg);
        // Idempotent: commit, run again, nothing to change.
        commitAll(dir);
        const again = flagless(['codemod', '--from', 'clerk', '--to', target, dir]);
        assert.equal(again.code, 0, again.stdout + again.stderr);
        assert.match(again.stdout, /Nothing to change\./);
        assert.equal(gitStatus(dir), '');
      });
    }
  }

  it('the Next.js → WorkOS rewrite maps the hooks, helpers and middleware to AuthKit as documented', () => {
    const dir = committedCopy('clerk-nextjs', join(root, 'workos-shape'));
    assert.equal(flagless(['codemod', '--from', 'clerk', '--to', 'workos', dir]).code, 1);
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    assert.match(read('app/layout.tsx'), /import \{ AuthKitProvider \} from '@workos-inc\/authkit-nextjs\/components';/);
    assert.match(read('app/layout.tsx'), /<AuthKitProvider>[\s\S]*<\/AuthKitProvider>/);
    assert.match(read('components/profile-card.tsx'), /const \{ user, loading \} = useAuth\(\);\n  const isLoaded = !loading;\n  const isSignedIn = !!user;/);
    assert.match(read('app/dashboard/page.tsx'), /const \{ organizationId: orgId, user: authUser \} = await withAuth\(\);\n  const userId = authUser\?\.id \?\? null;\n  const user = await withAuth\(\)\.then\(\(\{ user \}\) => user\);/);
    assert.match(read('middleware.ts'), /export default authkitMiddleware\(\);/);
    assert.equal(read('app/callback/route.ts').includes('export const GET = handleAuth();'), true);
  });

  it('--dry-run prints a unified diff (env values masked) and writes nothing', () => {
    const dir = committedCopy('clerk-nextjs', join(root, 'dry'));
    const r = flagless(['codemod', '--from', 'clerk', '--to', 'workos', dir, '--dry-run']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^--- a\/app\/layout\.tsx\n\+\+\+ b\/app\/layout\.tsx\n@@ /m);
    assert.match(r.stdout, /^-import \{ ClerkProvider, SignedIn, SignedOut, SignInButton, UserButton \} from '@clerk\/nextjs';$/m);
    assert.match(r.stdout, /^--- \/dev\/null\n\+\+\+ b\/app\/callback\/route\.ts$/m);
    assert.match(r.stdout, /^-CLERK_SECRET_KEY=…$/m);
    assert.ok(!r.stdout.includes('sk_test_replace_me') && !r.stderr.includes('sk_test_replace_me'), 'no .env.example value');
    assert.equal(gitStatus(dir), '', 'nothing written');
  });

  it('refuses a dirty tree or a folder outside git (exit 2, nothing written) unless --force', () => {
    const dir = committedCopy('clerk-react-spa', join(root, 'dirty'));
    writeFileSync(join(dir, 'src/App.tsx'), readFileSync(join(dir, 'src/App.tsx'), 'utf8') + '\n// local edit\n');
    const refused = flagless(['codemod', '--from', 'clerk', '--to', 'keycloak', dir]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /E_USAGE: .* has uncommitted changes: commit or stash them first .*\(or pass --force\)/);
    assert.equal(gitStatus(dir), ' M src/App.tsx\n');
    const forced = flagless(['codemod', '--from', 'clerk', '--to', 'keycloak', dir, '--force']);
    assert.equal(forced.code, 1, forced.stderr);
    assert.match(readFileSync(join(dir, 'src/App.tsx'), 'utf8'), /from '\.\/keycloak'/);
    const plain = join(root, 'not-git');
    cpSync('test/fixtures/apps/clerk-react-spa', plain, { recursive: true });
    const outside = flagless(['codemod', '--from', 'clerk', '--to', 'workos', plain]);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /is not in a git work tree/);
    assert.equal(flagless(['codemod', '--from', 'clerk', '--to', 'workos', join(root, 'nope')]).code, 2);
  });
});
