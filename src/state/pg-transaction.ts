import type pg from 'pg';

/**
 * Runs `fn` on one pooled connection inside BEGIN … COMMIT, rolling back on any error and always
 * releasing the connection. The one place flagless opens a PostgreSQL transaction.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const result = await fn(c);
    await c.query('COMMIT');
    return result;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}
