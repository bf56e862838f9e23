import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvField } from './csv-field.js';
import { SeenIds } from './seen-ids.js';
import { sidePath } from './side-path.js';

describe('SeenIds', () => {
  it('says false exactly for ids seen before, across growth of the table', () => {
    const seen = new SeenIds();
    for (let i = 0; i < 200_000; i++) assert.equal(seen.add(`user_${i}`), true);
    assert.equal(seen.size, 200_000);
    for (let i = 0; i < 200_000; i += 997) assert.equal(seen.add(`user_${i}`), false);
    assert.equal(seen.add(''), true);
    assert.equal(seen.add(''), false);
    assert.equal(seen.add('user_200000'), true);
  });
});

describe('generator file helpers', () => {
  it('side files go next to the export, the extension replaced', () => {
    assert.equal(sidePath('/tmp/x/users.json', 'hash-config.json'), '/tmp/x/users.hash-config.json');
    assert.equal(sidePath('/tmp/x.d/users', 'api-dump.json'), '/tmp/x.d/users.api-dump.json');
    assert.equal(sidePath('.hidden', 'a.json'), '.hidden.a.json');
  });
  it('CSV fields are quoted only when needed', () => {
    assert.equal(csvField('a@b.c'), 'a@b.c');
    assert.equal(csvField('x,"y"'), '"x,""y"""');
  });
});
