import type { Client } from 'pg';
import { round1 } from './proc';

/**
 * Loading millions of rows the way a database restore does: the secondary indexes of the
 * tables are dropped before the COPY and built again after it from their own definitions
 * (pg_get_indexdef), which sorts once instead of updating every index row by row. Indexes
 * that back a constraint (primary keys, unique constraints) stay and are checked as the rows
 * arrive, and so do those named in `keep`: the ones the tables' statement triggers look rows up
 * by while the COPY goes on (without them every batch would read the whole table). With a superuser connection, foreign keys are not checked row by row either
 * (session_replication_role = replica, as pg_restore --disable-triggers does): the seeders
 * only point at rows that exist.
 */
export interface DeferredIndexes {
  /** the indexes dropped, by name */
  names: string[];
  /** builds them again (one after another) and answers the seconds it took */
  rebuild(client: Client): Promise<number>;
}

export async function deferIndexes(client: Client, tables: string[], keep: string[] = []): Promise<DeferredIndexes> {
  const { rows } = await client.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
     FROM pg_index i
     WHERE i.indrelid = ANY($1::regclass[])
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
       AND NOT (i.indexrelid::regclass::text = ANY($2::text[]))
     ORDER BY 1`,
    [tables, keep],
  );
  for (const { name } of rows) await client.query(`DROP INDEX ${name}`);
  return {
    names: rows.map((r) => r.name),
    async rebuild(c: Client) {
      const t0 = performance.now();
      await c.query(`SET maintenance_work_mem = '256MB'`);
      // a partitioned table's index is shown as ON ONLY the parent: built on every partition here
      for (const { def } of rows) await c.query(def.replace(' ON ONLY ', ' ON '));
      return round1((performance.now() - t0) / 1000);
    },
  };
}

/** Foreign keys unchecked on this connection while seeding, when it may (a superuser); answers whether it did. */
export async function skipForeignKeyChecks(client: Client): Promise<boolean> {
  const { rows } = await client.query<{ su: string }>(`SELECT current_setting('is_superuser') AS su`);
  if (rows[0].su !== 'on') return false;
  await client.query(`SET session_replication_role = replica`);
  return true;
}
