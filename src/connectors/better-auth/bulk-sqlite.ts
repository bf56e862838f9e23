import type Database from 'better-sqlite3';

export type Row = Record<string, unknown>;

/** One row as the database gets it: the table (Better Auth's model name) and its columns. */
export interface TableRow {
  table: string;
  row: Row;
}

/** PostgreSQL takes at most 65,535 parameters per statement. */
export const MAX_PARAMS = 60_000;

export interface Group {
  table: string;
  cols: string[];
  rows: Row[];
}

export function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Consecutive rows of one table with the same columns, so each group is one multi-row INSERT (order kept). */
export function groups(rows: readonly TableRow[]): Group[] {
  const out: Group[] = [];
  for (const { table, row } of rows) {
    const cols = Object.keys(row);
    const last = out[out.length - 1];
    if (last && last.table === table && last.cols.length === cols.length && last.cols.every((c, i) => c === cols[i]) && (last.rows.length + 1) * cols.length <= MAX_PARAMS)
      last.rows.push(row);
    else out.push({ table, cols, rows: [row] });
  }
  return out;
}

/**
 * `rows` in one better-sqlite3 transaction, in order, all or nothing. One prepared statement per run
 * of rows with the same table and columns (cached in `statements`): building the statement's text
 * for each row cost about as much as running it (profile of bench:better-auth).
 */
export function insertGroupsSqlite(db: Database.Database, statements: Map<string, Database.Statement>, rows: readonly TableRow[]): void {
  db.transaction(() => {
    for (const g of groups(rows)) {
      const sql = `INSERT INTO ${quote(g.table)} (${g.cols.map(quote).join(', ')}) VALUES (${g.cols.map(() => '?').join(', ')})`;
      let stmt = statements.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        statements.set(sql, stmt);
      }
      for (const row of g.rows) stmt.run(g.cols.map((c) => row[c]));
    }
  })();
}
