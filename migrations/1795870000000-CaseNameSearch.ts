import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, TENANT } from './sql';

/**
 * Name search under row-level security. PostgreSQL only uses an index for a query's own
 * conditions when their operators are leakproof, because they must not see rows the policy
 * hides; `@>` on arrays and LIKE are not, so under RLS the gram index went unused and a
 * two-character search over a million members took seconds. This narrow function runs the
 * indexed match itself, for the transaction's own municipality only, and returns case ids
 * alone; the caller joins them back through the primary key, under RLS as usual.
 */
export class CaseNameSearch1795870000000 implements MigrationInterface {
  name = 'CaseNameSearch1795870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION case_ids_matching(p_grams text[], p_like text) RETURNS TABLE (id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT c.id FROM cases c
        WHERE c.municipality_id = ${TENANT} AND c.search_grams @> p_grams AND c.search_text LIKE p_like
      $$;
      REVOKE ALL ON FUNCTION case_ids_matching(text[], text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION case_ids_matching(text[], text) TO ${APP_ROLE};

      -- POST /cases/locate: residents who come back are found by birth date, then exact name.
      CREATE INDEX household_members_birth ON household_members (municipality_id, birth_date) WHERE birth_date IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS household_members_birth; DROP FUNCTION IF EXISTS case_ids_matching(text[], text)`);
  }
}
