import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the worklists an agency opens all day, each read newest (or soonest due)
 * first, one page at a time, so a page is an index range read in order and stops after the
 * page, however many referrals and tasks an agency has piled up over the years:
 * - `GET /referrals?direction=incoming|outgoing` without a status: the agency's referrals by
 *   `created_at DESC, id DESC` (referrals_incoming / referrals_outgoing serve the lists with a
 *   status; without one they could not give this order, and a busy agency's whole history
 *   was read and sorted, or the municipality's newest referrals were walked looking for its
 *   own).
 * - `GET /tasks?scope=agency[&status=][&overdue=true]`: tasks are listed by
 *   `COALESCE(due_at, 'infinity'), id` (no due time last), an expression the plain `due_at`
 *   column of tasks_agency cannot order by: every matching task was joined to its case and
 *   sorted before the page was cut. Indexed on the same expression, the page is read in order
 *   (overdue ones come first among open tasks) and the keyset cursor is an index bound.
 */
export class WorklistIndexes1796200000000 implements MigrationInterface {
  name = 'WorklistIndexes1796200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX referrals_incoming_recent ON referrals (municipality_id, to_agency_id, created_at DESC, id DESC);
      CREATE INDEX referrals_outgoing_recent ON referrals (municipality_id, from_agency_id, created_at DESC, id DESC);
      CREATE INDEX tasks_agency_due ON tasks (municipality_id, assignee_agency_id, status, (COALESCE(due_at, 'infinity'::timestamptz)), id);
      DROP INDEX tasks_agency;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX tasks_agency ON tasks (municipality_id, assignee_agency_id, status, due_at, id);
      DROP INDEX IF EXISTS tasks_agency_due, referrals_outgoing_recent, referrals_incoming_recent;
    `);
  }
}
