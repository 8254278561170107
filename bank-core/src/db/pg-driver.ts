import pg from 'pg';
import { withAfterCommit, withRetries, type Database, type QueryResult, type Row } from './database';

/** A PostgreSQL server through a node-postgres pool: the production and multi-instance mode. */
export async function openPg(connectionString: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: poolSize, application_name: 'bank-core' });
  // An idle client that loses its connection emits here; without a listener it would crash the process.
  pool.on('error', () => undefined);
  await pool.query('SELECT 1');

  const queryOn =
    (client: pg.Pool | pg.PoolClient) =>
    async <R extends Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
      const result = await client.query(sql, params as unknown[] | undefined);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
    };

  return {
    driver: 'pg',
    query: queryOn(pool),
    transaction: (work) =>
      withRetries(() =>
        withAfterCommit(async (afterCommit) => {
          const client = await pool.connect();
          let broken: Error | undefined;
          try {
            await client.query('BEGIN');
            const result = await work({
              query: queryOn(client),
              exec: async (sql) => {
                await client.query(sql);
              },
              afterCommit,
            });
            await client.query('COMMIT');
            return result;
          } catch (error) {
            await client.query('ROLLBACK').catch((rollbackError: Error) => {
              broken = rollbackError;
            });
            throw error;
          } finally {
            // A connection whose rollback failed is in an unknown state: destroy it, never reuse it.
            client.release(broken);
          }
        }),
      ),
    close: () => pool.end(),
  };
}
