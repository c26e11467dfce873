import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, tenantPolicy } from './sql';

/**
 * A hash chain over the audit trail, per municipality, sealed after commit.
 *
 * Why not chain at insert time: linking each event to the previous one while inserting it
 * needs the chain head locked until COMMIT, so every act of a city would wait for the one
 * before it. Instead events are inserted freely, each remembering its transaction id, and a
 * sealer appends them to the chain in a fixed order once they are final. Every transaction
 * with an id below the current snapshot's xmin has ended, so the events of those
 * transactions can no longer change or appear: the sealer chains exactly those, in (txid,
 * occurred_at, id) order, and moves its watermark to that xmin. Later events always carry a
 * txid at or above the watermark, so they can never need a place earlier in the chain.
 * (Certificate Transparency seals its log the same way, by signing tree heads after the
 * fact.)
 *
 * Each chain row holds the event's digest (SHA-256 of its canonical content, computed in SQL
 * so sealer and verifier agree to the byte) and the chain hash
 * SHA-256(previous hash ‖ digest ‖ seq). A changed, deleted, inserted or reordered event
 * breaks the chain at that event.
 */
export class AuditChain1795850000000 implements MigrationInterface {
  name = 'AuditChain1795850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
      CREATE INDEX audit_events_txid ON audit_events (municipality_id, txid);

      CREATE FUNCTION audit_event_digest(e audit_events) RETURNS bytea
      LANGUAGE sql IMMUTABLE AS $$
        SELECT sha256(convert_to(concat_ws(E'\\x1f',
          e.id::text, e.municipality_id::text, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          coalesce(e.actor_id::text, ''), coalesce(e.actor_agency_id::text, ''), array_to_string(e.actor_roles, ','),
          e.action, e.entity_type, coalesce(e.entity_id::text, ''), coalesce(e.case_id::text, ''),
          coalesce(e.request_id, ''), coalesce(e.client_ip, ''), array_to_string(e.changed_fields, ','),
          e.restricted::text, e.detail::text), 'UTF8'))
      $$;

      CREATE TABLE audit_chain (
        municipality_id uuid NOT NULL,
        seq bigint NOT NULL,
        event_id uuid NOT NULL,
        event_occurred_at timestamptz NOT NULL,
        digest bytea NOT NULL,
        hash bytea NOT NULL,
        sealed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, seq),
        UNIQUE (municipality_id, event_id)
      );
      ${tenantPolicy('audit_chain')}
      GRANT SELECT, INSERT ON audit_chain TO ${APP_ROLE};

      CREATE TABLE audit_chain_heads (
        municipality_id uuid PRIMARY KEY REFERENCES municipalities (id),
        seq bigint NOT NULL DEFAULT 0,
        hash bytea NOT NULL DEFAULT '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea,
        watermark xid8 NOT NULL DEFAULT '0'::xid8,
        sealed_at timestamptz NOT NULL DEFAULT now()
      );
      ${tenantPolicy('audit_chain_heads')}
      GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO ${APP_ROLE};

      -- The chain is append-only like the trail it seals.
      CREATE TRIGGER audit_chain_no_update BEFORE UPDATE OR DELETE ON audit_chain
        FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
      CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

      -- The oldest transaction still running: everything below it has ended.
      CREATE FUNCTION audit_horizon() RETURNS xid8 LANGUAGE sql VOLATILE AS $$ SELECT pg_snapshot_xmin(pg_current_snapshot()) $$;
      GRANT EXECUTE ON FUNCTION audit_horizon() TO ${APP_ROLE};

      -- The sealer visits every municipality (ids only).
      CREATE FUNCTION municipality_ids() RETURNS TABLE (id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$ SELECT id FROM municipalities ORDER BY id $$;
      REVOKE ALL ON FUNCTION municipality_ids() FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION municipality_ids() TO ${APP_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS municipality_ids();
      DROP FUNCTION IF EXISTS audit_horizon();
      DROP TABLE IF EXISTS audit_chain_heads, audit_chain;
      DROP FUNCTION IF EXISTS audit_event_digest(audit_events);
      DROP INDEX IF EXISTS audit_events_txid;
      ALTER TABLE audit_events DROP COLUMN IF EXISTS txid;
    `);
  }
}
