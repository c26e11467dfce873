import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, TENANT, tenantPolicy } from './sql';

/**
 * The codes the CHECK constraints allow, as the vocabularies stood when this migration was
 * written. Frozen here rather than imported, so the migration builds the same schema whenever
 * it runs; a code added later needs a migration of its own (libs/resources has a test that
 * fails until the two agree).
 */
export const RESOURCE_MIGRATION_CODES = {
  resourceKinds: ['salon', 'place_to_belong', 'children_cafeteria', 'dementia_cafe', 'exercise_class', 'work_experience', 'watching_shopping_support', 'meal_delivery', 'learning_support', 'food_bank', 'volunteer_group', 'peer_group', 'other'],
  concerns: [
    'illness', 'disability', 'long_term_care', 'child_rearing', 'isolation', 'financial_hardship', 'debt', 'housing', 'employment', 'family_relations',
    'neighbourhood_relations', 'hikikomori', 'school_refusal', 'eighty_fifty', 'double_care', 'hoarding', 'domestic_violence', 'abuse', 'suicide_risk',
    'no_food', 'foreign_resident', 'guardianship', 'disaster_support', 'reoffending', 'other',
  ],
  ageGroups: ['children', 'youth', 'adults', 'elderly'],
  participationStatuses: ['proposed', 'started', 'ended'],
  participationEndReasons: ['goal_met', 'stopped_attending', 'not_suitable', 'resource_closed', 'other'],
} as const;

/**
 * Text matches sorted in the search function itself; beyond this many the text is common
 * enough that walking the newest resources is cheaper (at 100,000 resources a page then
 * takes at most ~10,000 rows of walk, and typically a few hundred).
 */
const TEXT_PROBE = 500;

const list = (codes: readonly string[]) => codes.map((c) => `'${c}'`).join(', ');
const { resourceKinds, concerns, ageGroups, participationStatuses, participationEndReasons } = RESOURCE_MIGRATION_CODES;

/**
 * The other two pillars (DOMAIN.md "The three pillars", rule 11): the community resource
 * directory (社会資源), participation support (参加支援) on cases with its checks, and the unmet
 * needs (地域の不足資源) recorded from cases.
 *
 * - Resource text search works like case name search: normalised name, kana and description
 *   with their unigrams and bigrams in `search_grams` (GIN), rechecked by LIKE on
 *   `search_text`. Under RLS neither `@>` nor LIKE may use an index (they are not
 *   leakproof), so every directory query takes its page of ids from `search_resource_ids`,
 *   which runs for the transaction's own municipality only and is planned per call with the
 *   actual values; the caller joins the ids back under RLS. The directory is listed in
 *   reading order (よみ: the normalised kana), which the filter indexes deliver; a text search
 *   lists newest first, as case search does — the matches of a text cluster in reading order
 *   (the text is the reading), which no index can serve in that order (see the function).
 * - `stale_resources_without_verification` is the worker's cross-municipality read: stale
 *   resources whose keeper has no open `resource_verification` task. One open task per
 *   resource (and one open `participation_check` per participation) is a unique index, so
 *   two workers racing can never make two.
 */
export class Resources1796100000000 implements MigrationInterface {
  name = 'Resources1796100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE resources (
        municipality_id uuid NOT NULL REFERENCES municipalities (id),
        id uuid NOT NULL,
        name text NOT NULL,
        name_kana text,
        kind text NOT NULL CHECK (kind IN (${list(resourceKinds)})),
        district text,
        address text,
        description text,
        contact text,
        schedule text,
        targets text[] NOT NULL DEFAULT '{}' CHECK (targets <@ ARRAY[${list(concerns)}]::text[]),
        age_groups text[] NOT NULL DEFAULT '{}' CHECK (age_groups <@ ARRAY[${list(ageGroups)}]::text[]),
        capacity integer CHECK (capacity >= 0),
        accepting boolean NOT NULL DEFAULT true,
        is_public boolean NOT NULL DEFAULT false,
        -- for staff only: never on the public directory
        internal_note text,
        verified_on date NOT NULL,
        keeper_agency_id uuid NOT NULL,
        created_by_id uuid,
        -- normalised name, kana and description (joined by a space) and their grams, for search
        search_text text NOT NULL DEFAULT '',
        search_grams text[] NOT NULL DEFAULT '{}',
        -- directory order: the normalised reading (kana when given, else the name)
        sort_key text NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id),
        FOREIGN KEY (municipality_id, keeper_agency_id) REFERENCES agencies (municipality_id, id),
        FOREIGN KEY (municipality_id, created_by_id) REFERENCES users (municipality_id, id)
      );
      CREATE INDEX resources_order ON resources (municipality_id, sort_key, id);
      CREATE INDEX resources_kind ON resources (municipality_id, kind, district, sort_key, id);
      CREATE INDEX resources_district ON resources (municipality_id, district, sort_key, id);
      CREATE INDEX resources_public ON resources (municipality_id, sort_key, id) WHERE is_public;
      CREATE INDEX resources_search ON resources USING gin (search_grams);
      CREATE INDEX resources_targets ON resources USING gin (targets);
      CREATE INDEX resources_verified ON resources (municipality_id, verified_on);
      -- the worker's sweep across municipalities
      CREATE INDEX resources_stale ON resources (verified_on);
      CREATE INDEX resources_keeper ON resources (municipality_id, keeper_agency_id);
      ${tenantPolicy('resources')}
      GRANT SELECT, INSERT, UPDATE ON resources TO ${APP_ROLE};

      CREATE TABLE participations (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        case_id uuid NOT NULL,
        resource_id uuid NOT NULL,
        -- the household member (the primary person when none was named; null for a case without members)
        member_id uuid,
        status text NOT NULL CHECK (status IN (${list(participationStatuses)})),
        -- the agency that proposed it, and the one that started it (its check task is theirs)
        agency_id uuid NOT NULL,
        started_by_agency_id uuid,
        proposed_on date NOT NULL,
        started_on date,
        ended_on date,
        end_reason text CHECK (end_reason IN (${list(participationEndReasons)})),
        note text,
        end_note text,
        last_checked_on date,
        last_attending boolean,
        version integer NOT NULL DEFAULT 1,
        created_by_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id),
        FOREIGN KEY (municipality_id, case_id) REFERENCES cases (municipality_id, id),
        FOREIGN KEY (municipality_id, resource_id) REFERENCES resources (municipality_id, id),
        -- a member named here cannot be removed from the household (CasesRepository.membersInUse)
        FOREIGN KEY (municipality_id, member_id) REFERENCES household_members (municipality_id, id),
        FOREIGN KEY (municipality_id, agency_id) REFERENCES agencies (municipality_id, id),
        FOREIGN KEY (municipality_id, started_by_agency_id) REFERENCES agencies (municipality_id, id),
        FOREIGN KEY (municipality_id, created_by_id) REFERENCES users (municipality_id, id),
        CHECK (status <> 'started' OR started_on IS NOT NULL),
        CHECK (status <> 'ended' OR (ended_on IS NOT NULL AND end_reason IS NOT NULL)),
        CHECK (ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on)
      );
      CREATE INDEX participations_case ON participations (municipality_id, case_id, created_at, id);
      CREATE INDEX participations_resource ON participations (municipality_id, resource_id, status);
      -- indicators: participations started, and ended, in a fiscal year
      CREATE INDEX participations_started ON participations (municipality_id, started_on) INCLUDE (case_id, member_id, resource_id, status, end_reason)
        WHERE started_on IS NOT NULL;
      CREATE INDEX participations_ended ON participations (municipality_id, ended_on) INCLUDE (end_reason) WHERE ended_on IS NOT NULL;
      ${tenantPolicy('participations')}
      GRANT SELECT, INSERT, UPDATE ON participations TO ${APP_ROLE};

      CREATE TABLE participation_checks (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        participation_id uuid NOT NULL,
        case_id uuid NOT NULL,
        checked_on date NOT NULL,
        attending boolean NOT NULL,
        next_check_on date,
        note text,
        agency_id uuid,
        checked_by_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id),
        FOREIGN KEY (municipality_id, participation_id) REFERENCES participations (municipality_id, id),
        FOREIGN KEY (municipality_id, case_id) REFERENCES cases (municipality_id, id),
        FOREIGN KEY (municipality_id, checked_by_id) REFERENCES users (municipality_id, id),
        CHECK (next_check_on IS NULL OR next_check_on > checked_on)
      );
      CREATE INDEX participation_checks_participation ON participation_checks (municipality_id, participation_id, checked_on, id);
      ${tenantPolicy('participation_checks')}
      GRANT SELECT, INSERT ON participation_checks TO ${APP_ROLE};

      CREATE TABLE unmet_needs (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        case_id uuid NOT NULL,
        concern text NOT NULL CHECK (concern IN (${list(concerns)})),
        district text,
        description text NOT NULL,
        -- the Tokyo date it was recorded: what the summary and the indicators count by
        recorded_on date NOT NULL,
        agency_id uuid,
        created_by_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id),
        FOREIGN KEY (municipality_id, case_id) REFERENCES cases (municipality_id, id),
        FOREIGN KEY (municipality_id, agency_id) REFERENCES agencies (municipality_id, id),
        FOREIGN KEY (municipality_id, created_by_id) REFERENCES users (municipality_id, id)
      );
      CREATE INDEX unmet_needs_recorded ON unmet_needs (municipality_id, recorded_on) INCLUDE (district, concern);
      CREATE INDEX unmet_needs_case ON unmet_needs (municipality_id, case_id, created_at);
      ${tenantPolicy('unmet_needs')}
      GRANT SELECT, INSERT ON unmet_needs TO ${APP_ROLE};

      -- Exactly one open verification task per resource and one open check per participation,
      -- by constraint: the worker's sweep may run in several processes at once.
      CREATE UNIQUE INDEX tasks_one_resource_verification ON tasks (municipality_id, source_id) WHERE kind = 'resource_verification' AND status = 'open';
      CREATE UNIQUE INDEX tasks_one_participation_check ON tasks (municipality_id, source_id) WHERE kind = 'participation_check' AND status = 'open';

      CREATE FUNCTION search_resource_ids(
        p_grams text[], p_like text, p_kind text, p_district text, p_concern text,
        p_accepting boolean, p_public boolean, p_stale boolean, p_stale_before date,
        p_limit integer, p_after_key text, p_after_id uuid)
      RETURNS TABLE (id uuid)
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
      DECLARE
        hits uuid[];
      BEGIN
        IF p_grams IS NULL THEN
          -- The directory in reading order: the filter indexes deliver that order.
          RETURN QUERY EXECUTE $q$
            SELECT r.id FROM resources r
            WHERE r.municipality_id = ${TENANT}
              AND ($3::text IS NULL OR r.kind = $3)
              AND ($4::text IS NULL OR r.district = $4)
              AND ($5::text IS NULL OR r.targets @> ARRAY[$5]::text[])
              AND ($6::boolean IS NULL OR r.accepting = $6)
              AND ($7::boolean IS NULL OR r.is_public = $7)
              AND ($8::boolean IS NULL OR (r.verified_on < $9) = $8)
              AND ($11::text IS NULL OR (r.sort_key, r.id) > ($11, $12))
            ORDER BY r.sort_key, r.id
            LIMIT $10 $q$
          USING p_grams, p_like, p_kind, p_district, p_concern, p_accepting, p_public, p_stale, p_stale_before, p_limit, p_after_key, p_after_id;
          RETURN;
        END IF;
        -- Text, newest first. The planner cannot be trusted with the gram index: its estimate for
        -- several grams (and for grams with the LIKE they stand for) multiplies selectivities that
        -- are anything but independent, and matches cluster in reading order (the text is the
        -- reading). So: up to ${TEXT_PROBE} matches are taken through the gram index and sorted
        -- here; more than that means the text is common, and walking the newest resources finds a
        -- page after about limit × (resources / matches) rows.
        EXECUTE $q$
          SELECT array_agg(x.id) FROM (
            SELECT r.id FROM resources r
            WHERE r.municipality_id = ${TENANT}
              AND r.search_grams @> $1 AND r.search_text LIKE $2
              AND ($3::text IS NULL OR r.kind = $3)
              AND ($4::text IS NULL OR r.district = $4)
              AND ($5::text IS NULL OR r.targets @> ARRAY[$5]::text[])
              AND ($6::boolean IS NULL OR r.accepting = $6)
              AND ($7::boolean IS NULL OR r.is_public = $7)
              AND ($8::boolean IS NULL OR (r.verified_on < $9) = $8)
              AND ($12::uuid IS NULL OR r.id < $12)
            LIMIT ${TEXT_PROBE + 1}) x $q$
        INTO hits
        USING p_grams, p_like, p_kind, p_district, p_concern, p_accepting, p_public, p_stale, p_stale_before, p_limit, p_after_key, p_after_id;
        IF coalesce(cardinality(hits), 0) <= ${TEXT_PROBE} THEN
          RETURN QUERY SELECT u.h FROM unnest(hits) AS u(h) ORDER BY u.h DESC LIMIT p_limit;
          RETURN;
        END IF;
        -- The LIKE alone decides here: its estimate is sound (the grams' is not), so the planner
        -- walks the newest resources and rechecks them.
        RETURN QUERY EXECUTE $q$
          SELECT r.id FROM resources r
          WHERE r.municipality_id = ${TENANT}
            AND r.search_text LIKE $2
            AND ($3::text IS NULL OR r.kind = $3)
            AND ($4::text IS NULL OR r.district = $4)
            AND ($5::text IS NULL OR r.targets @> ARRAY[$5]::text[])
            AND ($6::boolean IS NULL OR r.accepting = $6)
            AND ($7::boolean IS NULL OR r.is_public = $7)
            AND ($8::boolean IS NULL OR (r.verified_on < $9) = $8)
            AND ($12::uuid IS NULL OR r.id < $12)
          ORDER BY r.id DESC
          LIMIT $10 $q$
        USING p_grams, p_like, p_kind, p_district, p_concern, p_accepting, p_public, p_stale, p_stale_before, p_limit, p_after_key, p_after_id;
      END $fn$;
      REVOKE ALL ON FUNCTION search_resource_ids(text[], text, text, text, text, boolean, boolean, boolean, date, integer, text, uuid) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION search_resource_ids(text[], text, text, text, text, boolean, boolean, boolean, date, integer, text, uuid) TO ${APP_ROLE};

      -- The worker's sweep: stale resources whose keeper has no open verification task; ids only.
      CREATE FUNCTION stale_resources_without_verification(p_stale_before date, p_limit integer)
      RETURNS TABLE (municipality_id uuid, id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT r.municipality_id, r.id FROM resources r
        WHERE r.verified_on < p_stale_before
          AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.municipality_id = r.municipality_id AND t.source_id = r.id
                            AND t.kind = 'resource_verification' AND t.status = 'open')
        ORDER BY r.verified_on, r.municipality_id, r.id
        LIMIT p_limit
      $$;
      REVOKE ALL ON FUNCTION stale_resources_without_verification(date, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION stale_resources_without_verification(date, integer) TO ${APP_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS stale_resources_without_verification(date, integer);
      DROP FUNCTION IF EXISTS search_resource_ids(text[], text, text, text, text, boolean, boolean, boolean, date, integer, text, uuid);
      DROP INDEX IF EXISTS tasks_one_participation_check, tasks_one_resource_verification;
      DROP TABLE IF EXISTS unmet_needs, participation_checks, participations, resources;
    `);
  }
}
