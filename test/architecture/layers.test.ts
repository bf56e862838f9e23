import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/**
 * Every module a file imports (static, re-export, dynamic import(), require), found by the
 * TypeScript scanner: an import spelled inside a string or a comment (the application files a
 * codemod writes out) is not one.
 */
function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

/** Where a relative import points, as a path from the repo root (`src/lib/io/x.js`); undefined for packages. */
function target(file: string, spec: string): string | undefined {
  return spec.startsWith('.') ? relative(process.cwd(), resolve(dirname(file), spec)).split('\\').join('/') : undefined;
}

// Vendor SDKs may only be imported by their connector.
const VENDOR_PACKAGES = ['@clerk/', 'auth0', '@aws-sdk/', '@workos-inc/', '@keycloak/', 'better-auth', 'firebase'];

describe('layers (DESIGN.md): imports point down only', () => {
  it('the import scanner sees static, type-only, re-export, dynamic and require imports, and not imports spelled in strings', () => {
    const text = "import a from './a.js';\nimport type { B } from '../b.js';\nexport { c } from './c.js';\nconst d = await import('./d.js');\nconst e = require('e');\nconst f = `import x from './not-an-import.js';`;\n";
    assert.deepEqual(ts.preProcessFile(text, true, true).importedFiles.map((x) => x.fileName), ['./a.js', '../b.js', './c.js', './d.js', 'e']);
  });

  const lower = ['src/model', 'src/protocol', 'src/lib', 'src/engine', 'src/state', 'src/app-code'];
  for (const layer of lower) {
    it(`${layer} imports no connector, app, CLI, gateway or vendor SDK`, () => {
      const files = walk(layer);
      assert.ok(files.length > 0, `${layer} has files`);
      for (const f of files) {
        for (const spec of importsOf(f)) {
          assert.ok(!/\/(connectors|app|cli|gateway)(\/|$)/.test(spec), `${f} imports ${spec}`);
          assert.ok(!VENDOR_PACKAGES.some((p) => spec === p || spec.startsWith(p)), `${f} imports vendor SDK ${spec}`);
        }
      }
    });
  }

  it('src/model does no I/O and imports no protocol or engine', () => {
    for (const f of walk('src/model')) {
      for (const spec of importsOf(f)) {
        assert.ok(!/\/(protocol|engine)\//.test(spec), `${f} imports ${spec}`);
        assert.ok(!['node:fs', 'node:fs/promises', 'node:net', 'node:http', 'node:https', 'node:child_process'].includes(spec), `${f} does I/O via ${spec}`);
      }
    }
  });

  it('protocol imports only model', () => {
    for (const f of walk('src/protocol')) {
      for (const spec of importsOf(f)) {
        const to = target(f, spec);
        assert.ok(to === undefined || /^src\/(protocol|model)\//.test(to), `${f} imports ${spec}`);
      }
    }
  });

  it('connectors never import each other: src/connectors/<a>/ imports nothing from src/connectors/<b>/', () => {
    const vendors = readdirSync('src/connectors').filter((n) => statSync(join('src/connectors', n)).isDirectory());
    assert.ok(vendors.length >= 4, 'the connector folders are found');
    for (const vendor of vendors) {
      for (const f of walk(join('src/connectors', vendor))) {
        for (const spec of importsOf(f)) {
          const to = target(f, spec);
          const other = to?.match(/^src\/connectors\/([^/]+)\//)?.[1];
          assert.ok(other === undefined || other === vendor, `${f} imports ${spec}, from the ${other} connector`);
        }
      }
    }
  });

  it('src/lib is the toolkit under engine and connectors: it imports only node builtins, itself, protocol, model and the plain parsers it wraps', () => {
    const files = walk('src/lib');
    assert.ok(files.length > 0, 'src/lib has files');
    // csv-parse for the CSV reader; @node-saml/node-saml (with xml-crypto) for the SSO service-provider
    // simulator both vendor simulators share (src/lib/sso/sp-simulator.ts).
    const allowedPackages = ['csv-parse/sync', '@node-saml/node-saml'];
    for (const f of files) {
      for (const spec of importsOf(f)) {
        const to = target(f, spec);
        if (to === undefined) assert.ok(spec.startsWith('node:') || allowedPackages.includes(spec), `${f} imports the package ${spec}`);
        else assert.ok(/^src\/(lib|protocol|model)\//.test(to), `${f} imports ${spec} (${to}), outside lib, protocol and model`);
      }
    }
  });

  it('src/state (the ledger and the gateway flags) stands on lib, protocol and model only', () => {
    const files = walk('src/state');
    assert.ok(files.length > 0, 'src/state has files');
    for (const f of files) {
      for (const spec of importsOf(f)) {
        const to = target(f, spec);
        if (to === undefined) assert.ok(spec.startsWith('node:') || ['pg', 'better-sqlite3'].includes(spec), `${f} imports the package ${spec}`);
        else assert.ok(/^src\/(state|lib|protocol|model)\//.test(to), `${f} imports ${spec} (${to}), above the state layer`);
      }
    }
  });

  it('one state layer: one --state parser, one driver per database, and the gateway reads the ledger only through the ledger store', () => {
    for (const f of walk('src')) {
      const code = readFileSync(f, 'utf8');
      if (f !== join('src', 'state', 'location.ts')) assert.ok(!/searchParams\.get\(['"]schema['"]\)/.test(code), `${f} parses --state itself (src/state/location.ts is the one parser)`);
      if (!f.startsWith(join('src', 'state') + '/') || /-driver\.ts$/.test(f)) continue;
      assert.ok(!/new\s+(Database|pg\.Pool|pg\.Client|Pool)\s*\(/.test(code), `${f} opens its own database connection (src/state/*-driver.ts are the drivers)`);
    }
    for (const f of walk('src/state/gateway')) {
      const sql = readFileSync(f, 'utf8');
      assert.ok(!/\b(FROM|JOIN|INTO|UPDATE)\s+\$\{[^}]*\}(records|runs|meta|locks)\b/i.test(sql), `${f} reads the ledger's tables with its own SQL`);
    }
  });

  it('a connector is driven, it never drives: src/connectors imports no engine, app, CLI or gateway', () => {
    for (const f of walk('src/connectors')) {
      for (const spec of importsOf(f)) {
        const to = target(f, spec);
        if (to === undefined) continue;
        assert.ok(!/^src\/(engine|app|app-code|cli|gateway)\//.test(to), `${f} imports ${spec} (${to})`);
      }
    }
  });

  it('src/app-code (inventory and codemod engine) stands on lib, protocol and model, and parses with ts-morph only', () => {
    const files = walk('src/app-code');
    assert.ok(files.length > 0, 'src/app-code has files');
    for (const f of files) {
      for (const spec of importsOf(f)) {
        const to = target(f, spec);
        if (to === undefined) assert.ok(spec.startsWith('node:') || spec === 'ts-morph', `${f} imports the package ${spec}`);
        else assert.ok(/^src\/(app-code|lib|protocol|model)\//.test(to), `${f} imports ${spec} (${to}), outside app-code, lib, protocol and model`);
      }
    }
  });

  it('the engine names no connector and imports nothing above it', () => {
    for (const f of walk('src/engine')) {
      for (const spec of importsOf(f)) {
        const to = target(f, spec);
        if (to === undefined) continue;
        assert.ok(/^src\/(engine|lib|state|protocol|model)\//.test(to), `${f} imports ${spec} (${to}), above the engine`);
      }
    }
  });

  // app is the composition root: it opens connectors, runs the engine over the state layer, and
  // assembles the gateway's HTTP server for `serve`. The CLI is flags → options → app calls.
  // So: nothing below app imports it, the gateway (a part app assembles) never calls back into
  // app or the CLI, app never imports the CLI, and the CLI reaches the gateway only through app.
  it('src/app is the typed API the CLI calls: nothing below it (connectors, engine, state, lib, protocol, model) nor the gateway imports app', () => {
    for (const layer of ['src/connectors', 'src/engine', 'src/state', 'src/lib', 'src/protocol', 'src/model', 'src/gateway']) {
      for (const f of walk(layer)) {
        for (const spec of importsOf(f)) {
          const to = target(f, spec);
          assert.ok(to === undefined || !/^src\/(app|cli)\//.test(to), `${f} imports ${spec} (${to})`);
        }
      }
    }
  });

  it('src/app imports nothing from the CLI; the CLI reaches the gateway only through app', () => {
    const app = walk('src/app');
    assert.ok(app.some((f) => f.endsWith(join('app', 'index.ts'))), 'src/app/index.ts exists');
    for (const f of app) {
      for (const spec of importsOf(f)) {
        const to = target(f, spec);
        assert.ok(to === undefined || !/^src\/cli\//.test(to), `${f} imports ${spec} (${to})`);
      }
    }
    for (const f of walk('src/cli')) {
      for (const spec of importsOf(f)) {
        const to = target(f, spec);
        assert.ok(to === undefined || !/^src\/gateway\//.test(to), `${f} imports ${spec} (${to}): serve is app's`);
      }
    }
  });

  it('the benchmarks drive flagless through the app API, not the CLI or a hand-built gateway', () => {
    for (const f of walk('bench')) {
      for (const spec of importsOf(f)) {
        const to = target(f, spec);
        assert.ok(to === undefined || !/^src\/(cli|gateway)\//.test(to), `${f} imports ${spec} (${to})`);
      }
    }
  });

  it('each connector owns its vendor: no vendor list outside the connector registry, no vendor credential read outside its connector, lazy shapes named by their contract', () => {
    const vendors = ['clerk', 'auth0', 'firebase', 'cognito'];
    for (const f of walk('src/protocol')) {
      const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const v of vendors) assert.ok(!new RegExp(`['"\`]${v}['"\`]`).test(code), `${f} names the vendor "${v}" (the vendors are the keys of src/connectors/index.ts)`);
    }
    for (const f of walk('src')) {
      if (f.startsWith(join('src', 'connectors') + '/')) continue;
      const code = readFileSync(f, 'utf8');
      assert.ok(!/env\??\.(AUTH0|COGNITO|FIREBASE|CLERK|WORKOS|KEYCLOAK|BETTER_AUTH)_|env\[['"](AUTH0|COGNITO|FIREBASE|CLERK)_/.test(code), `${f} reads a vendor's credentials (that is its connector's job)`);
    }
    const lazy = readdirSync('src/gateway/lazy');
    assert.ok(lazy.includes('keycloak-user-migration-provider.ts') && lazy.includes('auth0-custom-database.ts'), lazy.join(', '));
  });

  it('model, protocol and engine decide by capability, never by vendor name', () => {
    const names = ['clerk', 'auth0', 'firebase', 'cognito', 'workos', 'keycloak', 'better-auth', 'ory', 'kratos'];
    for (const layer of lower) {
      for (const f of walk(layer)) {
        const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
        for (const n of names) {
          const re = new RegExp(`[=!]==?\\s*['"\`]${n}['"\`]|['"\`]${n}['"\`]\\s*[=!]==?|case\\s+['"\`]${n}['"\`]`, 'i');
          assert.ok(!re.test(code), `${f} compares against the vendor name "${n}"`);
        }
      }
    }
  });
});
