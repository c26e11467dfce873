import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, tenantPolicy } from './sql';

/**
 * Cases, households, notes, the case timeline and idempotency keys.
 * Case numbers come from one sequence per municipality and fiscal year (gaps allowed,
 * duplicates never): nextval takes no lock that lasts until COMMIT, so the intakes of a
 * city never wait for each other the way a counter row would make them.
 */
export class Cases1795500000000 implements MigrationInterface {
  name = 'Cases1795500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION next_case_number(p_municipality uuid, p_fiscal_year integer) RETURNS bigint
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE seq text := format('case_number_%s_%s', replace(p_municipality::text, '-', ''), p_fiscal_year);
      BEGIN
        -- Only for the transaction's own municipality.
        IF p_municipality IS DISTINCT FROM (SELECT NULLIF(current_setting('app.municipality_id', true), ''))::uuid THEN
          RAISE EXCEPTION 'next_case_number: not the current municipality' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF to_regclass(seq) IS NULL THEN
          BEGIN
            EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', seq);
          EXCEPTION WHEN unique_violation OR duplicate_table THEN NULL; -- another intake made it first
          END;
        END IF;
        RETURN nextval(seq);
      END $$;
      REVOKE ALL ON FUNCTION next_case_number(uuid, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION next_case_number(uuid, integer) TO ${APP_ROLE};

      CREATE TABLE cases (
        municipality_id uuid NOT NULL REFERENCES municipalities (id),
        id uuid NOT NULL,
        case_number text NOT NULL,
        fiscal_year integer NOT NULL,
        status text NOT NULL DEFAULT 'intake',
        channel text NOT NULL,
        summary text NOT NULL,
        received_at timestamptz NOT NULL,
        urgency text NOT NULL DEFAULT 'normal',
        concerns text[] NOT NULL DEFAULT '{}',
        primary_concern text,
        referral_source text,
        visitor jsonb,
        interpreter_language text,
        -- consent of the person when no household member is recorded (anonymous consultations)
        consent_status text NOT NULL DEFAULT 'not_asked',
        consent_obtained_at timestamptz,
        restricted boolean NOT NULL DEFAULT false,
        household_address text,
        household_district text,
        lead_agency_id uuid NOT NULL,
        lead_worker_id uuid,
        intake_agency_id uuid NOT NULL,
        opened_by_id uuid,
        closure_reason text,
        closed_at timestamptz,
        -- normalised member names (joined by a space) and their unigrams and bigrams, for name search
        search_text text NOT NULL DEFAULT '',
        search_grams text[] NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id),
        UNIQUE (municipality_id, case_number),
        FOREIGN KEY (municipality_id, lead_agency_id) REFERENCES agencies (municipality_id, id),
        FOREIGN KEY (municipality_id, intake_agency_id) REFERENCES agencies (municipality_id, id),
        FOREIGN KEY (municipality_id, lead_worker_id) REFERENCES users (municipality_id, id),
        FOREIGN KEY (municipality_id, opened_by_id) REFERENCES users (municipality_id, id),
        CHECK (status <> 'closed' OR closure_reason IS NOT NULL)
      );
      CREATE INDEX cases_lead ON cases (municipality_id, lead_agency_id, created_at DESC, id DESC);
      CREATE INDEX cases_recent ON cases (municipality_id, created_at DESC, id DESC);
      CREATE INDEX cases_received ON cases (municipality_id, received_at);
      CREATE INDEX cases_search ON cases USING gin (search_grams);
      ${tenantPolicy('cases')}
      GRANT SELECT, INSERT, UPDATE ON cases TO ${APP_ROLE};

      CREATE TABLE household_members (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        case_id uuid NOT NULL,
        position integer NOT NULL,
        name text,
        name_kana text,
        birth_date date,
        sex text,
        relationship text,
        is_primary boolean NOT NULL DEFAULT false,
        phone text,
        notes text,
        consent_status text NOT NULL DEFAULT 'not_asked',
        consent_obtained_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id),
        FOREIGN KEY (municipality_id, case_id) REFERENCES cases (municipality_id, id)
      );
      CREATE INDEX household_members_case ON household_members (municipality_id, case_id, position);
      CREATE UNIQUE INDEX household_members_one_primary ON household_members (municipality_id, case_id) WHERE is_primary;
      ${tenantPolicy('household_members')}
      GRANT SELECT, INSERT, UPDATE, DELETE ON household_members TO ${APP_ROLE};

      -- Agencies involved in a case besides the lead (collaboration, hand-off monitor).
      CREATE TABLE case_agencies (
        municipality_id uuid NOT NULL,
        case_id uuid NOT NULL,
        agency_id uuid NOT NULL,
        involvement text NOT NULL,
        since timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, case_id, agency_id, involvement),
        FOREIGN KEY (municipality_id, case_id) REFERENCES cases (municipality_id, id),
        FOREIGN KEY (municipality_id, agency_id) REFERENCES agencies (municipality_id, id)
      );
      CREATE INDEX case_agencies_agency ON case_agencies (municipality_id, agency_id, case_id);
      ${tenantPolicy('case_agencies')}
      GRANT SELECT, INSERT, UPDATE, DELETE ON case_agencies TO ${APP_ROLE};

      CREATE TABLE case_notes (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        case_id uuid NOT NULL,
        kind text NOT NULL,
        body text NOT NULL,
        occurred_at timestamptz NOT NULL,
        author_id uuid NOT NULL,
        author_agency_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id),
        FOREIGN KEY (municipality_id, case_id) REFERENCES cases (municipality_id, id),
        FOREIGN KEY (municipality_id, author_id) REFERENCES users (municipality_id, id)
      );
      CREATE INDEX case_notes_case ON case_notes (municipality_id, case_id, occurred_at DESC, id DESC);
      ${tenantPolicy('case_notes')}
      GRANT SELECT, INSERT ON case_notes TO ${APP_ROLE};

      -- The case timeline: every module appends its events here; nothing is updated.
      CREATE TABLE case_events (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        case_id uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        type text NOT NULL,
        actor_id uuid,
        agency_id uuid,
        entity_type text,
        entity_id uuid,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        PRIMARY KEY (municipality_id, id),
        FOREIGN KEY (municipality_id, case_id) REFERENCES cases (municipality_id, id)
      );
      CREATE INDEX case_events_case ON case_events (municipality_id, case_id, occurred_at, id);
      ${tenantPolicy('case_events')}
      GRANT SELECT, INSERT ON case_events TO ${APP_ROLE};

      -- Idempotency-Key records, committed with the effect they describe.
      CREATE TABLE idempotency_keys (
        municipality_id uuid NOT NULL,
        user_id uuid NOT NULL,
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status_code integer NOT NULL,
        response jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, user_id, scope, key)
      );
      CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
      ${tenantPolicy('idempotency_keys')}
      GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO ${APP_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS idempotency_keys, case_events, case_notes, case_agencies, household_members, cases;
      DROP FUNCTION IF EXISTS next_case_number(uuid, integer);
    `);
  }
}
