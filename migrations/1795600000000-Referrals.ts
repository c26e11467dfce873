import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, tenantPolicy } from './sql';

/**
 * Referrals (つなぎ): transfer or collaboration requests between agencies. Each row is also
 * the record of a provision of personal data to a third party (個人情報保護法 第27条・第29条):
 * who gave whose information to whom, when, on which basis.
 */
export class Referrals1795600000000 implements MigrationInterface {
  name = 'Referrals1795600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE referrals (
        municipality_id uuid NOT NULL,
        id uuid NOT NULL,
        case_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('transfer', 'collaboration')),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn')),
        from_agency_id uuid NOT NULL,
        to_agency_id uuid NOT NULL,
        reason text NOT NULL,
        basis text NOT NULL CHECK (basis IN ('consent', 'support_meeting', 'emergency')),
        basis_note text,
        member_ids uuid[] NOT NULL DEFAULT '{}',
        respond_by timestamptz NOT NULL,
        accompanied boolean NOT NULL DEFAULT false,
        created_by_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        answered_at timestamptz,
        answered_by_id uuid,
        answer_note text,
        decline_reason text,
        suggestion text,
        suggested_agency_id uuid,
        assigned_worker_id uuid,
        first_contact_at timestamptz,
        first_contact_note text,
        version integer NOT NULL DEFAULT 1,
        PRIMARY KEY (municipality_id, id),
        FOREIGN KEY (municipality_id, case_id) REFERENCES cases (municipality_id, id),
        FOREIGN KEY (municipality_id, from_agency_id) REFERENCES agencies (municipality_id, id),
        FOREIGN KEY (municipality_id, to_agency_id) REFERENCES agencies (municipality_id, id),
        FOREIGN KEY (municipality_id, suggested_agency_id) REFERENCES agencies (municipality_id, id),
        FOREIGN KEY (municipality_id, created_by_id) REFERENCES users (municipality_id, id),
        FOREIGN KEY (municipality_id, answered_by_id) REFERENCES users (municipality_id, id),
        FOREIGN KEY (municipality_id, assigned_worker_id) REFERENCES users (municipality_id, id),
        CHECK (from_agency_id <> to_agency_id),
        CHECK (status <> 'declined' OR decline_reason IS NOT NULL)
      );
      -- worklists: incoming and outgoing per agency and status, newest first
      CREATE INDEX referrals_incoming ON referrals (municipality_id, to_agency_id, status, created_at DESC, id DESC);
      CREATE INDEX referrals_outgoing ON referrals (municipality_id, from_agency_id, status, created_at DESC, id DESC);
      CREATE INDEX referrals_case ON referrals (municipality_id, case_id, status);
      ${tenantPolicy('referrals')}
      GRANT SELECT, INSERT, UPDATE ON referrals TO ${APP_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS referrals`);
  }
}
