import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, tenantPolicy } from './sql';

/**
 * Tenants, agencies, staff and the audit trail. Every tenant table is keyed
 * (municipality_id, id) and referenced with composite foreign keys, so the database itself
 * refuses a reference across municipalities and every row carries its shard key (Citus can
 * distribute these tables by municipality_id without a redesign).
 */
export class Foundation1795400000000 implements MigrationInterface {
  name = 'Foundation1795400000000';

  async up(q: QueryRunner): Promise<void> {
    // Roles are cluster-wide: create the application role once, whoever migrates first.
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
          CREATE ROLE ${APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$;`);
    // The login role of DATABASE_URL must be able to become the application role.
    await q.query(`
      DO $$ BEGIN
        IF NOT pg_has_role(current_user, '${APP_ROLE}', 'MEMBER') THEN
          EXECUTE format('GRANT ${APP_ROLE} TO %I', current_user);
        END IF;
      END $$;`);
    await q.query(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`);

    await q.query(`
      CREATE TABLE municipalities (
        id uuid PRIMARY KEY,
        code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
        name text NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      ALTER TABLE municipalities ENABLE ROW LEVEL SECURITY;
      CREATE POLICY municipalities_tenant ON municipalities TO ${APP_ROLE}
        USING (id = (SELECT NULLIF(current_setting('app.municipality_id', true), ''))::uuid);
      GRANT SELECT, INSERT, UPDATE (settings, updated_at, name) ON municipalities TO ${APP_ROLE};

      CREATE TABLE agencies (
        municipality_id uuid NOT NULL REFERENCES municipalities (id),
        id uuid NOT NULL,
        code text NOT NULL,
        name text NOT NULL,
        kind text NOT NULL,
        area text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id),
        UNIQUE (municipality_id, code)
      );
      ${tenantPolicy('agencies')}
      GRANT SELECT, INSERT, UPDATE ON agencies TO ${APP_ROLE};

      CREATE TABLE users (
        municipality_id uuid NOT NULL REFERENCES municipalities (id),
        id uuid NOT NULL,
        username text NOT NULL,
        display_name text NOT NULL,
        agency_id uuid,
        roles text[] NOT NULL CHECK (cardinality(roles) > 0),
        password_hash text NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        -- Bumped on every change that must end existing sessions (disable, move, password).
        token_version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id),
        UNIQUE (municipality_id, username),
        FOREIGN KEY (municipality_id, agency_id) REFERENCES agencies (municipality_id, id)
      );
      CREATE INDEX users_agency ON users (municipality_id, agency_id);
      ${tenantPolicy('users')}
      GRANT SELECT, INSERT, UPDATE ON users TO ${APP_ROLE};
    `);

    // The audit trail: append-only, partitioned by month so old months can be archived.
    // A partitioned table must key on its partition column; nothing references it.
    await q.query(`
      CREATE TABLE audit_events (
        municipality_id uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        id uuid NOT NULL,
        actor_id uuid,
        actor_agency_id uuid,
        actor_roles text[] NOT NULL DEFAULT '{}',
        action text NOT NULL,
        entity_type text NOT NULL,
        entity_id uuid,
        case_id uuid,
        request_id text,
        client_ip text,
        changed_fields text[] NOT NULL DEFAULT '{}',
        restricted boolean NOT NULL DEFAULT false,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb,
        PRIMARY KEY (municipality_id, occurred_at, id)
      ) PARTITION BY RANGE (occurred_at);
      CREATE INDEX audit_events_case ON audit_events (municipality_id, case_id, occurred_at) WHERE case_id IS NOT NULL;
      CREATE INDEX audit_events_entity ON audit_events (municipality_id, entity_type, entity_id, occurred_at);
      CREATE INDEX audit_events_actor ON audit_events (municipality_id, actor_id, occurred_at);
      CREATE INDEX audit_events_action ON audit_events (municipality_id, action, occurred_at);
      CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;
      ${tenantPolicy('audit_events')}
      GRANT SELECT, INSERT ON audit_events TO ${APP_ROLE};

      CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
      REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM ${APP_ROLE};

      -- Monthly partitions; the worker keeps creating the coming months (ensure_audit_partitions).
      CREATE FUNCTION ensure_audit_partitions(months_ahead integer) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        start_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
        m date; created integer := 0; part text;
      BEGIN
        FOR i IN 0..months_ahead LOOP
          m := (start_month + make_interval(months => i))::date;
          part := format('audit_events_%s', to_char(m, 'YYYYMM'));
          IF to_regclass(part) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
                           part, m::timestamptz, (m + interval '1 month')::timestamptz);
            created := created + 1;
          END IF;
        END LOOP;
        RETURN created;
      END $$;
      REVOKE ALL ON FUNCTION ensure_audit_partitions(integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION ensure_audit_partitions(integer) TO ${APP_ROLE};
      SELECT ensure_audit_partitions(3);
    `);

    // The two reads that must cross tenants, each a narrow function: resolving a
    // municipality code (login, the public directory) and the signed-in principal.
    await q.query(`
      CREATE FUNCTION municipality_by_code(p_code text)
      RETURNS TABLE (id uuid, code text, name text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT m.id, m.code, m.name FROM municipalities m WHERE m.code = p_code
      $$;
      REVOKE ALL ON FUNCTION municipality_by_code(text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION municipality_by_code(text) TO ${APP_ROLE};

      CREATE FUNCTION auth_principal(p_municipality uuid, p_user uuid)
      RETURNS TABLE (id uuid, municipality_id uuid, username text, agency_id uuid, roles text[], disabled boolean, token_version integer)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT u.id, u.municipality_id, u.username, u.agency_id, u.roles, u.disabled, u.token_version
        FROM users u WHERE u.municipality_id = p_municipality AND u.id = p_user
      $$;
      REVOKE ALL ON FUNCTION auth_principal(uuid, uuid) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION auth_principal(uuid, uuid) TO ${APP_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS auth_principal(uuid, uuid);
      DROP FUNCTION IF EXISTS municipality_by_code(text);
      DROP TABLE IF EXISTS audit_events;
      DROP FUNCTION IF EXISTS ensure_audit_partitions(integer);
      DROP FUNCTION IF EXISTS audit_events_refuse_change();
      DROP TABLE IF EXISTS users;
      DROP TABLE IF EXISTS agencies;
      DROP TABLE IF EXISTS municipalities;
    `);
  }
}
