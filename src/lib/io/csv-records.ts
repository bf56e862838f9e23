import { isUtf8 } from 'node:buffer';
import { parse } from 'csv-parse/sync';
import { openExportFile, readByteChunks, type ExportFile } from './export-file.js';

/**
 * What the CSV reader yields, in file order. `line` is 1-based: the line where the record
 * starts. Rows are the cells in header order (as many as the header has: a row with another
 * count is an error event).
 */
export type CsvEvent =
  | { kind: 'header'; line: number; columns: string[] }
  | { kind: 'row'; line: number; cells: string[] }
  | { kind: 'error'; line: number; message: string };

export interface CsvReadOptions {
  /**
   * Whether a physical line looks like the start of a record (for Clerk: `user_...,`). A quoted
   * field left open by a broken quote would otherwise swallow every following line; when a
   * continuation line looks like a new record, the open record is reported and skipped instead.
   */
  looksLikeRecordStart?: (line: string) => boolean;
  /** An open quoted field longer than this many lines is treated as broken (default 100). */
  maxRecordLines?: number;
  /** Lines starting with `#` before the header are skipped (Clerk's sample files carry one). */
  commentsBeforeHeader?: boolean;
  /** Read size (tests use a small one to cut records across chunks). */
  chunkBytes?: number;
}

const NL = 0x0a;
const QUOTE = 0x22;
const CHUNK_BYTES = 256 * 1024;
/** A single line longer than this is not a user row: it is skipped, so memory stays bounded. */
const MAX_LINE_BYTES = 8 * 1024 * 1024;

interface Run {
  start: number;
  end: number;
  /** Start line and byte span of each record of the run. */
  records: { line: number; start: number; end: number }[];
}

/**
 * Streams a CSV file as records keyed by the header, in constant memory, reporting every
 * malformed record with the line it starts on and carrying on with the next one.
 *
 * Why not one csv-parse stream over the whole file: after a quote error csv-parse can stay
 * inside a quoted field and silently swallow the records that follow, and an unclosed quote
 * makes it buffer the rest of the file. So the bytes are first cut into records here (a record
 * ends at a newline outside quotes; quotes are counted, which is exact for well-formed CSV),
 * and csv-parse then parses each contiguous run of records. A run that fails is re-parsed one
 * record at a time, so a bad record is pinned to its own line and costs no other record.
 *
 * The events of each chunk read come as one array: a consumer pays one async step per chunk,
 * not per row, which matters at a million rows.
 */
export async function* readCsvRecords(input: ExportFile | string, options: CsvReadOptions = {}): AsyncGenerator<CsvEvent[]> {
  const file = typeof input === 'string' ? await openExportFile(input, 'CSV file') : input;
  const maxLines = options.maxRecordLines ?? 100;
  let columns: string[] | undefined;
  let header: Header | undefined;
  let carry: Buffer | undefined;
  let lineNo = 1; // line number of the first byte of `carry` / the next buffer
  let first = true;
  let skipping = false; // inside an over-long line, dropping bytes until its newline

  // Bytes, not text: records are cut on byte offsets (a gzipped export is gunzipped on the way).
  const iterator = readByteChunks(file, options.chunkBytes ?? CHUNK_BYTES);
  try {
    let done = false;
    while (!done) {
      const next = await iterator.next();
      let buf: Buffer;
      if (next.done) {
        done = true;
        if (!carry || carry.length === 0) break;
        // A last line without a newline: end it, so it is scanned like every other line.
        buf = Buffer.concat([carry, Buffer.from('\n')]);
      } else {
        const chunk = next.value;
        buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      }
      if (first && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      first = false;
      if (skipping) {
        const nl = buf.indexOf(NL);
        if (nl === -1) {
          carry = undefined;
          continue;
        }
        buf = buf.subarray(nl + 1);
        lineNo++;
        skipping = false;
      }

      const scan = scanRecords(buf, lineNo, done, maxLines, options.looksLikeRecordStart);
      const events: CsvEvent[] = [];
      for (const item of scan.items) {
        if (item.kind === 'broken') {
          events.push({ kind: 'error', line: item.line, message: brokenMessage(item.reason) });
          continue;
        }
        let records = item.records;
        while (!columns && records.length > 0) {
          const head = records[0]!;
          records = records.slice(1);
          if (options.commentsBeforeHeader && buf[head.start] === 0x23 /* # */) continue;
          const cells = parseOne(buf.subarray(head.start, head.end));
          if (!cells.ok) {
            events.push({ kind: 'error', line: head.line, message: `the header row is not valid CSV (${describeCsvError(cells.error)})` });
            continue;
          }
          columns = cells.row.map((c) => c.trim());
          header = headerOf(columns);
          events.push({ kind: 'header', line: head.line, columns });
          for (const d of header.duplicates) {
            const name = columns[d[0]!]!;
            events.push({
              kind: 'error',
              line: head.line,
              message: `the header names the column ${shownName(name)} ${d.length} times (columns ${d.map((i) => i + 1).join(', ')}); a row whose ${shownName(name)} cells differ is skipped, as which one is meant cannot be told`,
            });
          }
        }
        if (header && records.length > 0) parseRun(buf, { start: records[0]!.start, end: item.end, records }, header, events);
      }
      if (events.length > 0) yield events;
      carry = scan.rest < buf.length ? Buffer.from(buf.subarray(scan.rest)) : undefined;
      lineNo = scan.restLine;
      if (carry && carry.length > MAX_LINE_BYTES && carry.indexOf(NL) === -1) {
        yield [{ kind: 'error', line: lineNo, message: `the line is longer than ${MAX_LINE_BYTES / 1024 / 1024} MB, which no user row is; it was skipped` }];
        carry = undefined;
        skipping = true;
      }
    }
  } finally {
    await iterator.return(undefined);
  }
}

type ScanItem = ({ kind: 'run' } & Run) | { kind: 'broken'; line: number; reason: 'unclosed' | 'too-long' };

interface ScanResult {
  items: ScanItem[];
  /** Offset of the first byte not consumed (the start of an unfinished record). */
  rest: number;
  restLine: number;
}

/**
 * Cuts `buf` into complete records and groups consecutive ones into runs. Blank lines end a run
 * and are skipped. A record still open at a line that looks like a new record, after
 * `maxLines` lines, or at the end of the file is reported as broken; scanning resumes on the
 * line after its first line, so the lines it would have swallowed are read as records.
 */
function scanRecords(
  buf: Buffer,
  firstLine: number,
  final: boolean,
  maxLines: number,
  looksLikeRecordStart: ((line: string) => boolean) | undefined,
): ScanResult {
  const items: ScanItem[] = [];
  let run: Run | undefined;
  const flush = () => {
    if (run) items.push({ kind: 'run', ...run });
    run = undefined;
  };
  let pos = 0;
  let line = firstLine;
  let recStart = -1;
  let recLine = 0;
  let recFirstLineEnd = 0;
  let recLines = 0;
  let parity = 0;
  let nextQuote = buf.indexOf(QUOTE, 0);

  const broken = (reason: 'unclosed' | 'too-long') => {
    flush();
    items.push({ kind: 'broken', line: recLine, reason });
    // Resume on the line after the broken record's first line.
    pos = recFirstLineEnd + 1;
    line = recLine + 1;
    recStart = -1;
    nextQuote = buf.indexOf(QUOTE, pos);
  };

  for (;;) {
    const nl = buf.indexOf(NL, pos);
    if (nl === -1) {
      if (final && recStart !== -1) {
        broken('unclosed');
        continue;
      }
      break;
    }
    if (recStart === -1) {
      if (isBlank(buf, pos, nl)) {
        flush();
        pos = nl + 1;
        line++;
        continue;
      }
      recStart = pos;
      recLine = line;
      recFirstLineEnd = nl;
      recLines = 0;
      parity = 0;
    } else if (recLines >= maxLines || (looksLikeRecordStart && looksLikeRecordStart(buf.toString('utf8', pos, Math.min(nl, pos + 64))))) {
      broken(recLines >= maxLines ? 'too-long' : 'unclosed');
      continue;
    }
    // Count the quotes on this line (jumping from quote to quote: most lines have none).
    if (nextQuote !== -1 && nextQuote < pos) nextQuote = buf.indexOf(QUOTE, pos);
    while (nextQuote !== -1 && nextQuote < nl) {
      parity ^= 1;
      nextQuote = buf.indexOf(QUOTE, nextQuote + 1);
    }
    recLines++;
    line++;
    pos = nl + 1;
    if (parity === 0) {
      const end = nl > recStart && buf[nl - 1] === 0x0d ? nl - 1 : nl;
      // Consecutive records share a run: blank lines and broken records flush it.
      if (run) {
        run.records.push({ line: recLine, start: recStart, end });
        run.end = end;
      } else {
        flush();
        run = { start: recStart, end, records: [{ line: recLine, start: recStart, end }] };
      }
      recStart = -1;
    }
  }
  flush();
  return { items, rest: recStart === -1 ? pos : recStart, restLine: recStart === -1 ? line : recLine };
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

// Cell counts are checked here against the header, not by csv-parse: it compares with the first
// row of each parse call, which would blame every good row after a bad first one. Records reach
// csv-parse already cut by the scanner (at newlines outside quotes, a CR before the newline
// dropped), one per line of what it is given: its record delimiter is the newline, so a CR inside
// a cell is text, as it is for the plain rows split below, and every file is read alike whatever
// its first line ends with.
const PARSE_OPTIONS = { relax_column_count: true, skip_empty_lines: false, record_delimiter: '\n' } as const;

/**
 * A run's records in order. A record without a quote is split on commas here: with csv-parse's
 * options above (no quote in it, no trimming, no comments, newline-delimited) that is exactly what
 * csv-parse returns for it, at a fraction of the cost, and most rows of a real export are like
 * that. The records with quotes are copied one after the other, each ending in a newline, and go
 * through csv-parse in one call (a call has a fixed cost that small groups would pay again and
 * again).
 */
function parseRun(buf: Buffer, run: Run, header: Header, out: CsvEvent[]): void {
  let nextQuote = buf.indexOf(QUOTE, run.start);
  const events: (CsvEvent | undefined)[] = new Array(run.records.length);
  const quoted: number[] = [];
  // Bytes no text field holds (NUL, invalid UTF-8) are looked for in the whole run at once, and
  // record by record only when the run has some: decoding would silently turn them into U+FFFD.
  const suspect = hasNul(buf, run.start, run.end) || !isUtf8(buf.subarray(run.start, run.end));
  for (let i = 0; i < run.records.length; i++) {
    const r = run.records[i]!;
    if (suspect) {
      const bad = badBytes(buf, r.start, r.end);
      if (bad) {
        events[i] = { kind: 'error', line: r.line, message: bad };
        continue;
      }
    }
    if (nextQuote !== -1 && nextQuote < r.start) nextQuote = buf.indexOf(QUOTE, r.start);
    if (nextQuote === -1 || nextQuote >= r.end) events[i] = rowEvent(r.line, buf.toString('utf8', r.start, r.end).split(','), header);
    else quoted.push(i);
  }
  if (quoted.length > 0) {
    let size = 0;
    for (const i of quoted) size += run.records[i]!.end - run.records[i]!.start + 1;
    const joined = Buffer.allocUnsafe(size);
    const records: Run['records'] = [];
    let at = 0;
    for (const i of quoted) {
      const r = run.records[i]!;
      buf.copy(joined, at, r.start, r.end);
      records.push({ line: r.line, start: at, end: at + (r.end - r.start) });
      at += r.end - r.start;
      joined[at++] = NL;
    }
    const parsed: CsvEvent[] = [];
    parseWithCsvParse(joined, { start: 0, end: at - 1, records }, header, parsed);
    quoted.forEach((i, k) => (events[i] = parsed[k]));
  }
  for (const e of events) out.push(e!);
}

function parseWithCsvParse(buf: Buffer, run: Run, header: Header, out: CsvEvent[]): void {
  // Fast path: the whole run at once; it must give one record per record the scanner found.
  let failed = false;
  let rows: string[][] | undefined;
  try {
    rows = parse(buf.subarray(run.start, run.end), {
      ...PARSE_OPTIONS,
      skip_records_with_error: true,
      on_skip: () => {
        failed = true;
        return undefined;
      },
    }) as string[][];
  } catch {
    rows = undefined;
  }
  if (rows && !failed && rows.length === run.records.length) {
    for (let i = 0; i < rows.length; i++) out.push(rowEvent(run.records[i]!.line, rows[i]!, header));
    return;
  }
  // Slow path: one record at a time, so each bad one is reported on its own line.
  for (const r of run.records) {
    const one = parseOne(buf.subarray(r.start, r.end));
    if (one.ok) out.push(rowEvent(r.line, one.row, header));
    else out.push({ kind: 'error', line: r.line, message: `the row is not valid CSV (${describeCsvError(one.error)}); it was skipped` });
  }
}

/** The header's columns, and the positions of each name it holds more than once. */
interface Header {
  columns: string[];
  duplicates: number[][];
}

function headerOf(columns: string[]): Header {
  const at = new Map<string, number[]>();
  columns.forEach((c, i) => at.set(c, [...(at.get(c) ?? []), i]));
  return { columns, duplicates: [...at.values()].filter((d) => d.length > 1) };
}

/** A column name as messages show it: quoted, and only if it looks like one. */
function shownName(name: string): string {
  return /^[\x20-\x7e]{1,60}$/.test(name) ? `"${name}"` : '(with an unusual name)';
}

function rowEvent(line: number, cells: string[], header: Header): CsvEvent {
  const width = header.columns.length;
  if (cells.length !== width) return { kind: 'error', line, message: `the row has ${cells.length} cells where the header has ${width}; it was skipped` };
  // The header again (files concatenated with their headers): not a user called "id".
  if (cells.every((c, i) => c.trim() === header.columns[i])) return { kind: 'error', line, message: 'the row repeats the header row (files joined with their headers?); it was skipped' };
  for (const d of header.duplicates) {
    const first = cells[d[0]!];
    if (d.some((i) => cells[i] !== first)) {
      return { kind: 'error', line, message: `the row has different values in its ${d.length} ${shownName(header.columns[d[0]!]!)} columns; it was skipped` };
    }
  }
  return { kind: 'row', line, cells };
}

function hasNul(buf: Buffer, start: number, end: number): boolean {
  const at = buf.indexOf(0, start);
  return at !== -1 && at < end;
}

/** Why a record's bytes cannot be text, or undefined when they can. */
function badBytes(buf: Buffer, start: number, end: number): string | undefined {
  if (hasNul(buf, start, end)) return 'the row holds a NUL byte (\\0), which no field of a user may hold (a binary or UTF-16 file?); it was skipped';
  if (!isUtf8(buf.subarray(start, end))) return 'the row is not valid UTF-8 (bytes that are no character: a file saved in another encoding, such as Latin-1?); it was skipped';
  return undefined;
}

type ParsedOne = { ok: true; row: string[] } | { ok: false; error: unknown };

function parseOne(bytes: Buffer): ParsedOne {
  try {
    const rows = parse(bytes, PARSE_OPTIONS) as string[][];
    if (rows.length !== 1) return { ok: false, error: new Error('CSV_RECORD_COUNT') };
    return { ok: true, row: rows[0]! };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * A description of a csv-parse error without the field's value: csv-parse quotes the offending
 * value in its messages, and the value may be a password digest or a TOTP secret.
 */
export function describeCsvError(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  switch (code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return 'it does not have as many cells as the header';
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_OPENING_QUOTE':
      return 'a quote appears inside an unquoted cell';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quoted cell is followed by text before the next comma';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted cell is never closed';
    default:
      return code ? `csv-parse ${code}` : 'unreadable row';
  }
}

function brokenMessage(reason: 'unclosed' | 'too-long'): string {
  return reason === 'unclosed'
    ? 'the row opens a quoted cell that is never closed before the next row; it was skipped and the following lines were read as rows'
    : 'the row spans too many lines (an unbalanced quote?); it was skipped and the following lines were read as rows';
}
