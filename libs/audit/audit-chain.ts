import { createHash } from 'node:crypto';

/** Runs a parametrised statement and returns its rows (a tenant transaction, or an admin connection). */
export type QueryFn = (sql: string, params?: unknown[]) => Promise<any[]>;

export const GENESIS = Buffer.alloc(32);
const SEAL_BATCH = 5000;
/** chain rows per audit_verify_range call: one statement of well under a second, its hash table in memory */
const VERIFY_RANGE = 200_000;
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
  // The head and the last sealed event, read first: their values bound the index range of the
  // events below (a condition joined to them instead was a filter, and every pass read the
  // whole sealed history: seconds a pass at ten million events).
  const [head] = await q(
    `SELECT h.seq::text AS seq, h.hash, h.watermark::text AS watermark, c.event_occurred_at::text AS last_at, c.event_id AS last_id
     FROM audit_chain_heads h
     LEFT JOIN audit_chain c ON c.municipality_id = h.municipality_id AND c.seq = h.seq
     WHERE h.municipality_id = $1
     FOR UPDATE OF h`,
    [municipalityId],
  );
  const [{ horizon }] = await q(`SELECT audit_horizon()::text AS horizon`);
  const rows: Array<{ id: string; occurred_at: string; txid: string; digest: Buffer }> = await q(
    `SELECT e.id, e.occurred_at::text AS occurred_at, e.txid::text AS txid, audit_event_digest(e) AS digest
     FROM audit_events e
     WHERE e.municipality_id = $1 AND e.txid < $2::xid8 AND e.txid >= $3::xid8
       AND ($5::uuid IS NULL OR (e.txid, e.occurred_at, e.id) > ($3::xid8, $4::timestamptz, $5::uuid))
     ORDER BY e.txid, e.occurred_at, e.id
     LIMIT ${SEAL_BATCH}`,
    [municipalityId, horizon, head.watermark, head.last_at, head.last_id],
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

/** What `audit_verify_range` (migration AuditVerifyFast) answers for one range of the chain. */
interface RangeResult {
  checked: string;
  last_seq: string;
  max_at: string | null;
  /** the first failure found from the chain alone: [seq, event id, gap | link | skew, the seq before it] */
  link_failure: [string, string, 'gap' | 'link' | 'skew', string] | null;
  missing_seq: string | null;
  changed_seq: string | null;
  /** the range's events at or before the head's (watermark, last event): the sealed region */
  in_region: string;
}

/**
 * Checks the chain of one municipality as a walk from its first event would: every sealed event
 * must still exist with the same content (digest), in the same place (chain hash), with no gap
 * in the sequence, and no event may sit among the sealed ones without being in the chain (an
 * inserted one). The first failure in seq order is reported, as the walk met it.
 *
 * Each row stores its hash, so every link is checked against the stored hash before it: the
 * chain is checked in PostgreSQL a range of VERIFY_RANGE rows at a time (`audit_verify_range`:
 * the chain alone in seq order, then the range's events by a parallel hash join over its time
 * bounds), and only each range's first failures, its last seq and its latest event time come
 * back. Works in the caller's transaction or on any connection (each range is one statement).
 */
export async function verifyChain(q: QueryFn, municipalityId: string): Promise<VerifyResult> {
  // the head, and the sealed region it closes: events at or before (watermark, its last event)
  const [head]: Array<{ seq: string; hash: Buffer; watermark: string; last_at: string | null; last_id: string | null }> = await q(
    `SELECT h.seq::text AS seq, h.hash, h.watermark::text AS watermark, l.event_occurred_at::text AS last_at, l.event_id AS last_id
     FROM audit_chain_heads h LEFT JOIN audit_chain l ON l.municipality_id = h.municipality_id AND l.seq = h.seq
     WHERE h.municipality_id = $1`,
    [municipalityId],
  );
  const fail = (checked: bigint, eventId: string | null, reason: string): VerifyResult => ({ valid: false, eventsChecked: Number(checked), firstInvalidEventId: eventId, reason });
  const eventIdAt = async (seq: string): Promise<string | null> =>
    (await q(`SELECT event_id FROM audit_chain WHERE municipality_id = $1 AND seq = $2`, [municipalityId, seq]))[0]?.event_id ?? null;
  let after = '0';
  let maxBefore: string | null = null;
  let inRegion = 0n;
  for (;;) {
    const [r]: RangeResult[] = await q(
      `SELECT checked::text, last_seq::text, max_at::text, link_failure, missing_seq::text, changed_seq::text, in_region::text
       FROM audit_verify_range($1, $2, $3, $4::timestamptz, $5::interval, $6::xid8, $7::timestamptz, $8::uuid)`,
      [municipalityId, after, VERIFY_RANGE, maxBefore, `${MAX_BACKWARD_SKEW_MS} milliseconds`, head?.watermark ?? null, head?.last_at ?? null, head?.last_id ?? null],
    );
    // The range reports the first chain-only failure and, up to it, the first missing and changed
    // events: the earliest seq wins; at one seq the walk's order (gap, missing, changed, link, skew).
    const link = r.link_failure;
    const digestSeq = [r.missing_seq, r.changed_seq].filter((s): s is string => s !== null).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))[0];
    if (link && (!digestSeq || BigInt(link[0]) < BigInt(digestSeq) || (link[0] === digestSeq && link[2] === 'gap'))) {
      const [seq, eventId, kind, before] = link;
      const reason =
        kind === 'gap' ? `the chain skips from ${before} to ${seq}: events were removed`
        : kind === 'link' ? 'the chain does not link here: events were reordered or the chain rewritten'
        : 'an event claims a time far before the event sealed before it: it was inserted';
      return fail(BigInt(before), eventId, reason);
    }
    if (digestSeq) {
      return fail(BigInt(digestSeq) - 1n, await eventIdAt(digestSeq), digestSeq === r.missing_seq ? 'a sealed event is missing: it was deleted or moved' : 'a sealed event was changed');
    }
    if (r.checked === '0') break; // the chain ends after `after`
    after = r.last_seq;
    maxBefore = r.max_at;
    inRegion += BigInt(r.in_region);
  }
  const checked = BigInt(after);
  const last = checked > 0n ? (await q(`SELECT event_id, hash FROM audit_chain WHERE municipality_id = $1 AND seq = $2`, [municipalityId, after]))[0] : undefined;
  if (head && (BigInt(head.seq) !== checked || !Buffer.from(head.hash).equals(last?.hash ?? GENESIS))) {
    return fail(checked, last?.event_id ?? null, 'the chain head does not match the chain: sealed events were removed from its end');
  }
  if (head && last) {
    // Every chain row's event was found, and inRegion of them lie in the sealed region: when the
    // region holds no more events than that, each of its events is in the chain. Otherwise find
    // the first one that is not (an event whose txid was changed also lands here).
    const [{ n }] = await q(
      `SELECT (SELECT count(*) FROM audit_events WHERE municipality_id = $1 AND txid < $2::xid8)
            + (SELECT count(*) FROM audit_events WHERE municipality_id = $1 AND txid = $2::xid8 AND (occurred_at, id) <= ($3::timestamptz, $4::uuid)) AS n`,
      [municipalityId, head.watermark, head.last_at, head.last_id],
    );
    if (BigInt(n) !== inRegion) {
      const [inserted] = await q(
        `SELECT e.id FROM audit_events e
         JOIN audit_chain_heads h ON h.municipality_id = e.municipality_id
         JOIN audit_chain l ON l.municipality_id = h.municipality_id AND l.seq = h.seq
         WHERE e.municipality_id = $1 AND (e.txid, e.occurred_at, e.id) <= (h.watermark, l.event_occurred_at, l.event_id)
           AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.municipality_id = e.municipality_id AND c.event_id = e.id)
         ORDER BY e.occurred_at, e.id LIMIT 1`,
        [municipalityId],
      );
      if (inserted) return fail(checked, inserted.id, 'an event sits among sealed ones without being in the chain: it was inserted');
    }
  }
  return { valid: true, eventsChecked: Number(checked), firstInvalidEventId: null };
}
