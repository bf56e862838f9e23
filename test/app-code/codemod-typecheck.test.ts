import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { flagless } from '../helpers/cli.js';
import { committedCopy, installTypes, TARGET_TYPES, typecheck } from './codemod-helpers.js';

/**
 * The codemod's output type-checks with `tsc --noEmit` against the target SDKs installed from npm.
 * The default suite runs the smallest combination (React SPA → Keycloak: keycloak-js and React's
 * types); `npm run test:codemod-typecheck` runs all six (Next.js is a large download, cached in
 * .cache/codemod-typecheck after the first run).
 */
const ALL = process.env.FLAGLESS_CODEMOD_TYPECHECK === 'all';
const COMBOS: [string, 'nextjs' | 'react', string][] = ALL
  ? [
      ['clerk-nextjs', 'nextjs', 'workos'],
      ['clerk-nextjs', 'nextjs', 'better-auth'],
      ['clerk-nextjs', 'nextjs', 'keycloak'],
      ['clerk-react-spa', 'react', 'workos'],
      ['clerk-react-spa', 'react', 'better-auth'],
      ['clerk-react-spa', 'react', 'keycloak'],
    ]
  : [['clerk-react-spa', 'react', 'keycloak']];
// The fixture's own dependencies that the rewrite keeps (its Clerk webhook route verifies with svix).
const APP_OWN: Record<string, string[]> = { nextjs: ['svix@1.76.1'], react: [] };

const root = mkdtempSync(join(tmpdir(), 'flagless-codemod-tsc-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('codemod output type-checks against the target SDK from npm', { timeout: 1_200_000 }, () => {
  for (const [fixture, framework, target] of COMBOS) {
    it(`${fixture} → ${target}: tsc --noEmit passes (and failed before the rewrite, against the same packages)`, () => {
      const modules = installTypes([...TARGET_TYPES[target]![framework], ...APP_OWN[framework]!]);
      const dir = committedCopy(fixture, join(root, `${fixture}-${target}`));
      // The check can fail: the Clerk app does not compile without Clerk's packages.
      const before = typecheck(dir, modules, framework);
      assert.notEqual(before.status, 0, 'the untouched app must not type-check without @clerk/*');
      assert.match(before.output, /Cannot find module '@clerk\//);
      assert.equal(flagless(['codemod', '--from', 'clerk', '--to', target, dir, '--force']).code, 1);
      const afterRewrite = typecheck(dir, modules, framework);
      assert.equal(afterRewrite.status, 0, afterRewrite.output);
    });
  }
});
