import type { Client } from 'pg';
import { round1 } from './proc';

/**
 * PostgreSQL's own counters for the bench database (pg_stat_database), to turn a scenario
 * into work per request: transactions, rows read and written, buffer hits and reads.
 * Backends flush these at most once a second, so the figures are close, not exact.
 */

export interface DbCounters {
  xactCommit: number;
  xactRollback: number;
  tupReturned: number;
  tupFetched: number;
  tupInserted: number;
  tupUpdated: number;
  blksHit: number;
  blksRead: number;
}

export interface DbPerRequest {
  transactions: number;
  rollbacks: number;
  rowsInserted: number;
  rowsUpdated: number;
  rowsRead: number;
  bufferHits: number;
  bufferReads: number;
}

export async function dbCounters(admin: Client, database: string): Promise<DbCounters> {
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await admin.query<Record<string, string>>(
    `SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, blks_hit, blks_read
     FROM pg_stat_database WHERE datname = $1`,
    [database],
  );
  const r = rows[0] ?? {};
  return {
    xactCommit: Number(r.xact_commit ?? 0),
    xactRollback: Number(r.xact_rollback ?? 0),
    tupReturned: Number(r.tup_returned ?? 0),
    tupFetched: Number(r.tup_fetched ?? 0),
    tupInserted: Number(r.tup_inserted ?? 0),
    tupUpdated: Number(r.tup_updated ?? 0),
    blksHit: Number(r.blks_hit ?? 0),
    blksRead: Number(r.blks_read ?? 0),
  };
}

export function perRequest(a: DbCounters, b: DbCounters, requests: number): DbPerRequest {
  const per = (x: number) => (requests > 0 ? round1(x / requests) : NaN);
  return {
    transactions: per(b.xactCommit - a.xactCommit),
    rollbacks: per(b.xactRollback - a.xactRollback),
    rowsInserted: per(b.tupInserted - a.tupInserted),
    rowsUpdated: per(b.tupUpdated - a.tupUpdated),
    rowsRead: per(b.tupReturned - a.tupReturned + b.tupFetched - a.tupFetched),
    bufferHits: per(b.blksHit - a.blksHit),
    bufferReads: per(b.blksRead - a.blksRead),
  };
}

export type TableCounters = Map<string, { seqScan: number; seqTupRead: number; idxScan: number; idxTupFetch: number; inserted: number }>;

/** Per-table scan counters, to find the table a scenario reads more of than it should. */
export async function tableCounters(admin: Client): Promise<TableCounters> {
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await admin.query<Record<string, string>>(
    `SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0) AS idx_scan, coalesce(idx_tup_fetch, 0) AS idx_tup_fetch, n_tup_ins
     FROM pg_stat_user_tables`,
  );
  return new Map(
    rows.map((r) => [
      r.relname,
      { seqScan: Number(r.seq_scan), seqTupRead: Number(r.seq_tup_read), idxScan: Number(r.idx_scan), idxTupFetch: Number(r.idx_tup_fetch), inserted: Number(r.n_tup_ins) },
    ]),
  );
}

export interface TablePerRequest {
  table: string;
  seqScans: number;
  seqRowsRead: number;
  indexScans: number;
  indexRowsFetched: number;
  rowsInserted: number;
}

export function tablesPerRequest(a: TableCounters, b: TableCounters, requests: number): TablePerRequest[] {
  const out: TablePerRequest[] = [];
  for (const [table, after] of b) {
    const before = a.get(table) ?? { seqScan: 0, seqTupRead: 0, idxScan: 0, idxTupFetch: 0, inserted: 0 };
    const per = (x: number) => round1(x / Math.max(1, requests));
    const t = {
      table,
      seqScans: per(after.seqScan - before.seqScan),
      seqRowsRead: per(after.seqTupRead - before.seqTupRead),
      indexScans: per(after.idxScan - before.idxScan),
      indexRowsFetched: per(after.idxTupFetch - before.idxTupFetch),
      rowsInserted: per(after.inserted - before.inserted),
    };
    if (t.seqScans || t.seqRowsRead || t.indexScans || t.indexRowsFetched || t.rowsInserted) out.push(t);
  }
  return out.sort((x, y) => y.seqRowsRead + y.indexRowsFetched - (x.seqRowsRead + x.indexRowsFetched));
}
