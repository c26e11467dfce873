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
