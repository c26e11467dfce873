import { createHash } from 'node:crypto';

/** Runs a parametrised statement and returns its rows (a tenant transaction, or an admin connection). */
export type QueryFn = (sql: string, params?: unknown[]) => Promise<any[]>;

export const GENESIS = Buffer.alloc(32);
const SEAL_BATCH = 5000;
const VERIFY_BATCH = 20000;
/**
 * Events are chained in transaction order, and their clock times overlap only as long as
 * transactions do (seconds: statement timeouts bound them). An event that claims to be far
 * older than the one sealed before it was not written by the application: it was inserted.
 */
export const MAX_BACKWARD_SKEW_MS = 60 * 60 * 1000;

export function chainHash(prev: Buffer, digest: Buffer, seq: bigint): Buffer {
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigUInt64BE(seq);
  return createHash('sha256').update(prev).update(digest).update(seqBytes).digest();
}

/**
 * Appends the municipality's final, not yet sealed events to its chain (see the migration
 * AuditChain for why sealing after commit, in transaction order, is safe). Must run in a
 * transaction; concurrent sealers of one municipality queue on its head row. Returns how many
 * events were sealed.
 */
export async function sealChain(q: QueryFn, municipalityId: string): Promise<number> {
  await q(`INSERT INTO audit_chain_heads (municipality_id) VALUES ($1) ON CONFLICT DO NOTHING`, [municipalityId]);
  // Timestamps stay text end to end: JavaScript dates would drop PostgreSQL's microseconds.
  const [head] = await q(`SELECT seq::text AS seq, hash FROM audit_chain_heads WHERE municipality_id = $1 FOR UPDATE`, [municipalityId]);
  const [{ horizon }] = await q(`SELECT audit_horizon()::text AS horizon`);
  const rows: Array<{ id: string; occurred_at: string; txid: string; digest: Buffer }> = await q(
    `SELECT e.id, e.occurred_at::text AS occurred_at, e.txid::text AS txid, audit_event_digest(e) AS digest
     FROM audit_events e
     LEFT JOIN audit_chain_heads h ON h.municipality_id = e.municipality_id
     LEFT JOIN audit_chain c ON c.municipality_id = h.municipality_id AND c.seq = h.seq
     WHERE e.municipality_id = $1 AND e.txid < $2::xid8
       AND (c.event_id IS NULL OR (e.txid, e.occurred_at, e.id) > (h.watermark, c.event_occurred_at, c.event_id))
     ORDER BY e.txid, e.occurred_at, e.id
     LIMIT ${SEAL_BATCH}`,
    [municipalityId, horizon],
  );
  if (!rows.length) return 0;
  let prev: Buffer = head.hash;
  let seq = BigInt(head.seq);
  const seqs: string[] = [];
  const hashes: Buffer[] = [];
  for (const row of rows) {
    seq += 1n;
    prev = chainHash(prev, row.digest, seq);
    seqs.push(seq.toString());
    hashes.push(prev);
  }
  await q(
    `INSERT INTO audit_chain (municipality_id, seq, event_id, event_occurred_at, digest, hash)
     SELECT $1, s.seq, s.event_id, s.at, s.digest, s.hash
     FROM unnest($2::bigint[], $3::uuid[], $4::text[]::timestamptz[], $5::bytea[], $6::bytea[]) AS s(seq, event_id, at, digest, hash)`,
    [municipalityId, seqs, rows.map((r) => r.id), rows.map((r) => r.occurred_at), rows.map((r) => r.digest), hashes],
  );
  const last = rows[rows.length - 1];
  await q(`UPDATE audit_chain_heads SET seq = $2, hash = $3, watermark = $4::xid8, sealed_at = now() WHERE municipality_id = $1`, [municipalityId, seq.toString(), prev, last.txid]);
  return rows.length;
}

/** Seals until nothing final is left unsealed (the caller's transaction). */
export async function sealBacklog(q: QueryFn, municipalityId: string): Promise<void> {
  while ((await sealChain(q, municipalityId)) > 0) {
    // batches of SEAL_BATCH until the backlog is empty
  }
}

export interface VerifyResult {
  valid: boolean;
  eventsChecked: number;
  firstInvalidEventId: string | null;
  reason?: string;
}

/**
 * Walks the chain of one municipality: every sealed event must still exist with the same
 * content (digest), in the same place (chain hash), with no gap in the sequence, and no
 * event may sit among the sealed ones without being in the chain (an inserted one).
 */
export async function verifyChain(q: QueryFn, municipalityId: string): Promise<VerifyResult> {
  const [head] = await q(`SELECT seq::text AS seq, hash FROM audit_chain_heads WHERE municipality_id = $1`, [municipalityId]);
  let prev: Buffer = GENESIS;
  let expected = 1n;
  let checked = 0;
  let lastAt = -Infinity;
  let last: string | null = null;
  const fail = (eventId: string | null, reason: string): VerifyResult => ({ valid: false, eventsChecked: checked, firstInvalidEventId: eventId, reason });
  for (;;) {
    const rows: Array<{ seq: string; event_id: string; event_occurred_at: Date; digest: Buffer; hash: Buffer; actual: Buffer | null }> = await q(
      `SELECT c.seq::text AS seq, c.event_id, c.event_occurred_at, c.digest, c.hash,
              CASE WHEN e.id IS NULL THEN NULL ELSE audit_event_digest(e) END AS actual
       FROM audit_chain c
       LEFT JOIN audit_events e ON e.municipality_id = c.municipality_id AND e.occurred_at = c.event_occurred_at AND e.id = c.event_id
       WHERE c.municipality_id = $1 AND c.seq >= $2
       ORDER BY c.seq LIMIT ${VERIFY_BATCH}`,
      [municipalityId, expected.toString()],
    );
    for (const row of rows) {
      if (BigInt(row.seq) !== expected) return fail(row.event_id, `the chain skips from ${expected - 1n} to ${row.seq}: events were removed`);
      if (!row.actual) return fail(row.event_id, 'a sealed event is missing: it was deleted or moved');
      if (!row.actual.equals(row.digest)) return fail(row.event_id, 'a sealed event was changed');
      const hash = chainHash(prev, row.digest, expected);
      if (!hash.equals(row.hash)) return fail(row.event_id, 'the chain does not link here: events were reordered or the chain rewritten');
      const at = new Date(row.event_occurred_at).getTime();
      if (at < lastAt - MAX_BACKWARD_SKEW_MS) return fail(row.event_id, 'an event claims a time far before the event sealed before it: it was inserted');
      lastAt = Math.max(lastAt, at);
      prev = hash;
      expected += 1n;
      checked += 1;
      last = row.event_id;
    }
    if (rows.length < VERIFY_BATCH) break;
  }
  if (head && (BigInt(head.seq) !== expected - 1n || !Buffer.from(head.hash).equals(prev))) {
    return fail(last, 'the chain head does not match the chain: sealed events were removed from its end');
  }
  if (head && last) {
    const [inserted] = await q(
      `SELECT e.id FROM audit_events e
       JOIN audit_chain_heads h ON h.municipality_id = e.municipality_id
       JOIN audit_chain l ON l.municipality_id = h.municipality_id AND l.seq = h.seq
       WHERE e.municipality_id = $1 AND (e.txid, e.occurred_at, e.id) <= (h.watermark, l.event_occurred_at, l.event_id)
         AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.municipality_id = e.municipality_id AND c.event_id = e.id)
       ORDER BY e.occurred_at, e.id LIMIT 1`,
      [municipalityId],
    );
    if (inserted) return fail(inserted.id, 'an event sits among sealed ones without being in the chain: it was inserted');
  }
  return { valid: true, eventsChecked: checked, firstInvalidEventId: null };
}
