import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, tenantPolicy } from './sql';

/**
 * Delivery of due times. PostgreSQL is the source of truth; Redis only delivers.
 * - `outbox`: written in the same transaction as the act that set a due time; the worker's
 *   relay moves each row to a BullMQ delayed job after commit, so a crash between commit and
 *   enqueue loses nothing.
 * - `due_work`: what the worker's sweep re-delivers when Redis lost it (overdue and not yet
 *   escalated, reminders not yet sent, late first contacts not yet checked).
 * Exactly once is a matter of constraints and row locks, not of hoping a job runs once.
 */
export class DueTimes1795800000000 implements MigrationInterface {
  name = 'DueTimes1795800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox (
        municipality_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        job text NOT NULL,
        entity_id uuid NOT NULL,
        run_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id)
      );
      CREATE INDEX outbox_order ON outbox (id);
      ${tenantPolicy('outbox')}
      GRANT SELECT, INSERT ON outbox TO ${APP_ROLE};

      ALTER TABLE referrals ADD COLUMN escalated_at timestamptz;
      ALTER TABLE referrals ADD COLUMN handoff_due_at timestamptz;
      ALTER TABLE referrals ADD COLUMN handoff_checked_at timestamptz;
      CREATE INDEX referrals_due ON referrals (respond_by) WHERE status = 'pending' AND escalated_at IS NULL;
      CREATE INDEX referrals_handoff_due ON referrals (handoff_due_at) WHERE status = 'accepted' AND first_contact_at IS NULL AND handoff_checked_at IS NULL;
      CREATE INDEX tasks_remind ON tasks (due_at) WHERE status = 'open' AND due_at IS NOT NULL AND reminded_at IS NULL;
      -- one hand-off check per accepted transfer
      CREATE UNIQUE INDEX tasks_one_handoff_check ON tasks (municipality_id, source_type, source_id) WHERE kind = 'handoff_check';

      -- The relay takes a batch of outbox rows across municipalities (SKIP LOCKED: several
      -- workers share the work); the rows go when the relay's transaction commits.
      CREATE FUNCTION claim_outbox(p_limit integer)
      RETURNS TABLE (municipality_id uuid, id bigint, job text, entity_id uuid, run_at timestamptz)
      LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DELETE FROM outbox o
        WHERE (o.municipality_id, o.id) IN (SELECT x.municipality_id, x.id FROM outbox x ORDER BY x.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
        RETURNING o.municipality_id, o.id, o.job, o.entity_id, o.run_at
      $$;
      REVOKE ALL ON FUNCTION claim_outbox(integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION claim_outbox(integer) TO ${APP_ROLE};

      -- The sweep: due work that was not done, across municipalities; ids only.
      CREATE FUNCTION due_work(p_reminder_before timestamptz, p_limit integer)
      RETURNS TABLE (municipality_id uuid, job text, entity_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        (SELECT r.municipality_id, 'referral.due', r.id FROM referrals r
          WHERE r.status = 'pending' AND r.escalated_at IS NULL AND r.respond_by <= now() ORDER BY r.respond_by LIMIT p_limit)
        UNION ALL
        (SELECT t.municipality_id, 'task.due', t.id FROM tasks t
          WHERE t.status = 'open' AND t.escalated_at IS NULL AND t.due_at <= now() AND t.kind NOT IN ('referral_response', 'escalation')
          ORDER BY t.due_at LIMIT p_limit)
        UNION ALL
        (SELECT r.municipality_id, 'referral.handoff', r.id FROM referrals r
          WHERE r.status = 'accepted' AND r.first_contact_at IS NULL AND r.handoff_checked_at IS NULL AND r.handoff_due_at <= now()
          ORDER BY r.handoff_due_at LIMIT p_limit)
        UNION ALL
        (SELECT t.municipality_id, 'task.remind', t.id FROM tasks t
          WHERE t.status = 'open' AND t.reminded_at IS NULL AND t.due_at IS NOT NULL AND t.due_at <= p_reminder_before
          ORDER BY t.due_at LIMIT p_limit)
      $$;
      REVOKE ALL ON FUNCTION due_work(timestamptz, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION due_work(timestamptz, integer) TO ${APP_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS due_work(timestamptz, integer);
      DROP FUNCTION IF EXISTS claim_outbox(integer);
      DROP INDEX IF EXISTS tasks_one_handoff_check, tasks_remind, referrals_handoff_due, referrals_due;
      ALTER TABLE referrals DROP COLUMN IF EXISTS handoff_checked_at, DROP COLUMN IF EXISTS handoff_due_at, DROP COLUMN IF EXISTS escalated_at;
      DROP TABLE IF EXISTS outbox;
    `);
  }
}
