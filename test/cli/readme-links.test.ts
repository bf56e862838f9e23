import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';

/** The README is read on a code host, from a clone or a tarball: every relative link must land inside the repository, on a file that exists. */
describe('README links', () => {
  it('point only at files inside the repository', () => {
    const readme = readFileSync('README.md', 'utf8');
    const root = process.cwd();
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^(https?:|mailto:|#)/.test(t));
    assert.ok(targets.length > 0, 'the README has relative links');
    for (const t of targets) {
      const path = resolve(root, t.split('#')[0]!);
      assert.ok(path === root || path.startsWith(root + sep), `${t} leaves the repository`);
      assert.ok(existsSync(path), `${t} does not exist`);
    }
  });

  it('the docs folder links only inside the repository too', () => {
    const root = process.cwd();
    for (const doc of readdirSync('docs').filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(join('docs', doc), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const t = m[1]!;
        if (/^(https?:|mailto:|#)/.test(t)) continue;
        const path = resolve(root, 'docs', t.split('#')[0]!);
        assert.ok(path === root || path.startsWith(root + sep), `docs/${doc}: ${t} leaves the repository`);
        assert.ok(existsSync(path), `docs/${doc}: ${t} does not exist`);
      }
    }
  });
});
