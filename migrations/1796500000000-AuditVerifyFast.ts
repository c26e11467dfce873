import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './sql';

/**
 * Verifying the audit chain inside PostgreSQL, a range of the chain per call (issue 6: at least
 * 200,000 events a second).
 *
 * verifyChain used to fetch every chain row with its event's recomputed digest, one per-row
 * index lookup across the monthly partitions each, and hash the chain again in Node. Every
 * chain row stores its own hash, so each link can be checked against its predecessor's stored
 * hash instead; checking every link that way (plus the head against the last row) is the same
 * as walking the chain, and needs no row to leave the database. `audit_verify_range` checks
 * the chain rows after `p_after` in two statements:
 *
 * 1. the chain alone, in seq order from its primary key (no sort): no gap in the sequence,
 *    every hash links to the stored hash before it, no event more than `p_max_skew` before the
 *    latest sealed before it (the carried `p_max_before` joins the range's running maximum);
 * 2. the range joined to its events by a hash join over the range's time bounds (the monthly
 *    partitions outside them are pruned), each event's digest computed where it is scanned:
 *    the scan, digest and join run in parallel workers. It answers the first seq whose event
 *    is missing or changed, and how many of the range's events lie in the sealed region (so
 *    the caller can tell without an anti-join that nothing was inserted there).
 *
 * Only the first failure of each kind comes back; the caller ranks them as the walk did.
 *
 * The function's settings hold for its own statements only: no JIT (compiling would take
 * longer than these statements run), custom plans (the range's bounds decide the partitions
 * and the join), memory for the range's hash table, and costs that let the planner use the
 * workers and the primary key of audit_chain (whose rows are in seq order on disk).
 *
 * The event digest moves to `audit_event_digest_of`, over the columns: an SQL function of a
 * single expression is inlined, so it runs as fast as the expression written out and may run in
 * parallel workers, which the PL/pgSQL `audit_event_digest(e)` (the sealer's) may not. That one
 * now calls it: one canonical text, the same bytes as before, every stored digest still matches.
 */
export class AuditVerifyFast1796500000000 implements MigrationInterface {
  name = 'AuditVerifyFast1796500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION audit_event_digest_of(
        id uuid, municipality_id uuid, occurred_at timestamptz, actor_id uuid, actor_agency_id uuid, actor_roles text[],
        action text, entity_type text, entity_id uuid, case_id uuid, request_id text, client_ip text, changed_fields text[],
        restricted boolean, detail jsonb
      ) RETURNS bytea
      -- STABLE as its body is (to_char, array_to_string): an IMMUTABLE one would not be inlined.
      LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT sha256(convert_to(concat_ws(E'\\x1f',
          id::text, municipality_id::text, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          coalesce(actor_id::text, ''), coalesce(actor_agency_id::text, ''), array_to_string(actor_roles, ','),
          action, entity_type, coalesce(entity_id::text, ''), coalesce(case_id::text, ''),
          coalesce(request_id, ''), coalesce(client_ip, ''), array_to_string(changed_fields, ','),
          restricted::text, detail::text), 'UTF8'))
      $$;

      CREATE OR REPLACE FUNCTION audit_event_digest(e audit_events) RETURNS bytea
      LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
      BEGIN
        RETURN audit_event_digest_of(e.id, e.municipality_id, e.occurred_at, e.actor_id, e.actor_agency_id, e.actor_roles,
          e.action, e.entity_type, e.entity_id, e.case_id, e.request_id, e.client_ip, e.changed_fields, e.restricted, e.detail);
      END $$;

      CREATE FUNCTION audit_verify_range(
        p_municipality uuid, p_after bigint, p_size integer, p_max_before timestamptz, p_max_skew interval,
        p_watermark xid8, p_last_at timestamptz, p_last_id uuid
      ) RETURNS TABLE (
        checked bigint,          -- chain rows in the range (0: the chain ends, or skips, after p_after)
        last_seq bigint,
        max_at timestamptz,      -- the latest event time up to the range's end (with p_max_before)
        link_failure text[],     -- the first chain-only failure: {seq, event_id, gap|link|skew, seq before it}
        missing_seq bigint,      -- the first seq whose event is gone
        changed_seq bigint,      -- the first seq whose event's digest differs
        in_region bigint         -- events of the range at or before (p_watermark, p_last_at, p_last_id)
      )
      LANGUAGE plpgsql STABLE
      SET jit = off SET plan_cache_mode = force_custom_plan SET work_mem = '64MB'
      SET random_page_cost = 1.1 SET parallel_setup_cost = 100 SET parallel_tuple_cost = 0.01
      AS $$
      DECLARE
        v_prev_hash bytea := '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
        v_checked bigint; v_last bigint; v_min timestamptz; v_max timestamptz; v_failure text[];
      BEGIN
        -- the link into the range starts from the stored hash before it (the previous range checked it)
        IF p_after > 0 THEN
          SELECT c.hash INTO v_prev_hash FROM audit_chain c WHERE c.municipality_id = p_municipality AND c.seq = p_after;
        END IF;
        SELECT count(*), max(r.seq), min(r.at), max(r.at),
               -- (an array of arrays is two-dimensional, and [1] of that is NULL: join the fields instead)
               string_to_array((array_agg(concat_ws(' ', r.seq, r.event_id, r.reason, r.prev_seq) ORDER BY r.seq) FILTER (WHERE r.reason IS NOT NULL))[1], ' ')
          INTO v_checked, v_last, v_min, v_max, v_failure
        FROM (
          SELECT c.seq, c.event_id, c.event_occurred_at AS at, lag(c.seq, 1, p_after) OVER w AS prev_seq,
            CASE
              WHEN c.seq <> lag(c.seq, 1, p_after) OVER w + 1 THEN 'gap'
              -- (no stored hash before the range, if it vanished since: no link either)
              WHEN sha256(lag(c.hash, 1, v_prev_hash) OVER w || c.digest || int8send(c.seq)) IS DISTINCT FROM c.hash THEN 'link'
              -- as the walk compared them: in whole milliseconds
              WHEN c.event_occurred_at < greatest(p_max_before, max(c.event_occurred_at) OVER w) - p_max_skew
               AND date_trunc('milliseconds', c.event_occurred_at) < date_trunc('milliseconds', greatest(p_max_before, max(c.event_occurred_at) OVER w)) - p_max_skew THEN 'skew'
            END AS reason
          FROM audit_chain c
          WHERE c.municipality_id = p_municipality AND c.seq > p_after AND c.seq <= p_after + p_size
          WINDOW w AS (ORDER BY c.seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
        ) r;

        IF v_checked = 0 THEN
          -- nothing in (p_after, p_after + p_size]: the end of the chain, or a gap at least that long
          SELECT ARRAY[c.seq::text, c.event_id::text, 'gap', p_after::text] INTO v_failure
          FROM audit_chain c WHERE c.municipality_id = p_municipality AND c.seq > p_after ORDER BY c.seq LIMIT 1;
          RETURN QUERY SELECT 0::bigint, p_after, p_max_before, v_failure, NULL::bigint, NULL::bigint, 0::bigint;
          RETURN;
        END IF;

        -- RETURN QUERY (not SELECT INTO) so that this statement may use parallel workers
        RETURN QUERY
        SELECT v_checked, v_last, greatest(p_max_before, v_max), v_failure,
               min(c.seq) FILTER (WHERE e.id IS NULL),
               min(c.seq) FILTER (WHERE e.digest <> c.digest),
               count(*) FILTER (WHERE (e.txid, e.occurred_at, e.id) <= (p_watermark, p_last_at, p_last_id))
        FROM audit_chain c
        LEFT JOIN (
          SELECT a.id, a.occurred_at, a.txid,
                 audit_event_digest_of(a.id, a.municipality_id, a.occurred_at, a.actor_id, a.actor_agency_id, a.actor_roles, a.action,
                   a.entity_type, a.entity_id, a.case_id, a.request_id, a.client_ip, a.changed_fields, a.restricted, a.detail) AS digest
          FROM audit_events a
          WHERE a.municipality_id = p_municipality AND a.occurred_at BETWEEN v_min AND v_max
        ) e ON e.occurred_at = c.event_occurred_at AND e.id = c.event_id
        WHERE c.municipality_id = p_municipality AND c.seq > p_after AND c.seq <= coalesce(v_failure[1]::bigint, v_last);
      END $$;
      GRANT EXECUTE ON FUNCTION audit_verify_range(uuid, bigint, integer, timestamptz, interval, xid8, timestamptz, uuid) TO ${APP_ROLE};
      GRANT EXECUTE ON FUNCTION audit_event_digest_of(uuid, uuid, timestamptz, uuid, uuid, text[], text, text, uuid, uuid, text, text, text[], boolean, jsonb) TO ${APP_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS audit_verify_range(uuid, bigint, integer, timestamptz, interval, xid8, timestamptz, uuid);
      CREATE OR REPLACE FUNCTION audit_event_digest(e audit_events) RETURNS bytea
      LANGUAGE plpgsql IMMUTABLE PARALLEL UNSAFE AS $$
      BEGIN
        RETURN sha256(convert_to(concat_ws(E'\\x1f',
          e.id::text, e.municipality_id::text, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          coalesce(e.actor_id::text, ''), coalesce(e.actor_agency_id::text, ''), array_to_string(e.actor_roles, ','),
          e.action, e.entity_type, coalesce(e.entity_id::text, ''), coalesce(e.case_id::text, ''),
          coalesce(e.request_id, ''), coalesce(e.client_ip, ''), array_to_string(e.changed_fields, ','),
          e.restricted::text, e.detail::text), 'UTF8'));
      END $$;
      DROP FUNCTION IF EXISTS audit_event_digest_of(uuid, uuid, timestamptz, uuid, uuid, text[], text, text, uuid, uuid, text, text, text[], boolean, jsonb);
    `);
  }
}
