import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

/**
 * What the README tells an application to do while flagless is not on the npm registry: pack the
 * checkout (`npm pack`) and install the tarball. This packs the real package, unpacks it into an
 * application's node_modules, and imports `flagless/better-auth` by its public name from there,
 * so the `exports` map and the `files` list are what is proven (a path missing from either fails).
 * The application folder sits inside this checkout, so flagless's own dependencies resolve from
 * the checkout's node_modules without touching the network.
 */
describe('the flagless/better-auth entry, installed from a packed tarball', () => {
  let scratch: string;
  let app: string;
  before(() => {
    scratch = mkdtempSync(join(process.cwd(), '.package-test-'));
    // --ignore-scripts: the tests run on an already compiled tree; `prepare` would compile it again.
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { encoding: 'utf8' });
    const [packed] = JSON.parse(out) as { filename: string }[];
    app = join(scratch, 'app');
    const installed = join(app, 'node_modules', 'flagless');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(scratch, packed!.filename), '-C', installed, '--strip-components=1']);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'an-app', private: true, type: 'module', dependencies: { flagless: `file:${packed!.filename}` } }));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('imports flaglessImport by its public name and builds the Better Auth plugin', () => {
    const script = [
      "import { flaglessImport } from 'flagless/better-auth';",
      'const plugin = flaglessImport();',
      "if (typeof plugin !== 'object' || plugin.id !== 'flagless-import') throw new Error('unexpected plugin: ' + JSON.stringify(plugin.id));",
      "console.log(plugin.id);",
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
    assert.equal(out.trim(), 'flagless-import');
  });

  it('exposes only the public entries (internal paths stay private)', () => {
    assert.throws(
      () => execFileSync(process.execPath, ['--input-type=module', '-e', "await import('flagless/dist/src/engine/run.js')"], { cwd: app, stdio: 'pipe' }),
      /ERR_PACKAGE_PATH_NOT_EXPORTED/,
    );
  });

  it('ships the LICENSE the package.json names', () => {
    const license = execFileSync(process.execPath, ['-e', "process.stdout.write(require('fs').readFileSync('node_modules/flagless/LICENSE','utf8').slice(0,200))"], { cwd: app, encoding: 'utf8' });
    assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
  });
});
