import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the reports (GET /reports/indicators, GET /handoffs/summary). Each report
 * statement reads one time range of one municipality; these make that range an index scan,
 * and most of them index-only (INCLUDE the columns the report reads), so a year of a large
 * city is read from narrow index entries instead of every year's wide rows. Cases by
 * received_at (cases_received) and conferences by held_at (conferences_held) exist already.
 */
export class ReportingIndexes1795900000000 implements MigrationInterface {
  name = 'ReportingIndexes1795900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- referrals made in a period: counts by status and agency pair, re-routes, CSW hand-offs, the hand-off summary
      CREATE INDEX referrals_created ON referrals (municipality_id, created_at)
        INCLUDE (case_id, from_agency_id, to_agency_id, kind, status, answered_at, first_contact_at, escalated_at);
      -- referrals answered by the receiver in a period: the median time to answer
      CREATE INDEX referrals_answered ON referrals (municipality_id, answered_at) INCLUDE (created_at)
        WHERE status IN ('accepted', 'declined');
      -- the first decline of each case (re-routes), read in case order without a sort
      CREATE INDEX referrals_declined ON referrals (municipality_id, case_id, answered_at) WHERE status = 'declined';
      -- cases closed in a period, by reason
      CREATE INDEX cases_closed ON cases (municipality_id, closed_at) INCLUDE (closure_reason) WHERE closed_at IS NOT NULL;
      -- escalations in a period
      CREATE INDEX tasks_escalations ON tasks (municipality_id, created_at) INCLUDE (source_type, source_id) WHERE kind = 'escalation';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS tasks_escalations, cases_closed, referrals_declined, referrals_answered, referrals_created`);
  }
}
