import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, TENANT } from './sql';

/** Newest cases read first, whatever the name. */
const FIRST_WALK = 1000;
/** Matches among them that make a name common: the walk goes on (one case in 200 or more matches). */
const DENSE = 5;
/** How much further a common name's walk may go before the gram index is asked after all. */
const SECOND_WALK = 20000;

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

/** A name match the caller may see that passes the filters; visibility is looked up for name matches only. */
const HIT = `CASE WHEN c.search_text LIKE $2 THEN ${VISIBLE_AND_FILTERED} ELSE false END`;

const BELOW_CURSOR = `($9::timestamptz IS NULL OR (c.created_at, c.id) < ($9, $10))`;

/**
 * Name search at a million household members. The first version let the planner choose per
 * call between the gram index and walking the newest cases; for a common family name (佐藤:
 * 20,000 matching cases of 1,000,000) its estimate chose the gram index, and every match
 * was fetched and sorted for one page: 100 ms alone, 160 ms for 髙橋.
 *
 * Now the newest 1,000 cases are read first. A name with a page among them is done; one with
 * at least 5 matches there is common (one case in 200 or more), and the walk goes on, up to
 * 20,000 more, until the page is full (2 % of cases match 佐藤: ~2,500 rows). A
 * rarer name, or a common one whose page the walks did not fill, takes the rest of its page
 * from the gram index among the matches older than the walk — few by then — sorted. The same
 * page in the same order either way; visibility and filters are checked on name matches only.
 */
export class CaseNameSearchWalk1796700000000 implements MigrationInterface {
  name = 'CaseNameSearchWalk1796700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION ${SIGNATURE} AS $fn$
      DECLARE
        found uuid[];
        more uuid[];
        walked integer;
        edge_created timestamptz;
        edge_id uuid;
      BEGIN
        -- 1. The newest ${FIRST_WALK} cases below the cursor: their matches, how many were read, where it ended.
        EXECUTE $q$
          SELECT array_agg(w.id ORDER BY w.created_at DESC, w.id DESC) FILTER (WHERE w.hit), count(*),
                 (array_agg(w.created_at ORDER BY w.created_at, w.id))[1], (array_agg(w.id ORDER BY w.created_at, w.id))[1]
          FROM (
            SELECT c.id, c.created_at, ${HIT} AS hit
            FROM cases c
            WHERE c.municipality_id = ${TENANT} AND ${BELOW_CURSOR}
            ORDER BY c.created_at DESC, c.id DESC
            LIMIT ${FIRST_WALK}
          ) w $q$
        INTO found, walked, edge_created, edge_id
        USING p_grams, p_like, p_agency, p_supervisor, p_status, p_concern, p_lead, p_limit, p_after_created, p_after_id;
        found := coalesce(found, '{}');
        IF cardinality(found) >= p_limit OR walked < ${FIRST_WALK} THEN
          RETURN QUERY SELECT u.h FROM unnest(found) AS u(h) LIMIT p_limit;
          RETURN;
        END IF;
        -- 2. A common name (one case in ${FIRST_WALK / DENSE} or more matches): walk on from there until the page is full.
        IF cardinality(found) >= ${DENSE} THEN
          EXECUTE $q$
            SELECT array_agg(w.id) FROM (
              SELECT w.id FROM (
                SELECT c.id, ${HIT} AS hit
                FROM cases c
                WHERE c.municipality_id = ${TENANT} AND (c.created_at, c.id) < ($11, $12)
                ORDER BY c.created_at DESC, c.id DESC
                LIMIT ${SECOND_WALK}
              ) w
              WHERE w.hit
              LIMIT $8 - $13
            ) w $q$
          INTO more
          USING p_grams, p_like, p_agency, p_supervisor, p_status, p_concern, p_lead, p_limit, p_after_created, p_after_id, edge_created, edge_id, cardinality(found);
          found := found || coalesce(more, '{}');
          IF cardinality(found) >= p_limit THEN
            RETURN QUERY SELECT u.h FROM unnest(found) AS u(h) LIMIT p_limit;
            RETURN;
          END IF;
          -- where that walk ended (none: it reached the oldest case, nothing more to find)
          EXECUTE $q$
            SELECT c.created_at, c.id FROM cases c
            WHERE c.municipality_id = ${TENANT} AND (c.created_at, c.id) < ($11, $12)
            ORDER BY c.created_at DESC, c.id DESC
            OFFSET ${SECOND_WALK - 1} LIMIT 1 $q$
          INTO edge_created, edge_id
          USING p_grams, p_like, p_agency, p_supervisor, p_status, p_concern, p_lead, p_limit, p_after_created, p_after_id, edge_created, edge_id;
          IF edge_id IS NULL THEN
            RETURN QUERY SELECT u.h FROM unnest(found) AS u(h);
            RETURN;
          END IF;
        END IF;
        -- 3. A rare name: the rest of the page is older than the walk, among few matches, from the
        -- gram index; materialised so the planner cannot turn it back into a walk of every older case.
        RETURN QUERY EXECUTE $q$
          WITH older AS MATERIALIZED (
            SELECT c.id, c.created_at FROM cases c
            WHERE c.municipality_id = ${TENANT}
              AND c.search_grams @> $1 AND c.search_text LIKE $2
              AND (c.created_at, c.id) < ($11, $12)
              AND ${VISIBLE_AND_FILTERED}
          )
          SELECT u.h FROM unnest($13::uuid[]) AS u(h)
          UNION ALL
          (SELECT o.id FROM older o ORDER BY o.created_at DESC, o.id DESC LIMIT $8 - cardinality($13::uuid[])) $q$
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
