import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { flagless } from '../helpers/cli.js';

/**
 * What a command loads before it does its job. A static import of a heavy package in a command
 * that does not use it is paid by every run: `assess` once pulled in ts-morph (the TypeScript
 * compiler, for `--app` only) through run-inventory, which cost each assess ~0.5 s of CPU and
 * ~60 MB of memory at start-up (measured side by side with the commit before the restructuring,
 * bench/README.md). A module-resolution hook records every package the CLI resolves.
 */
const HEAVY = [
  'ts-morph',
  'typescript',
  '@aws-sdk/client-cognito-identity-provider',
  '@workos-inc/node',
  'auth0',
  '@clerk/backend',
  'better-auth',
  '@keycloak/keycloak-admin-client',
  '@ory/kratos-client',
  'fastify',
  'pg',
  'better-sqlite3',
  'svix',
  '@node-saml/node-saml',
];

describe('CLI start-up: a command loads only the packages it uses', () => {
  let dir: string;
  let register: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flagless-startup-'));
    const hook = join(dir, 'hook.mjs');
    writeFileSync(
      hook,
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);
  if (m) appendFileSync(process.env.FLAGLESS_TEST_LOADED, m[1] + '\\n');
  return r;
}
`,
    );
    register = join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
    assert.equal(flagless(['generate', 'auth0', '--users', '20', '--out', join(dir, 'users.ndjson'), '--quiet']).code, 0);
    assert.equal(flagless(['generate', 'clerk', '--users', '20', '--out', join(dir, 'users.csv'), '--quiet']).code, 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function loaded(args: string[]): Set<string> {
    const log = join(dir, `loaded-${args[0]}-${Math.random().toString(36).slice(2)}.txt`);
    writeFileSync(log, '');
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, join(process.cwd(), 'bin/flagless.js'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, FLAGLESS_TEST_LOADED: log },
      timeout: 60_000,
    });
    assert.ok(r.status === 0 || r.status === 1, `${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean));
  }

  it('the hook sees what a command does load (the check can fail)', () => {
    // generate writes CSV through csv-stringify: the hook must record it, or the test below proves nothing.
    assert.ok(loaded(['generate', 'clerk', '--users', '3', '--out', join(dir, 'g.csv'), '--quiet']).has('csv-stringify'));
  });

  for (const [name, args] of [
    ['assess of an Auth0 file', ['assess', '--from', 'auth0', '--file', 'users.ndjson', '--threads', '1', '--json']],
    ['assess of a Clerk file', ['assess', '--from', 'clerk', '--file', 'users.csv', '--json']],
    ['help', ['--help']],
  ] as const) {
    it(`${name} loads no vendor SDK, server, database driver or compiler`, () => {
      const got = loaded(args.map((a) => (a.startsWith('users.') ? join(dir, a) : a)));
      const heavy = HEAVY.filter((p) => got.has(p));
      assert.deepEqual(heavy, [], `loaded: ${[...got].join(', ')}`);
    });
  }
});
