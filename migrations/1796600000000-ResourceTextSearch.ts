import { MigrationInterface, QueryRunner } from 'typeorm';
import { TENANT } from './sql';

/** Newest resources read looking for a page of text matches before the gram index is asked. */
const WALK = 2000;
/** Text matches the earlier version took through the gram index before walking (the down migration). */
const TEXT_PROBE = 500;

const FILTERS = `
              AND ($3::text IS NULL OR r.kind = $3)
              AND ($4::text IS NULL OR r.district = $4)
              AND ($5::text IS NULL OR r.targets @> ARRAY[$5]::text[])
              AND ($6::boolean IS NULL OR r.accepting = $6)
              AND ($7::boolean IS NULL OR r.is_public = $7)
              AND ($8::boolean IS NULL OR (r.verified_on < $9) = $8)`;

const READING_ORDER = `
        IF p_grams IS NULL THEN
          -- The directory in reading order: the filter indexes deliver that order.
          RETURN QUERY EXECUTE $q$
            SELECT r.id FROM resources r
            WHERE r.municipality_id = ${TENANT} ${FILTERS}
              AND ($11::text IS NULL OR (r.sort_key, r.id) > ($11, $12))
            ORDER BY r.sort_key, r.id
            LIMIT $10 $q$
          USING p_grams, p_like, p_kind, p_district, p_concern, p_accepting, p_public, p_stale, p_stale_before, p_limit, p_after_key, p_after_id;
          RETURN;
        END IF;`;

const SIGNATURE = `search_resource_ids(
        p_grams text[], p_like text, p_kind text, p_district text, p_concern text,
        p_accepting boolean, p_public boolean, p_stale boolean, p_stale_before date,
        p_limit integer, p_after_key text, p_after_id uuid)
      RETURNS TABLE (id uuid)
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp`;

/**
 * Text search of the resource directory (`GET /resources?q=`), newest first, at a
 * prefecture's 100,000 resources. The first version took up to 500 matches through the gram
 * index to learn whether a text was rare: for a common two-character text (食堂, カフ) the
 * bitmap of its gram alone cost ~9 ms, and a text of middling frequency whose matches sit
 * among older resources (のう: 1,640 matches) then walked tens of thousands of rows (70 ms).
 *
 * Now the newest ${WALK} resources are read first (a bounded index range, ~2 ms): a common text
 * fills its page there. Only when it does not are the remaining matches, older than the walk,
 * taken through the gram index — few by then, since fewer than a page's worth turned up among
 * the newest ${WALK} — and sorted. The result is the same page in the same order either way.
 */
export class ResourceTextSearch1796600000000 implements MigrationInterface {
  name = 'ResourceTextSearch1796600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION ${SIGNATURE} AS $fn$
      DECLARE
        walked integer;
        last_walked uuid;
        found uuid[];
      BEGIN
        ${READING_ORDER}
        -- The newest resources below the cursor, a bounded index range: the matches among them and how far it reached.
        EXECUTE $q$
          SELECT array_agg(w.id ORDER BY w.id DESC) FILTER (WHERE w.hit), (array_agg(w.id ORDER BY w.id))[1], count(*)
          FROM (
            SELECT r.id, (r.search_text LIKE $2 ${FILTERS}) AS hit
            FROM resources r
            WHERE r.municipality_id = ${TENANT} AND ($12::uuid IS NULL OR r.id < $12)
            ORDER BY r.id DESC
            LIMIT ${WALK}
          ) w $q$
        INTO found, last_walked, walked
        USING p_grams, p_like, p_kind, p_district, p_concern, p_accepting, p_public, p_stale, p_stale_before, p_limit, p_after_key, p_after_id;
        -- a full page, or the walk reached the oldest resource: nothing more to find
        IF coalesce(cardinality(found), 0) >= p_limit OR walked < ${WALK} THEN
          RETURN QUERY SELECT u.h FROM unnest(found) WITH ORDINALITY AS u(h, n) ORDER BY u.n LIMIT p_limit;
          RETURN;
        END IF;
        -- Not a page among the newest: the rest of the page is older, among few matches. The
        -- materialised set keeps the planner off walking the whole directory in id order.
        RETURN QUERY EXECUTE $q$
          WITH older AS MATERIALIZED (
            SELECT r.id FROM resources r
            WHERE r.municipality_id = ${TENANT}
              AND r.search_grams @> $1 AND r.search_text LIKE $2 ${FILTERS}
              AND r.id < $13
          )
          SELECT u.h FROM unnest($14::uuid[]) AS u(h)
          UNION ALL
          (SELECT o.id FROM older o ORDER BY o.id DESC LIMIT $10 - coalesce(cardinality($14::uuid[]), 0)) $q$
        USING p_grams, p_like, p_kind, p_district, p_concern, p_accepting, p_public, p_stale, p_stale_before, p_limit, p_after_key, p_after_id, last_walked, found;
      END $fn$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION ${SIGNATURE} AS $fn$
      DECLARE
        hits uuid[];
      BEGIN
        ${READING_ORDER}
        EXECUTE $q$
          SELECT array_agg(x.id) FROM (
            SELECT r.id FROM resources r
            WHERE r.municipality_id = ${TENANT}
              AND r.search_grams @> $1 AND r.search_text LIKE $2 ${FILTERS}
              AND ($12::uuid IS NULL OR r.id < $12)
            LIMIT ${TEXT_PROBE + 1}) x $q$
        INTO hits
        USING p_grams, p_like, p_kind, p_district, p_concern, p_accepting, p_public, p_stale, p_stale_before, p_limit, p_after_key, p_after_id;
        IF coalesce(cardinality(hits), 0) <= ${TEXT_PROBE} THEN
          RETURN QUERY SELECT u.h FROM unnest(hits) AS u(h) ORDER BY u.h DESC LIMIT p_limit;
          RETURN;
        END IF;
        RETURN QUERY EXECUTE $q$
          SELECT r.id FROM resources r
          WHERE r.municipality_id = ${TENANT}
            AND r.search_text LIKE $2 ${FILTERS}
            AND ($12::uuid IS NULL OR r.id < $12)
          ORDER BY r.id DESC
          LIMIT $10 $q$
        USING p_grams, p_like, p_kind, p_district, p_concern, p_accepting, p_public, p_stale, p_stale_before, p_limit, p_after_key, p_after_id;
      END $fn$;
    `);
  }
}
