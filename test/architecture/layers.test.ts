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

  const lower = ['src/model', 'src/protocol', 'src/lib', 'src/engine', 'src/app-code'];
  for (const layer of lower) {
    it(`${layer} imports no connector, CLI, gateway or vendor SDK`, () => {
      const files = walk(layer);
      assert.ok(files.length > 0, `${layer} has files`);
      for (const f of files) {
        for (const spec of importsOf(f)) {
          assert.ok(!/\/(connectors|cli|gateway)(\/|$)/.test(spec), `${f} imports ${spec}`);
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
    const allowedPackages = ['csv-parse/sync'];
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
