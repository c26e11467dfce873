import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, tenantPolicy } from './sql';

/** Width of a histogram bucket of answer times: ten minutes, in µs. */
const BUCKET_US = 600_000_000;
const MINUTE_US = 60_000_000;

/**
 * Running totals for the fiscal-year indicators (GET /reports/indicators), so a year of a
 * large city is read from a few thousand rows instead of a million cases and millions of
 * referrals — and stays exact at every moment.
 *
 * - `report_tallies`: signed counts per fiscal year and measure. Triggers on the tables the
 *   indicators count (cases, referrals, case_agencies, conferences, agencies) append, in the
 *   same statement as the change, the difference it makes: −1 for what a row counted as
 *   before, +1 for what it counts as now. Nothing is ever updated in place, so writers never
 *   wait for each other on a counter row; the worker now and then compacts a year's rows into
 *   one per key (`compact_report_tallies`), and a report sums whatever is there. Every count
 *   is therefore the count of the committed data its statement sees.
 * - `answer_times`: one row per referral answered by its receiver, with the time it took in
 *   µs (exact integers), kept by the referrals trigger. Medians need order, not only counts:
 *   ten-minute histograms in report_tallies say which bucket holds the middle, the index
 *   gives the values in it — but for times in whole minutes, which pile up on a few values
 *   (0, whole business days) and are counted by value in report_tallies instead. Business time depends on the municipality calendar, which lives
 *   in the application (national holidays, ordinances): the worker computes it
 *   (`fill_answer_times`) under a calendar key, and a report computes the few rows still
 *   pending itself. When the calendar changes, stored values under the old key are recomputed
 *   (`reset_answer_times`); until that is done, or while many answers are pending (after a
 *   bulk load), a report reads every answer of the year, as it did without this table.
 *
 * A case is handled by a CSW (cswHandled) when a social_welfare_council agency took it in,
 * leads it, is involved in it, or accepted a referral of it. Triggers that change what a
 * case counts as lock the case row first (FOR NO KEY UPDATE; every act on a case already
 * holds it), so two of them never decide from the same stale picture. They keep generic
 * plans — an act changes one row, and planning their statements anew each time would cost
 * more than running them — except for a statement of more than a hundred rows (a bulk load).
 */
export class ReportingRollups1796400000000 implements MigrationInterface {
  name = 'ReportingRollups1796400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- The fiscal year (April–March, Asia/Tokyo: UTC+9, no daylight saving) of an instant.
      CREATE FUNCTION tokyo_fiscal_year(t timestamptz) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT (date_part('year', t AT TIME ZONE INTERVAL '+09:00')
                - CASE WHEN date_part('month', t AT TIME ZONE INTERVAL '+09:00') < 4 THEN 1 ELSE 0 END)::integer
      $$;
      -- An instant in whole microseconds since 1970 (a timestamptz's own precision: exact). Read
      -- as UTC wall time, so every step is immutable and PostgreSQL inlines the function.
      CREATE FUNCTION epoch_us(t timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT (extract(epoch FROM t AT TIME ZONE INTERVAL '+00:00') * 1000000)::bigint
      $$;
      -- The ten-minute histogram bucket of a duration in µs (floor, negatives included).
      CREATE FUNCTION tally_bucket(us bigint) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT floor(us / ${BUCKET_US}.0)::integer
      $$;
      -- A duration in whole minutes when it is one, else NULL. Durations between whole-minute
      -- instants pile up on a few values (0 when asked and answered while closed, whole business
      -- days from closing to closing): those are counted by value instead of indexed one by one.
      CREATE FUNCTION tally_minute(us bigint) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN us % ${MINUTE_US} = 0 THEN (us / ${MINUTE_US})::integer END
      $$;
      -- Business µs at an instant (from 1970) on a clock laid out by the application
      -- (libs/reporting/business-clock.ts); NULL outside the clock's days. One expression, inlined.
      CREATE FUNCTION clock_reading(us bigint, first_day integer, before_us bigint[], open_from_us bigint[], open_us bigint)
      RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT before_us[((us + 32400000000) / 86400000000)::integer - first_day + 1]
               + LEAST(GREATEST(us - open_from_us[((us + 32400000000) / 86400000000)::integer - first_day + 1], 0), open_us)
      $$;

      CREATE TABLE report_tallies (
        municipality_id uuid NOT NULL REFERENCES municipalities (id),
        id bigint GENERATED ALWAYS AS IDENTITY,
        fiscal_year integer NOT NULL,
        -- case (agency_id: intake agency, code: channel, detail: primary concern, flag: handled by a CSW)
        -- concern (code) · closure (code: reason) · conference (code: type)
        -- referral (agency_id → other_agency_id, code: status, flag: a re-route)
        -- answer_elapsed (bucket, exact_minute) · answer_business (code: calendar key, bucket, exact_minute)
        measure text NOT NULL,
        agency_id uuid,
        other_agency_id uuid,
        code text,
        detail text,
        flag boolean,
        bucket integer,
        -- answer times: the time in whole minutes, when it is one (tally_minute)
        exact_minute integer,
        n integer NOT NULL,
        -- false: a difference appended by a trigger or the worker, not yet compacted
        compacted boolean NOT NULL DEFAULT false,
        PRIMARY KEY (municipality_id, id)
      );
      CREATE INDEX report_tallies_year ON report_tallies (municipality_id, fiscal_year, measure);
      CREATE INDEX report_tallies_deltas ON report_tallies (municipality_id, fiscal_year) WHERE NOT compacted;
      ${tenantPolicy('report_tallies')}
      GRANT SELECT ON report_tallies TO ${APP_ROLE};

      CREATE TABLE answer_times (
        municipality_id uuid NOT NULL,
        referral_id uuid NOT NULL,
        -- of the answer
        fiscal_year integer NOT NULL,
        elapsed_us bigint NOT NULL,
        -- on the calendar named by calendar; NULL until the worker (or a report) computes it
        business_us bigint,
        calendar text,
        PRIMARY KEY (municipality_id, referral_id),
        CHECK ((business_us IS NULL) = (calendar IS NULL))
      );
      -- (times in whole minutes are counted in report_tallies, not read from here)
      CREATE INDEX answer_times_elapsed ON answer_times (municipality_id, fiscal_year, elapsed_us) WHERE elapsed_us % ${MINUTE_US} <> 0;
      CREATE INDEX answer_times_business ON answer_times (municipality_id, calendar, fiscal_year, business_us)
        WHERE business_us IS NOT NULL AND business_us % ${MINUTE_US} <> 0;
      CREATE INDEX answer_times_pending ON answer_times (municipality_id, fiscal_year) WHERE business_us IS NULL;
      ${tenantPolicy('answer_times')}
      GRANT SELECT ON answer_times TO ${APP_ROLE};

      -- What the triggers read of a changed row (a narrow copy: a statement may change many wide rows).
      CREATE TYPE case_tally_input AS (
        municipality_id uuid, id uuid, received_at timestamptz, intake_agency_id uuid, lead_agency_id uuid, channel text,
        primary_concern text, concerns text[], closed_at timestamptz, closure_reason text
      );
      CREATE TYPE referral_tally_input AS (
        municipality_id uuid, id uuid, case_id uuid, created_at timestamptz, answered_at timestamptz, status text, from_agency_id uuid, to_agency_id uuid
      );

      -- cases: what the changed rows counted as, and what they count as now.
      CREATE FUNCTION cases_tally() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET work_mem = '64MB' SET plan_cache_mode = force_generic_plan AS $$
      DECLARE
        v_old case_tally_input[];
        v_new case_tally_input[];
      BEGIN
        IF TG_OP = 'INSERT' THEN
          SELECT array_agg(ROW(n.municipality_id, n.id, n.received_at, n.intake_agency_id, n.lead_agency_id, n.channel, n.primary_concern, n.concerns, n.closed_at, n.closure_reason)::case_tally_input) INTO v_new FROM new_rows n;
        ELSIF TG_OP = 'DELETE' THEN
          SELECT array_agg(ROW(o.municipality_id, o.id, o.received_at, o.intake_agency_id, o.lead_agency_id, o.channel, o.primary_concern, o.concerns, o.closed_at, o.closure_reason)::case_tally_input) INTO v_old FROM old_rows o;
        ELSE
          SELECT array_agg(ROW(o.municipality_id, o.id, o.received_at, o.intake_agency_id, o.lead_agency_id, o.channel, o.primary_concern, o.concerns, o.closed_at, o.closure_reason)::case_tally_input) FILTER (WHERE o.id IS NOT NULL),
                 array_agg(ROW(n.municipality_id, n.id, n.received_at, n.intake_agency_id, n.lead_agency_id, n.channel, n.primary_concern, n.concerns, n.closed_at, n.closure_reason)::case_tally_input) FILTER (WHERE n.id IS NOT NULL) INTO v_old, v_new
          FROM old_rows o FULL JOIN new_rows n ON n.municipality_id = o.municipality_id AND n.id = o.id
          WHERE o.id IS NULL OR n.id IS NULL
             OR (o.received_at, o.intake_agency_id, o.lead_agency_id, o.channel, o.primary_concern, o.concerns, o.closed_at, o.closure_reason)
                IS DISTINCT FROM (n.received_at, n.intake_agency_id, n.lead_agency_id, n.channel, n.primary_concern, n.concerns, n.closed_at, n.closure_reason);
        END IF;
        IF v_old IS NULL AND v_new IS NULL THEN RETURN NULL; END IF;
        IF coalesce(cardinality(v_old), 0) + coalesce(cardinality(v_new), 0) > 100 THEN
          -- a bulk statement: plan for its size (for this call only)
          PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
        END IF;

        -- What a case counts as: the case (intake agency, channel, primary concern, CSW flag) in
        -- the year received, each of its concerns once, its closure in the year closed. Only
        -- what moved is recounted: closing a case leaves its case and concern rows alone.
        WITH o AS (
          SELECT municipality_id, id, received_at, intake_agency_id, lead_agency_id, channel, primary_concern, concerns, closed_at, closure_reason FROM unnest(v_old)
        ), n AS (
          SELECT municipality_id, id, received_at, intake_agency_id, lead_agency_id, channel, primary_concern, concerns, closed_at, closure_reason FROM unnest(v_new)
        ), moved AS (
          SELECT coalesce(o.municipality_id, n.municipality_id) AS municipality_id, coalesce(o.id, n.id) AS id,
                 (o.received_at, o.intake_agency_id, o.lead_agency_id, o.channel, o.primary_concern)
                   IS DISTINCT FROM (n.received_at, n.intake_agency_id, n.lead_agency_id, n.channel, n.primary_concern) AS case_moved,
                 (o.received_at, o.concerns) IS DISTINCT FROM (n.received_at, n.concerns) AS concerns_moved,
                 (o.closed_at, o.closure_reason) IS DISTINCT FROM (n.closed_at, n.closure_reason) AS closure_moved
          FROM o FULL JOIN n ON n.municipality_id = o.municipality_id AND n.id = o.id
        ), changed AS (
          SELECT -1 AS sign, o.*, m.case_moved, m.concerns_moved, m.closure_moved FROM o JOIN moved m ON m.municipality_id = o.municipality_id AND m.id = o.id
          UNION ALL
          SELECT 1, n.*, m.case_moved, m.concerns_moved, m.closure_moved FROM n JOIN moved m ON m.municipality_id = n.municipality_id AND m.id = n.id
        ), csw AS (
          SELECT a.municipality_id, a.id FROM agencies a WHERE a.kind = 'social_welfare_council' AND a.municipality_id IN (SELECT municipality_id FROM moved)
        ), involved AS (
          -- involved, or accepted a referral: the same for a case's row before and after
          SELECT m.municipality_id, m.id FROM moved m
          WHERE m.case_moved
            AND (EXISTS (SELECT 1 FROM case_agencies x JOIN csw ON csw.municipality_id = x.municipality_id AND csw.id = x.agency_id
                         WHERE x.municipality_id = m.municipality_id AND x.case_id = m.id)
                 OR EXISTS (SELECT 1 FROM referrals r JOIN csw ON csw.municipality_id = r.municipality_id AND csw.id = r.to_agency_id
                            WHERE r.municipality_id = m.municipality_id AND r.case_id = m.id AND r.status = 'accepted'))
        ), counted AS (
          SELECT c.sign, c.municipality_id, tokyo_fiscal_year(c.received_at) AS fiscal_year, 'case' AS measure, c.intake_agency_id AS agency_id,
                 c.channel AS code, c.primary_concern AS detail,
                 i.id IS NOT NULL OR EXISTS (SELECT 1 FROM csw WHERE csw.municipality_id = c.municipality_id AND csw.id IN (c.intake_agency_id, c.lead_agency_id)) AS flag
          FROM changed c LEFT JOIN involved i ON i.municipality_id = c.municipality_id AND i.id = c.id
          WHERE c.case_moved
          UNION ALL
          SELECT DISTINCT c.sign, c.municipality_id, tokyo_fiscal_year(c.received_at), 'concern', c.id, concern, NULL::text, NULL::boolean
          FROM changed c, unnest(c.concerns) concern WHERE c.concerns_moved
          UNION ALL
          SELECT c.sign, c.municipality_id, tokyo_fiscal_year(c.closed_at), 'closure', NULL, c.closure_reason, NULL, NULL
          FROM changed c WHERE c.closure_moved AND c.closed_at IS NOT NULL
        )
        INSERT INTO report_tallies (municipality_id, fiscal_year, measure, agency_id, code, detail, flag, n)
        SELECT municipality_id, fiscal_year, measure, CASE measure WHEN 'case' THEN agency_id END, code, detail, flag, sum(sign)
        FROM counted
        GROUP BY municipality_id, fiscal_year, measure, CASE measure WHEN 'case' THEN agency_id END, code, detail, flag
        HAVING sum(sign) <> 0;
        RETURN NULL;
      END $$;

      -- referrals: pairs by status and re-routes (a referral made after an earlier one of its
      -- case was declined), CSW flags, answer times. What a changed referral counted as and counts
      -- as now; and, for a case whose first decline moved, what its other referrals count as.
      CREATE FUNCTION referrals_tally() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET work_mem = '64MB' SET plan_cache_mode = force_generic_plan AS $$
      DECLARE
        v_old referral_tally_input[];
        v_new referral_tally_input[];
      BEGIN
        IF TG_OP = 'INSERT' THEN
          SELECT array_agg(ROW(n.municipality_id, n.id, n.case_id, n.created_at, n.answered_at, n.status, n.from_agency_id, n.to_agency_id)::referral_tally_input) INTO v_new FROM new_rows n;
        ELSIF TG_OP = 'DELETE' THEN
          SELECT array_agg(ROW(o.municipality_id, o.id, o.case_id, o.created_at, o.answered_at, o.status, o.from_agency_id, o.to_agency_id)::referral_tally_input) INTO v_old FROM old_rows o;
        ELSE
          SELECT array_agg(ROW(o.municipality_id, o.id, o.case_id, o.created_at, o.answered_at, o.status, o.from_agency_id, o.to_agency_id)::referral_tally_input) FILTER (WHERE o.id IS NOT NULL),
                 array_agg(ROW(n.municipality_id, n.id, n.case_id, n.created_at, n.answered_at, n.status, n.from_agency_id, n.to_agency_id)::referral_tally_input) FILTER (WHERE n.id IS NOT NULL) INTO v_old, v_new
          FROM old_rows o FULL JOIN new_rows n ON n.municipality_id = o.municipality_id AND n.id = o.id
          WHERE o.id IS NULL OR n.id IS NULL
             OR (o.case_id, o.created_at, o.answered_at, o.status, o.from_agency_id, o.to_agency_id)
                IS DISTINCT FROM (n.case_id, n.created_at, n.answered_at, n.status, n.from_agency_id, n.to_agency_id);
        END IF;
        IF v_old IS NULL AND v_new IS NULL THEN RETURN NULL; END IF;
        IF coalesce(cardinality(v_old), 0) + coalesce(cardinality(v_new), 0) > 100 THEN
          -- a bulk statement: plan for its size (for this call only)
          PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
        END IF;

        PERFORM 1 FROM cases c
        WHERE (c.municipality_id, c.id) IN (SELECT municipality_id, case_id FROM unnest(v_old) UNION SELECT municipality_id, case_id FROM unnest(v_new))
        ORDER BY c.municipality_id, c.id FOR NO KEY UPDATE OF c;

        WITH changed_old AS (
          SELECT municipality_id, id, case_id, created_at, answered_at, status, from_agency_id, to_agency_id FROM unnest(v_old)
        ), changed_new AS (
          SELECT municipality_id, id, case_id, created_at, answered_at, status, from_agency_id, to_agency_id FROM unnest(v_new)
        ), affected AS (
          SELECT municipality_id, case_id FROM changed_old UNION SELECT municipality_id, case_id FROM changed_new
        ), declined_now AS (
          SELECT r.municipality_id, r.case_id, r.id, r.answered_at
          FROM referrals r JOIN affected a ON a.municipality_id = r.municipality_id AND a.case_id = r.case_id
          WHERE r.status = 'declined'
        ), declined_then AS (
          SELECT * FROM declined_now x WHERE NOT EXISTS (SELECT 1 FROM changed_new n WHERE n.municipality_id = x.municipality_id AND n.id = x.id)
          UNION ALL
          SELECT municipality_id, case_id, id, answered_at FROM changed_old WHERE status = 'declined'
        ), first_declines AS (
          SELECT coalesce(t.municipality_id, n.municipality_id) AS municipality_id, coalesce(t.case_id, n.case_id) AS case_id, t.at AS then_at, n.at AS now_at
          FROM (SELECT municipality_id, case_id, min(answered_at) AS at FROM declined_then GROUP BY 1, 2) t
          FULL JOIN (SELECT municipality_id, case_id, min(answered_at) AS at FROM declined_now GROUP BY 1, 2) n
            ON n.municipality_id = t.municipality_id AND n.case_id = t.case_id
        ), others AS (
          -- the unchanged referrals of cases whose first decline moved: their re-route flag may have changed
          SELECT r.municipality_id, r.id, r.case_id, r.created_at, r.answered_at, r.status, r.from_agency_id, r.to_agency_id
          FROM referrals r JOIN first_declines f ON f.municipality_id = r.municipality_id AND f.case_id = r.case_id
          WHERE f.then_at IS DISTINCT FROM f.now_at
            AND NOT EXISTS (SELECT 1 FROM changed_new n WHERE n.municipality_id = r.municipality_id AND n.id = r.id)
        ), sides AS (
          SELECT -1 AS sign, * FROM changed_old UNION ALL SELECT -1, * FROM others
          UNION ALL
          SELECT 1, * FROM changed_new UNION ALL SELECT 1, * FROM others
        )
        INSERT INTO report_tallies (municipality_id, fiscal_year, measure, agency_id, other_agency_id, code, flag, n)
        SELECT s.municipality_id, tokyo_fiscal_year(s.created_at), 'referral', s.from_agency_id, s.to_agency_id, s.status,
               COALESCE(CASE s.sign WHEN -1 THEN f.then_at ELSE f.now_at END < s.created_at, false), sum(s.sign)
        FROM sides s LEFT JOIN first_declines f ON f.municipality_id = s.municipality_id AND f.case_id = s.case_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        HAVING sum(s.sign) <> 0;

        -- Handled by a CSW: only a referral accepted by a social_welfare_council agency, made or undone, can change it.
        WITH csw AS (
          SELECT a.municipality_id, a.id FROM agencies a WHERE a.kind = 'social_welfare_council'
            AND a.municipality_id IN (SELECT municipality_id FROM unnest(v_old) UNION SELECT municipality_id FROM unnest(v_new))
        ), changed_old AS (
          SELECT o.municipality_id, o.id, o.case_id FROM unnest(v_old) o JOIN csw ON csw.municipality_id = o.municipality_id AND csw.id = o.to_agency_id WHERE o.status = 'accepted'
        ), changed_new AS (
          SELECT n.municipality_id, n.id, n.case_id FROM unnest(v_new) n JOIN csw ON csw.municipality_id = n.municipality_id AND csw.id = n.to_agency_id WHERE n.status = 'accepted'
        ), touched AS (
          SELECT municipality_id, case_id FROM changed_old UNION SELECT municipality_id, case_id FROM changed_new
        ), accepted_now AS (
          SELECT r.municipality_id, r.id, r.case_id FROM referrals r
          JOIN touched t ON t.municipality_id = r.municipality_id AND t.case_id = r.case_id
          JOIN csw ON csw.municipality_id = r.municipality_id AND csw.id = r.to_agency_id
          WHERE r.status = 'accepted'
        ), referred_then AS (
          SELECT municipality_id, case_id FROM accepted_now x
          WHERE NOT EXISTS (SELECT 1 FROM unnest(v_new) n WHERE n.municipality_id = x.municipality_id AND n.id = x.id)
          UNION
          SELECT municipality_id, case_id FROM changed_old
        ), referred_now AS (
          SELECT DISTINCT municipality_id, case_id FROM accepted_now
        ), flags AS (
          SELECT c.municipality_id, c.received_at, c.intake_agency_id, c.channel, c.primary_concern,
                 b.case_id IS NOT NULL AS referred_then, n.case_id IS NOT NULL AS referred_now,
                 EXISTS (SELECT 1 FROM csw WHERE csw.municipality_id = c.municipality_id AND csw.id IN (c.intake_agency_id, c.lead_agency_id))
                 OR EXISTS (SELECT 1 FROM case_agencies x JOIN csw ON csw.municipality_id = x.municipality_id AND csw.id = x.agency_id
                            WHERE x.municipality_id = c.municipality_id AND x.case_id = c.id) AS otherwise
          FROM cases c JOIN touched t ON t.municipality_id = c.municipality_id AND t.case_id = c.id
          LEFT JOIN referred_then b ON b.municipality_id = c.municipality_id AND b.case_id = c.id
          LEFT JOIN referred_now n ON n.municipality_id = c.municipality_id AND n.case_id = c.id
        )
        INSERT INTO report_tallies (municipality_id, fiscal_year, measure, agency_id, code, detail, flag, n)
        SELECT f.municipality_id, tokyo_fiscal_year(f.received_at), 'case', f.intake_agency_id, f.channel, f.primary_concern,
               CASE side.sign WHEN -1 THEN f.referred_then ELSE f.referred_now END, sum(side.sign)
        FROM flags f CROSS JOIN (VALUES (-1), (1)) side (sign)
        WHERE f.referred_then <> f.referred_now AND NOT f.otherwise
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        HAVING sum(side.sign) <> 0;

        -- The changed referrals' answer times: forget what they were, record what they are.
        IF v_old IS NOT NULL THEN
          WITH changed AS (
            SELECT municipality_id, id FROM unnest(v_old) UNION SELECT municipality_id, id FROM unnest(v_new)
          ), gone AS (
            DELETE FROM answer_times t USING changed c WHERE t.municipality_id = c.municipality_id AND t.referral_id = c.id
            RETURNING t.municipality_id, t.fiscal_year, t.elapsed_us, t.business_us, t.calendar
          )
          INSERT INTO report_tallies (municipality_id, fiscal_year, measure, code, bucket, exact_minute, n)
          SELECT municipality_id, fiscal_year, 'answer_elapsed', NULL, tally_bucket(elapsed_us), tally_minute(elapsed_us), -count(*)::integer FROM gone GROUP BY 1, 2, 5, 6
          UNION ALL
          SELECT municipality_id, fiscal_year, 'answer_business', calendar, tally_bucket(business_us), tally_minute(business_us), -count(*)::integer FROM gone
          WHERE business_us IS NOT NULL GROUP BY 1, 2, 4, 5, 6;
        END IF;

        WITH fresh AS (
          INSERT INTO answer_times (municipality_id, referral_id, fiscal_year, elapsed_us)
          SELECT municipality_id, id, tokyo_fiscal_year(answered_at), epoch_us(answered_at) - epoch_us(created_at)
          FROM unnest(v_new) WHERE status IN ('accepted', 'declined') AND answered_at IS NOT NULL
          RETURNING municipality_id, fiscal_year, elapsed_us
        )
        INSERT INTO report_tallies (municipality_id, fiscal_year, measure, bucket, exact_minute, n)
        SELECT municipality_id, fiscal_year, 'answer_elapsed', tally_bucket(elapsed_us), tally_minute(elapsed_us), count(*)::integer FROM fresh GROUP BY 1, 2, 4, 5;
        RETURN NULL;
      END $$;

      -- case_agencies: whether the cases concerned are handled by a CSW, before and after. Only
      -- involvements of social_welfare_council agencies can change it.
      CREATE FUNCTION case_agencies_tally() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET work_mem = '64MB' SET plan_cache_mode = force_generic_plan AS $$
      DECLARE
        v_old case_agencies[];
        v_new case_agencies[];
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          SELECT array_agg(o) INTO v_old FROM old_rows o JOIN agencies a ON a.municipality_id = o.municipality_id AND a.id = o.agency_id
          WHERE a.kind = 'social_welfare_council';
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
          SELECT array_agg(n) INTO v_new FROM new_rows n JOIN agencies a ON a.municipality_id = n.municipality_id AND a.id = n.agency_id
          WHERE a.kind = 'social_welfare_council';
        END IF;
        IF v_old IS NULL AND v_new IS NULL THEN RETURN NULL; END IF;
        IF coalesce(cardinality(v_old), 0) + coalesce(cardinality(v_new), 0) > 100 THEN
          -- a bulk statement: plan for its size (for this call only)
          PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
        END IF;

        PERFORM 1 FROM cases c
        WHERE (c.municipality_id, c.id) IN (SELECT municipality_id, case_id FROM unnest(v_old) UNION SELECT municipality_id, case_id FROM unnest(v_new))
        ORDER BY c.municipality_id, c.id FOR NO KEY UPDATE OF c;

        WITH affected AS (
          SELECT municipality_id, case_id FROM unnest(v_old) UNION SELECT municipality_id, case_id FROM unnest(v_new)
        ), csw AS (
          SELECT a.municipality_id, a.id FROM agencies a WHERE a.kind = 'social_welfare_council' AND a.municipality_id IN (SELECT municipality_id FROM affected)
        ), now_rows AS (
          SELECT x.municipality_id, x.case_id, x.agency_id, x.involvement
          FROM case_agencies x JOIN affected a ON a.municipality_id = x.municipality_id AND a.case_id = x.case_id
          JOIN csw ON csw.municipality_id = x.municipality_id AND csw.id = x.agency_id
        ), then_rows AS (
          SELECT * FROM now_rows x
          WHERE NOT EXISTS (SELECT 1 FROM unnest(v_new) n WHERE n.municipality_id = x.municipality_id AND n.case_id = x.case_id
                              AND n.agency_id = x.agency_id AND n.involvement = x.involvement)
          UNION ALL
          SELECT o.municipality_id, o.case_id, o.agency_id, o.involvement FROM unnest(v_old) o
        ), involved_then AS (
          SELECT DISTINCT municipality_id, case_id FROM then_rows
        ), involved_now AS (
          SELECT DISTINCT municipality_id, case_id FROM now_rows
        ), flags AS (
          SELECT c.municipality_id, c.received_at, c.intake_agency_id, c.channel, c.primary_concern,
                 b.case_id IS NOT NULL AS involved_then, n.case_id IS NOT NULL AS involved_now,
                 EXISTS (SELECT 1 FROM csw WHERE csw.municipality_id = c.municipality_id AND csw.id IN (c.intake_agency_id, c.lead_agency_id))
                 OR EXISTS (SELECT 1 FROM referrals r JOIN csw ON csw.municipality_id = r.municipality_id AND csw.id = r.to_agency_id
                            WHERE r.municipality_id = c.municipality_id AND r.case_id = c.id AND r.status = 'accepted') AS otherwise
          FROM cases c JOIN affected a ON a.municipality_id = c.municipality_id AND a.case_id = c.id
          LEFT JOIN involved_then b ON b.municipality_id = c.municipality_id AND b.case_id = c.id
          LEFT JOIN involved_now n ON n.municipality_id = c.municipality_id AND n.case_id = c.id
        )
        INSERT INTO report_tallies (municipality_id, fiscal_year, measure, agency_id, code, detail, flag, n)
        SELECT f.municipality_id, tokyo_fiscal_year(f.received_at), 'case', f.intake_agency_id, f.channel, f.primary_concern,
               CASE side.sign WHEN -1 THEN f.involved_then ELSE f.involved_now END, sum(side.sign)
        FROM flags f CROSS JOIN (VALUES (-1), (1)) side (sign)
        WHERE f.involved_then <> f.involved_now AND NOT f.otherwise
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        HAVING sum(side.sign) <> 0;
        RETURN NULL;
      END $$;

      -- conferences: by type, in the year held.
      CREATE FUNCTION conferences_tally() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO report_tallies (municipality_id, fiscal_year, measure, code, n)
          SELECT municipality_id, tokyo_fiscal_year(held_at), 'conference', type, count(*)::integer FROM new_rows GROUP BY 1, 2, 4;
        ELSIF TG_OP = 'DELETE' THEN
          INSERT INTO report_tallies (municipality_id, fiscal_year, measure, code, n)
          SELECT municipality_id, tokyo_fiscal_year(held_at), 'conference', type, -count(*)::integer FROM old_rows GROUP BY 1, 2, 4;
        ELSE
          INSERT INTO report_tallies (municipality_id, fiscal_year, measure, code, n)
          SELECT municipality_id, fiscal_year, 'conference', type, sum(sign)::integer
          FROM (SELECT -1 AS sign, municipality_id, tokyo_fiscal_year(held_at) AS fiscal_year, type FROM old_rows
                UNION ALL SELECT 1, municipality_id, tokyo_fiscal_year(held_at), type FROM new_rows) s
          GROUP BY 1, 2, 4 HAVING sum(sign) <> 0;
        END IF;
        RETURN NULL;
      END $$;

      -- Recounts a municipality's tallies from the records, in one statement (one snapshot):
      -- what a concurrent writer commits after it stays in its own appended rows.
      CREATE FUNCTION rebuild_report_tallies(p_municipality uuid) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        WITH gone AS (DELETE FROM report_tallies WHERE municipality_id = p_municipality RETURNING 1),
        csw AS (SELECT id FROM agencies WHERE municipality_id = p_municipality AND kind = 'social_welfare_council'),
        involved AS (
          SELECT case_id FROM case_agencies WHERE municipality_id = p_municipality AND agency_id IN (SELECT id FROM csw)
          UNION
          SELECT case_id FROM referrals WHERE municipality_id = p_municipality AND status = 'accepted' AND to_agency_id IN (SELECT id FROM csw)
        ),
        first_declines AS (
          SELECT case_id, min(answered_at) AS at FROM referrals WHERE municipality_id = p_municipality AND status = 'declined' GROUP BY case_id
        ),
        counted AS (
          SELECT tokyo_fiscal_year(c.received_at) AS fiscal_year, 'case' AS measure, c.intake_agency_id AS agency_id, NULL::uuid AS other_agency_id,
                 c.channel AS code, c.primary_concern AS detail,
                 i.case_id IS NOT NULL OR c.intake_agency_id IN (SELECT id FROM csw) OR c.lead_agency_id IN (SELECT id FROM csw) AS flag,
                 NULL::integer AS bucket, NULL::integer AS exact_minute
          FROM cases c LEFT JOIN involved i ON i.case_id = c.id
          WHERE c.municipality_id = p_municipality
          UNION ALL
          SELECT tokyo_fiscal_year(c.received_at), 'concern', NULL, NULL, x.concern, NULL, NULL, NULL, NULL
          FROM cases c, LATERAL (SELECT DISTINCT concern FROM unnest(c.concerns) concern) x
          WHERE c.municipality_id = p_municipality
          UNION ALL
          SELECT tokyo_fiscal_year(closed_at), 'closure', NULL, NULL, closure_reason, NULL, NULL, NULL, NULL
          FROM cases WHERE municipality_id = p_municipality AND closed_at IS NOT NULL
          UNION ALL
          SELECT tokyo_fiscal_year(r.created_at), 'referral', r.from_agency_id, r.to_agency_id, r.status, NULL, COALESCE(d.at < r.created_at, false), NULL, NULL
          FROM referrals r LEFT JOIN first_declines d ON d.case_id = r.case_id
          WHERE r.municipality_id = p_municipality
          UNION ALL
          SELECT tokyo_fiscal_year(held_at), 'conference', NULL, NULL, type, NULL, NULL, NULL, NULL FROM conferences WHERE municipality_id = p_municipality
          UNION ALL
          SELECT fiscal_year, 'answer_elapsed', NULL, NULL, NULL, NULL, NULL, tally_bucket(elapsed_us), tally_minute(elapsed_us) FROM answer_times
          WHERE municipality_id = p_municipality
          UNION ALL
          SELECT fiscal_year, 'answer_business', NULL, NULL, calendar, NULL, NULL, tally_bucket(business_us), tally_minute(business_us) FROM answer_times
          WHERE municipality_id = p_municipality AND business_us IS NOT NULL
        )
        INSERT INTO report_tallies (municipality_id, fiscal_year, measure, agency_id, other_agency_id, code, detail, flag, bucket, exact_minute, n, compacted)
        SELECT p_municipality, fiscal_year, measure, agency_id, other_agency_id, code, detail, flag, bucket, exact_minute, count(*)::integer, true
        FROM counted GROUP BY fiscal_year, measure, agency_id, other_agency_id, code, detail, flag, bucket, exact_minute
      $$;

      -- agencies: a kind is fixed when an agency is made; should one change, its cases are counted again.
      CREATE FUNCTION agencies_tally() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE m uuid;
      BEGIN
        FOR m IN SELECT DISTINCT n.municipality_id FROM old_rows o JOIN new_rows n ON n.municipality_id = o.municipality_id AND n.id = o.id
                 WHERE n.kind IS DISTINCT FROM o.kind LOOP
          PERFORM rebuild_report_tallies(m);
        END LOOP;
        RETURN NULL;
      END $$;

      CREATE TRIGGER cases_tally_insert AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_tally();
      CREATE TRIGGER cases_tally_update AFTER UPDATE ON cases REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_tally();
      CREATE TRIGGER cases_tally_delete AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_tally();
      CREATE TRIGGER referrals_tally_insert AFTER INSERT ON referrals REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION referrals_tally();
      CREATE TRIGGER referrals_tally_update AFTER UPDATE ON referrals REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION referrals_tally();
      CREATE TRIGGER referrals_tally_delete AFTER DELETE ON referrals REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION referrals_tally();
      CREATE TRIGGER case_agencies_tally_insert AFTER INSERT ON case_agencies REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_agencies_tally();
      CREATE TRIGGER case_agencies_tally_update AFTER UPDATE ON case_agencies REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_agencies_tally();
      CREATE TRIGGER case_agencies_tally_delete AFTER DELETE ON case_agencies REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION case_agencies_tally();
      CREATE TRIGGER conferences_tally_insert AFTER INSERT ON conferences REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION conferences_tally();
      CREATE TRIGGER conferences_tally_update AFTER UPDATE ON conferences REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION conferences_tally();
      CREATE TRIGGER conferences_tally_delete AFTER DELETE ON conferences REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION conferences_tally();
      CREATE TRIGGER agencies_tally_update AFTER UPDATE ON agencies REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION agencies_tally();
      -- The totals follow every change, also in a session that skips ordinary triggers to load
      -- data fast (session_replication_role = replica, as bulk loads and pg_restore use).
      ALTER TABLE cases ENABLE ALWAYS TRIGGER cases_tally_insert, ENABLE ALWAYS TRIGGER cases_tally_update, ENABLE ALWAYS TRIGGER cases_tally_delete;
      ALTER TABLE referrals ENABLE ALWAYS TRIGGER referrals_tally_insert, ENABLE ALWAYS TRIGGER referrals_tally_update, ENABLE ALWAYS TRIGGER referrals_tally_delete;
      ALTER TABLE case_agencies ENABLE ALWAYS TRIGGER case_agencies_tally_insert, ENABLE ALWAYS TRIGGER case_agencies_tally_update, ENABLE ALWAYS TRIGGER case_agencies_tally_delete;
      ALTER TABLE conferences ENABLE ALWAYS TRIGGER conferences_tally_insert, ENABLE ALWAYS TRIGGER conferences_tally_update, ENABLE ALWAYS TRIGGER conferences_tally_delete;
      ALTER TABLE agencies ENABLE ALWAYS TRIGGER agencies_tally_update;

      -- The worker: each (municipality, fiscal year) with appended rows becomes one row per key.
      -- One compactor at a time; a report sees a year's rows before or after, never half-way.
      CREATE FUNCTION compact_report_tallies(p_limit integer) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        g record;
        done integer := 0;
      BEGIN
        IF NOT pg_try_advisory_xact_lock(hashtext('compact_report_tallies')) THEN RETURN 0; END IF;
        FOR g IN SELECT DISTINCT municipality_id, fiscal_year FROM report_tallies WHERE NOT compacted LIMIT p_limit LOOP
          WITH gone AS (
            DELETE FROM report_tallies WHERE municipality_id = g.municipality_id AND fiscal_year = g.fiscal_year
            RETURNING measure, agency_id, other_agency_id, code, detail, flag, bucket, exact_minute, n
          )
          INSERT INTO report_tallies (municipality_id, fiscal_year, measure, agency_id, other_agency_id, code, detail, flag, bucket, exact_minute, n, compacted)
          SELECT g.municipality_id, g.fiscal_year, measure, agency_id, other_agency_id, code, detail, flag, bucket, exact_minute, sum(n), true
          FROM gone GROUP BY measure, agency_id, other_agency_id, code, detail, flag, bucket, exact_minute HAVING sum(n) <> 0;
          done := done + 1;
        END LOOP;
        RETURN done;
      END $$;
      REVOKE ALL ON FUNCTION compact_report_tallies(integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION compact_report_tallies(integer) TO ${APP_ROLE};

      -- The worker, for the transaction's own municipality: business times stored under
      -- another calendar than the current one are forgotten, to be computed again.
      CREATE FUNCTION reset_answer_times(p_municipality uuid, p_calendar text, p_limit integer) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE done integer;
      BEGIN
        IF p_municipality IS DISTINCT FROM (SELECT NULLIF(current_setting('app.municipality_id', true), ''))::uuid THEN
          RAISE EXCEPTION 'reset_answer_times: not the current municipality' USING ERRCODE = 'insufficient_privilege';
        END IF;
        WITH stale AS (
          SELECT referral_id, fiscal_year, business_us, calendar FROM answer_times
          WHERE municipality_id = p_municipality AND business_us IS NOT NULL AND (calendar < p_calendar OR calendar > p_calendar)
          LIMIT p_limit FOR UPDATE SKIP LOCKED
        ), reset AS (
          UPDATE answer_times t SET business_us = NULL, calendar = NULL FROM stale s
          WHERE t.municipality_id = p_municipality AND t.referral_id = s.referral_id
          RETURNING 1
        ), tallied AS (
          INSERT INTO report_tallies (municipality_id, fiscal_year, measure, code, bucket, exact_minute, n)
          SELECT p_municipality, fiscal_year, 'answer_business', calendar, tally_bucket(business_us), tally_minute(business_us), -count(*)::integer
          FROM stale GROUP BY 2, 4, 5, 6
          RETURNING 1
        )
        SELECT count(*) INTO done FROM reset;
        RETURN done;
      END $$;
      REVOKE ALL ON FUNCTION reset_answer_times(uuid, text, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION reset_answer_times(uuid, text, integer) TO ${APP_ROLE};

      -- The worker, for the transaction's own municipality: business times of answers not yet
      -- timed, on the clock given (those made or answered outside it are left to the reports).
      CREATE FUNCTION fill_answer_times(p_municipality uuid, p_calendar text, p_first_day integer, p_before_us bigint[], p_open_from_us bigint[], p_open_us bigint, p_limit integer)
      RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE done integer;
      BEGIN
        IF p_municipality IS DISTINCT FROM (SELECT NULLIF(current_setting('app.municipality_id', true), ''))::uuid THEN
          RAISE EXCEPTION 'fill_answer_times: not the current municipality' USING ERRCODE = 'insufficient_privilege';
        END IF;
        WITH todo AS (
          SELECT t.referral_id, epoch_us(r.created_at) AS created_us, epoch_us(r.answered_at) AS answered_us
          FROM answer_times t JOIN referrals r ON r.municipality_id = t.municipality_id AND r.id = t.referral_id
          WHERE t.municipality_id = p_municipality AND t.business_us IS NULL
            AND r.created_at >= to_timestamp(p_first_day * 86400.0 - 32400)
            AND r.answered_at < to_timestamp((p_first_day + cardinality(p_before_us)) * 86400.0 - 32400)
          LIMIT p_limit FOR UPDATE OF t SKIP LOCKED
        ), filled AS (
          UPDATE answer_times t
          SET business_us = clock_reading(todo.answered_us, p_first_day, p_before_us, p_open_from_us, p_open_us)
                          - clock_reading(todo.created_us, p_first_day, p_before_us, p_open_from_us, p_open_us),
              calendar = p_calendar
          FROM todo WHERE t.municipality_id = p_municipality AND t.referral_id = todo.referral_id
          RETURNING t.fiscal_year, t.business_us
        ), tallied AS (
          INSERT INTO report_tallies (municipality_id, fiscal_year, measure, code, bucket, exact_minute, n)
          SELECT p_municipality, fiscal_year, 'answer_business', p_calendar, tally_bucket(business_us), tally_minute(business_us), count(*)::integer
          FROM filled GROUP BY 2, 4, 5, 6
          RETURNING 1
        )
        SELECT count(*) INTO done FROM filled;
        RETURN done;
      END $$;
      REVOKE ALL ON FUNCTION fill_answer_times(uuid, text, integer, bigint[], bigint[], bigint, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION fill_answer_times(uuid, text, integer, bigint[], bigint[], bigint, integer) TO ${APP_ROLE};

      -- What is there already.
      INSERT INTO answer_times (municipality_id, referral_id, fiscal_year, elapsed_us)
      SELECT municipality_id, id, tokyo_fiscal_year(answered_at), epoch_us(answered_at) - epoch_us(created_at)
      FROM referrals WHERE status IN ('accepted', 'declined') AND answered_at IS NOT NULL;
      SELECT rebuild_report_tallies(id) FROM municipalities;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS agencies_tally_update ON agencies;
      DROP TRIGGER IF EXISTS conferences_tally_insert ON conferences;
      DROP TRIGGER IF EXISTS conferences_tally_update ON conferences;
      DROP TRIGGER IF EXISTS conferences_tally_delete ON conferences;
      DROP TRIGGER IF EXISTS case_agencies_tally_insert ON case_agencies;
      DROP TRIGGER IF EXISTS case_agencies_tally_update ON case_agencies;
      DROP TRIGGER IF EXISTS case_agencies_tally_delete ON case_agencies;
      DROP TRIGGER IF EXISTS referrals_tally_insert ON referrals;
      DROP TRIGGER IF EXISTS referrals_tally_update ON referrals;
      DROP TRIGGER IF EXISTS referrals_tally_delete ON referrals;
      DROP TRIGGER IF EXISTS cases_tally_insert ON cases;
      DROP TRIGGER IF EXISTS cases_tally_update ON cases;
      DROP TRIGGER IF EXISTS cases_tally_delete ON cases;
      DROP FUNCTION IF EXISTS fill_answer_times(uuid, text, integer, bigint[], bigint[], bigint, integer);
      DROP FUNCTION IF EXISTS reset_answer_times(uuid, text, integer);
      DROP FUNCTION IF EXISTS compact_report_tallies(integer);
      DROP FUNCTION IF EXISTS agencies_tally();
      DROP FUNCTION IF EXISTS rebuild_report_tallies(uuid);
      DROP FUNCTION IF EXISTS conferences_tally();
      DROP FUNCTION IF EXISTS case_agencies_tally();
      DROP FUNCTION IF EXISTS referrals_tally();
      DROP FUNCTION IF EXISTS cases_tally();
      DROP TYPE IF EXISTS referral_tally_input, case_tally_input;
      DROP TABLE IF EXISTS answer_times, report_tallies;
      DROP FUNCTION IF EXISTS clock_reading(bigint, integer, bigint[], bigint[], bigint);
      DROP FUNCTION IF EXISTS tally_minute(bigint);
      DROP FUNCTION IF EXISTS tally_bucket(bigint);
      DROP FUNCTION IF EXISTS epoch_us(timestamptz);
      DROP FUNCTION IF EXISTS tokyo_fiscal_year(timestamptz);
    `);
  }
}
