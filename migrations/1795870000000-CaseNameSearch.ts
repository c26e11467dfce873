import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, TENANT } from './sql';

/**
 * Name search under row-level security. PostgreSQL only uses an index for a query's own
 * conditions when their operators are leakproof, because they must not see rows the policy
 * hides; `@>` on arrays and LIKE are not, so under RLS the gram index went unused and a
 * two-character search over a million members took seconds. This narrow function runs the
 * search itself — for the transaction's own municipality only, with the caller's visibility
 * (rule 8), filters, order and page — and returns case ids alone; the caller joins them back
 * through the primary key under RLS as usual. The statement is planned per call with the
 * actual values (EXECUTE … USING), so a rare name uses the gram index and a very common one
 * walks the newest cases first.
 */
export class CaseNameSearch1795870000000 implements MigrationInterface {
  name = 'CaseNameSearch1795870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION search_case_ids(
        p_grams text[], p_like text, p_agency uuid, p_supervisor boolean,
        p_status text, p_concern text, p_lead uuid,
        p_limit integer, p_after_created timestamptz, p_after_id uuid)
      RETURNS TABLE (id uuid)
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
      BEGIN
        RETURN QUERY EXECUTE $q$
          SELECT c.id FROM cases c
          WHERE c.municipality_id = ${TENANT}
            AND c.search_grams @> $1 AND c.search_text LIKE $2
            AND (c.lead_agency_id = $3
              OR EXISTS (SELECT 1 FROM case_agencies ca WHERE ca.municipality_id = c.municipality_id AND ca.case_id = c.id AND ca.agency_id = $3)
              OR EXISTS (SELECT 1 FROM referrals r WHERE r.municipality_id = c.municipality_id AND r.case_id = c.id AND r.to_agency_id = $3 AND r.status = 'pending')
              OR ($4 AND NOT c.restricted))
            AND ($5::text IS NULL OR c.status = $5)
            AND ($6::text IS NULL OR $6 = ANY(c.concerns))
            AND ($7::uuid IS NULL OR c.lead_agency_id = $7)
            AND ($9::timestamptz IS NULL OR (c.created_at, c.id) < ($9, $10))
          ORDER BY c.created_at DESC, c.id DESC
          LIMIT $8 $q$
        USING p_grams, p_like, p_agency, p_supervisor, p_status, p_concern, p_lead, p_limit, p_after_created, p_after_id;
      END $fn$;
      REVOKE ALL ON FUNCTION search_case_ids(text[], text, uuid, boolean, text, text, uuid, integer, timestamptz, uuid) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION search_case_ids(text[], text, uuid, boolean, text, text, uuid, integer, timestamptz, uuid) TO ${APP_ROLE};

      -- POST /cases/locate: residents who come back are found by birth date, then exact name.
      CREATE INDEX household_members_birth ON household_members (municipality_id, birth_date) WHERE birth_date IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS household_members_birth;
      DROP FUNCTION IF EXISTS search_case_ids(text[], text, uuid, boolean, text, text, uuid, integer, timestamptz, uuid);
    `);
  }
}
