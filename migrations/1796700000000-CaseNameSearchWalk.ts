import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, TENANT } from './sql';

/** Newest cases read looking for a page of name matches before the gram index is asked. */
const WALK = 5000;

const SIGNATURE = `search_case_ids(
        p_grams text[], p_like text, p_agency uuid, p_supervisor boolean,
        p_status text, p_concern text, p_lead uuid,
        p_limit integer, p_after_created timestamptz, p_after_id uuid)
      RETURNS TABLE (id uuid)
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp`;

/** The caller's visibility (rule 8) and the list's filters, for a case `c` ($3 … $7 of search_case_ids). */
const VISIBLE_AND_FILTERED = `(c.lead_agency_id = $3
              OR EXISTS (SELECT 1 FROM case_agencies ca WHERE ca.municipality_id = c.municipality_id AND ca.case_id = c.id AND ca.agency_id = $3)
              OR EXISTS (SELECT 1 FROM referrals r WHERE r.municipality_id = c.municipality_id AND r.case_id = c.id AND r.to_agency_id = $3 AND r.status = 'pending')
              OR ($4 AND NOT c.restricted))
            AND ($5::text IS NULL OR c.status = $5)
            AND ($6::text IS NULL OR $6 = ANY(c.concerns))
            AND ($7::uuid IS NULL OR c.lead_agency_id = $7)`;

const BELOW_CURSOR = `($9::timestamptz IS NULL OR (c.created_at, c.id) < ($9, $10))`;

/**
 * Name search at a million household members. The first version let the planner choose per
 * call between the gram index and walking the newest cases; for a common family name (佐藤:
 * 20,000 matching cases of 1,000,000) its estimate chose the gram index, and every match
 * was fetched and sorted for one page: 100 ms alone, 160 ms for 髙橋.
 *
 * Now the newest cases are walked first, at most ${WALK} of them, stopping at a full page: a
 * common name fills its page after a few thousand (2 % of the cases match: ~2,500). Only
 * when the walk ends without a page are the remaining matches, older than the walk, taken
 * from the gram index — fewer than one in a hundred cases by then — and sorted. The same page
 * in the same order either way; visibility and filters are checked only on name matches.
 */
export class CaseNameSearchWalk1796700000000 implements MigrationInterface {
  name = 'CaseNameSearchWalk1796700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION ${SIGNATURE} AS $fn$
      DECLARE
        found uuid[];
        edge_created timestamptz;
        edge_id uuid;
      BEGIN
        -- The newest cases below the cursor, one index range read in order, until a page is found.
        EXECUTE $q$
          SELECT array_agg(w.id) FROM (
            SELECT w.id FROM (
              SELECT c.id, CASE WHEN c.search_text LIKE $2 THEN ${VISIBLE_AND_FILTERED} ELSE false END AS hit
              FROM cases c
              WHERE c.municipality_id = ${TENANT} AND ${BELOW_CURSOR}
              ORDER BY c.created_at DESC, c.id DESC
              LIMIT ${WALK}
            ) w
            WHERE w.hit
            LIMIT $8
          ) w $q$
        INTO found
        USING p_grams, p_like, p_agency, p_supervisor, p_status, p_concern, p_lead, p_limit, p_after_created, p_after_id;
        IF coalesce(cardinality(found), 0) >= p_limit THEN
          RETURN QUERY SELECT u.h FROM unnest(found) WITH ORDINALITY AS u(h, n) ORDER BY u.n;
          RETURN;
        END IF;
        -- Where the walk ended (none: it reached the oldest case, nothing more to find).
        EXECUTE $q$
          SELECT c.created_at, c.id FROM cases c
          WHERE c.municipality_id = ${TENANT} AND ${BELOW_CURSOR}
          ORDER BY c.created_at DESC, c.id DESC
          OFFSET ${WALK - 1} LIMIT 1 $q$
        INTO edge_created, edge_id
        USING p_grams, p_like, p_agency, p_supervisor, p_status, p_concern, p_lead, p_limit, p_after_created, p_after_id;
        IF edge_id IS NULL THEN
          RETURN QUERY SELECT u.h FROM unnest(found) WITH ORDINALITY AS u(h, n) ORDER BY u.n;
          RETURN;
        END IF;
        -- The rest of the page is older than the walk, among few matches: from the gram index,
        -- materialised so the planner cannot turn it back into a walk of every older case.
        RETURN QUERY EXECUTE $q$
          WITH older AS MATERIALIZED (
            SELECT c.id, c.created_at FROM cases c
            WHERE c.municipality_id = ${TENANT}
              AND c.search_grams @> $1 AND c.search_text LIKE $2
              AND (c.created_at, c.id) < ($11, $12)
              AND ${VISIBLE_AND_FILTERED}
          )
          SELECT u.h FROM unnest($13::uuid[]) WITH ORDINALITY AS u(h, n)
          UNION ALL
          (SELECT o.id FROM older o ORDER BY o.created_at DESC, o.id DESC LIMIT $8 - coalesce(cardinality($13::uuid[]), 0)) $q$
        USING p_grams, p_like, p_agency, p_supervisor, p_status, p_concern, p_lead, p_limit, p_after_created, p_after_id, edge_created, edge_id, found;
      END $fn$;
      REVOKE ALL ON FUNCTION search_case_ids(text[], text, uuid, boolean, text, text, uuid, integer, timestamptz, uuid) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION search_case_ids(text[], text, uuid, boolean, text, text, uuid, integer, timestamptz, uuid) TO ${APP_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION ${SIGNATURE} AS $fn$
      BEGIN
        RETURN QUERY EXECUTE $q$
          SELECT c.id FROM cases c
          WHERE c.municipality_id = ${TENANT}
            AND c.search_grams @> $1 AND c.search_text LIKE $2
            AND ${VISIBLE_AND_FILTERED}
            AND ${BELOW_CURSOR}
          ORDER BY c.created_at DESC, c.id DESC
          LIMIT $8 $q$
        USING p_grams, p_like, p_agency, p_supervisor, p_status, p_concern, p_lead, p_limit, p_after_created, p_after_id;
      END $fn$;
    `);
  }
}
