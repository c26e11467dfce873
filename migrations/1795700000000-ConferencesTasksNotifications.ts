import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, tenantPolicy } from './sql';

/**
 * Conferences (支援会議 and the other meeting types), follow-up tasks and notifications.
 * Due times live here, in PostgreSQL: the worker delivers them, and a sweep re-delivers
 * whatever Redis lost (STYLE.md habit 8).
 */
export class ConferencesTasksNotifications1795700000000 implements MigrationInterface {
  name = 'ConferencesTasksNotifications1795700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE conferences (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        case_id uuid NOT NULL,
        type text NOT NULL,
        held_at timestamptz NOT NULL,
        participant_agency_ids uuid[] NOT NULL,
        summary text NOT NULL,
        decisions text,
        created_by_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (municipality_id, id),
        FOREIGN KEY (municipality_id, case_id) REFERENCES cases (municipality_id, id),
        FOREIGN KEY (municipality_id, created_by_id) REFERENCES users (municipality_id, id)
      );
      CREATE INDEX conferences_case ON conferences (municipality_id, case_id, held_at);
      CREATE INDEX conferences_held ON conferences (municipality_id, held_at);
      ${tenantPolicy('conferences')}
      GRANT SELECT, INSERT ON conferences TO ${APP_ROLE};

      CREATE TABLE tasks (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        case_id uuid,
        kind text NOT NULL,
        title text NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
        due_at timestamptz,
        assignee_agency_id uuid NOT NULL,
        assignee_user_id uuid,
        -- what the task is about: a referral, a conference, a plan, a participation, a resource, a task (escalations)
        source_type text,
        source_id uuid,
        created_by_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        reminded_at timestamptz,
        escalated_at timestamptz,
        completed_at timestamptz,
        completed_by_id uuid,
        completion_note text,
        cancel_reason text,
        PRIMARY KEY (municipality_id, id),
        FOREIGN KEY (municipality_id, case_id) REFERENCES cases (municipality_id, id),
        FOREIGN KEY (municipality_id, assignee_agency_id) REFERENCES agencies (municipality_id, id),
        FOREIGN KEY (municipality_id, assignee_user_id) REFERENCES users (municipality_id, id)
      );
      CREATE INDEX tasks_agency ON tasks (municipality_id, assignee_agency_id, status, due_at, id);
      CREATE INDEX tasks_user ON tasks (municipality_id, assignee_user_id, status, due_at, id) WHERE assignee_user_id IS NOT NULL;
      CREATE INDEX tasks_case ON tasks (municipality_id, case_id, created_at);
      CREATE INDEX tasks_source ON tasks (municipality_id, source_type, source_id);
      -- the worker's sweep: open tasks with a due time not yet escalated
      CREATE INDEX tasks_due ON tasks (due_at) WHERE status = 'open' AND due_at IS NOT NULL AND escalated_at IS NULL;
      -- one escalation per agency concerned and escalated thing: exactly once, by constraint
      CREATE UNIQUE INDEX tasks_one_escalation ON tasks (municipality_id, source_type, source_id, assignee_agency_id) WHERE kind = 'escalation';
      ${tenantPolicy('tasks')}
      GRANT SELECT, INSERT, UPDATE ON tasks TO ${APP_ROLE};

      CREATE TABLE notifications (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        recipient_user_id uuid,
        recipient_agency_id uuid,
        kind text NOT NULL,
        -- Japanese text with no case content beyond the case number
        title text NOT NULL,
        case_id uuid,
        entity_type text,
        entity_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz,
        PRIMARY KEY (municipality_id, id),
        FOREIGN KEY (municipality_id, recipient_user_id) REFERENCES users (municipality_id, id),
        FOREIGN KEY (municipality_id, recipient_agency_id) REFERENCES agencies (municipality_id, id),
        CHECK (recipient_user_id IS NOT NULL OR recipient_agency_id IS NOT NULL)
      );
      CREATE INDEX notifications_user ON notifications (municipality_id, recipient_user_id, created_at DESC) WHERE recipient_user_id IS NOT NULL;
      CREATE INDEX notifications_agency ON notifications (municipality_id, recipient_agency_id, created_at DESC) WHERE recipient_agency_id IS NOT NULL;
      ${tenantPolicy('notifications')}
      GRANT SELECT, INSERT, UPDATE ON notifications TO ${APP_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS notifications, tasks, conferences`);
  }
}
