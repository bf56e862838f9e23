import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syntaxErrors } from '../../src/app-code/codemod/transform-file.js';

// The codemod never writes a rewrite that does not parse: the check must see syntax errors in every
// kind of file, and nothing in valid code (it runs without the default libraries: syntax needs none).
test('syntaxErrors finds broken syntax in .tsx, .ts and .jsx and nothing in valid files', () => {
  assert.notDeepEqual(syntaxErrors('a.tsx', 'export const X = () => <div>;\n'), []);
  assert.notDeepEqual(syntaxErrors('b.ts', 'const x = ;\n'), []);
  assert.notDeepEqual(syntaxErrors('c.jsx', 'function f( {\n'), []);
  assert.deepEqual(syntaxErrors('a.tsx', 'import { useAuth } from "x";\nexport const X = () => { const { user } = useAuth(); return <p>{user?.email}</p>; };\n'), []);
  // A type error is not a syntax error (no declarations are loaded, none are needed).
  assert.deepEqual(syntaxErrors('d.ts', 'const n: number = "text";\ndocument.title = n;\n'), []);
});
