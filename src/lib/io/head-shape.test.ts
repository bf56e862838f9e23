import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headShape } from './head-shape.js';

describe('headShape', () => {
  it('tells a JSON document holding a list from one-record-per-line JSON', () => {
    const doc = headShape('\uFEFF{\n  "users": [\n    {"id": "a", "tags": ["x"]}');
    assert.deepEqual([doc.kind, doc.firstKey, doc.firstValueIsList, doc.firstLineKeys, doc.listKeys], ['json-object', 'users', true, undefined, ['users', 'tags']]);
    const oneLine = headShape('{"Items":[{"id":1}]}');
    assert.deepEqual([oneLine.firstKey, oneLine.firstValueIsList, oneLine.firstLineKeys], ['Items', true, ['Items']]);
    const records = headShape('{"id":"a","n":1}\n{"id":"b"}\n');
    assert.deepEqual([records.kind, records.firstValueIsList, records.firstLineKeys, records.listKeys], ['json-object', false, ['id', 'n'], []]);
    assert.equal(headShape('  [1, 2]').kind, 'json-array');
  });

  it('finds a CSV header, and not in a sentence with commas', () => {
    const csv = headShape('id,"first_name",email\r\n1,A,a@b.c\n');
    assert.deepEqual([csv.kind, csv.columns], ['csv', ['id', 'first_name', 'email']]);
    assert.equal(headShape('hello, this is not an export\n').kind, 'text');
    assert.equal(headShape('uid1,a@example.com,true\n').kind, 'text');
    assert.equal(headShape(' \n\t').kind, 'blank');
  });
});
