import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail at ten million events and more.
 *
 * - `GET /audit?entityId=` (without `entityType`, as "everything about this referral / note /
 *   user" is asked): audit_events_entity starts with entity_type, so without it no index
 *   could find an entity and every partition was read in full (over half a second on a year
 *   of a city's events). An index on the entity alone answers it from the newest event on;
 *   with `entityType` too, the type is checked on the few rows found.
 * - `audit_event_digest` (sealing and verifying hash every event through it): a SQL function
 *   whose whole-row argument is referenced for every field is not inlined by the planner, so
 *   each call went through the SQL-function executor. The same expression in PL/pgSQL is
 *   evaluated as a cached simple expression, about twice as fast, and yields the same bytes,
 *   so every digest already in the chain still matches.
 *
 * Building an index on the partitioned table takes a lock that holds back audit inserts (and
 * so every act) while it runs: on a deployment with years of events, run this migration in a
 * quiet hour.
 */
export class AuditQueryIndexes1796300000000 implements MigrationInterface {
  name = 'AuditQueryIndexes1796300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX audit_events_entity_id ON audit_events (municipality_id, entity_id, occurred_at) WHERE entity_id IS NOT NULL;

      CREATE OR REPLACE FUNCTION audit_event_digest(e audit_events) RETURNS bytea
      LANGUAGE plpgsql IMMUTABLE AS $$
      BEGIN
        RETURN sha256(convert_to(concat_ws(E'\\x1f',
          e.id::text, e.municipality_id::text, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          coalesce(e.actor_id::text, ''), coalesce(e.actor_agency_id::text, ''), array_to_string(e.actor_roles, ','),
          e.action, e.entity_type, coalesce(e.entity_id::text, ''), coalesce(e.case_id::text, ''),
          coalesce(e.request_id, ''), coalesce(e.client_ip, ''), array_to_string(e.changed_fields, ','),
          e.restricted::text, e.detail::text), 'UTF8'));
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_event_digest(e audit_events) RETURNS bytea
      LANGUAGE sql IMMUTABLE AS $$
        SELECT sha256(convert_to(concat_ws(E'\\x1f',
          e.id::text, e.municipality_id::text, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          coalesce(e.actor_id::text, ''), coalesce(e.actor_agency_id::text, ''), array_to_string(e.actor_roles, ','),
          e.action, e.entity_type, coalesce(e.entity_id::text, ''), coalesce(e.case_id::text, ''),
          coalesce(e.request_id, ''), coalesce(e.client_ip, ''), array_to_string(e.changed_fields, ','),
          e.restricted::text, e.detail::text), 'UTF8'))
      $$;
      DROP INDEX IF EXISTS audit_events_entity_id;
    `);
  }
}
