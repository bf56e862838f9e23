/**
 * What the first characters of a file say about its layout, without naming any vendor: one JSON
 * document, NDJSON records, a CSV table, or text. Readers hold it against their own format to
 * refuse at once a file that is clearly something else (E_WRONG_VENDOR); which vendor it belongs
 * to is the CLI's question, answered with every connector's own `sniff`.
 */

export interface HeadShape {
  kind: 'json-object' | 'json-array' | 'csv' | 'text' | 'blank';
  /** json-object: the first line is one whole JSON object (an NDJSON record, a one-line document) with these keys. */
  firstLineKeys?: string[];
  /** json-object: the first member's key, and whether its value opens a list (`{"users": [`). */
  firstKey?: string;
  firstValueIsList: boolean;
  /** Keys whose value opens a list (`"users": [`) anywhere in the head, once each, in order. */
  listKeys: string[];
  /** csv: the header's column names. */
  columns: string[];
}

const KEY_OPENING_LIST = /"((?:[^"\\\n]|\\.)*)"\s*:\s*\[/g;
const FIRST_MEMBER = /^\{\s*"((?:[^"\\\n]|\\.)*)"\s*:\s*(\S)?/;
/** A header cell: a bare or quoted column name (no spaces: a sentence with commas is not a header). */
const COLUMN = /^"?[A-Za-z_][A-Za-z0-9_.:-]*"?$/;

function unescapeKey(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

export function headShape(head: string): HeadShape {
  const text = (head.charCodeAt(0) === 0xfeff ? head.slice(1) : head).trimStart();
  const shape: HeadShape = { kind: 'text', firstValueIsList: false, listKeys: [], columns: [] };
  if (text === '') return { ...shape, kind: 'blank' };
  const nl = text.indexOf('\n');
  const firstLine = (nl === -1 ? text : text.slice(0, nl)).replace(/\r$/, '');

  if (text.startsWith('{') || text.startsWith('[')) {
    shape.kind = text.startsWith('{') ? 'json-object' : 'json-array';
    for (const m of text.matchAll(KEY_OPENING_LIST)) {
      const key = unescapeKey(m[1] ?? '');
      if (!shape.listKeys.includes(key)) shape.listKeys.push(key);
    }
    const first = FIRST_MEMBER.exec(text);
    if (first) {
      shape.firstKey = unescapeKey(first[1] ?? '');
      shape.firstValueIsList = first[2] === '[';
    }
    if (shape.kind === 'json-object') {
      try {
        const record: unknown = JSON.parse(firstLine);
        if (record && typeof record === 'object' && !Array.isArray(record)) shape.firstLineKeys = Object.keys(record);
      } catch {
        // The first line is not a whole object: a pretty-printed document, or a broken record.
      }
    }
    return shape;
  }

  const cells = firstLine.split(',').map((c) => c.trim());
  if (cells.length >= 2 && cells.every((c) => COLUMN.test(c))) {
    shape.kind = 'csv';
    shape.columns = cells.map((c) => c.replace(/^"(.*)"$/, '$1'));
  }
  return shape;
}
