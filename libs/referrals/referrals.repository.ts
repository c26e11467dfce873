import { Injectable } from '@nestjs/common';
import { Db } from '@tsunagi/database';

export interface ReferralRow {
  id: string;
  caseId: string;
  caseNumber: string;
  kind: 'transfer' | 'collaboration';
  status: 'pending' | 'accepted' | 'declined' | 'withdrawn';
  fromAgencyId: string;
  toAgencyId: string;
  reason: string;
  basis: 'consent' | 'support_meeting' | 'emergency';
  basisNote: string | null;
  memberIds: string[];
  respondBy: Date;
  accompanied: boolean;
  createdById: string;
  createdAt: Date;
  answeredAt: Date | null;
  answeredById: string | null;
  answerNote: string | null;
  declineReason: string | null;
  suggestion: string | null;
  suggestedAgencyId: string | null;
  assignedWorkerId: string | null;
  firstContactAt: Date | null;
  restricted: boolean;
}

const COLUMNS = `r.id, r.case_id AS "caseId", c.case_number AS "caseNumber", r.kind, r.status, r.from_agency_id AS "fromAgencyId",
  r.to_agency_id AS "toAgencyId", r.reason, r.basis, r.basis_note AS "basisNote", r.member_ids AS "memberIds", r.respond_by AS "respondBy",
  r.accompanied, r.created_by_id AS "createdById", r.created_at AS "createdAt", r.answered_at AS "answeredAt", r.answered_by_id AS "answeredById",
  r.answer_note AS "answerNote", r.decline_reason AS "declineReason", r.suggestion, r.suggested_agency_id AS "suggestedAgencyId",
  r.assigned_worker_id AS "assignedWorkerId", r.first_contact_at AS "firstContactAt", c.restricted`;
const FROM = `referrals r JOIN cases c ON c.municipality_id = r.municipality_id AND c.id = r.case_id`;

@Injectable()
export class ReferralsRepository {
  constructor(private readonly db: Db) {}

  async insert(r: { id: string; caseId: string; kind: string; fromAgencyId: string; toAgencyId: string; reason: string; basis: string; basisNote: string | null; memberIds: string[]; respondBy: Date; accompanied: boolean; createdById: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO referrals (municipality_id, id, case_id, kind, from_agency_id, to_agency_id, reason, basis, basis_note, member_ids, respond_by, accompanied, created_by_id)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [r.id, r.caseId, r.kind, r.fromAgencyId, r.toAgencyId, r.reason, r.basis, r.basisNote, r.memberIds, r.respondBy, r.accompanied, r.createdById],
    );
  }

  async findById(id: string): Promise<ReferralRow | null> {
    return (await this.db.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.id = $1`, [id]))[0] ?? null;
  }

  async byCase(caseId: string): Promise<ReferralRow[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.case_id = $1 ORDER BY r.created_at, r.id`, [caseId]);
  }

  async pendingTo(caseId: string, toAgencyId: string): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM referrals WHERE case_id = $1 AND to_agency_id = $2 AND status = 'pending'`, [caseId, toAgencyId])).length > 0;
  }

  /**
   * Answers a referral only while it is still pending: of two people answering at once,
   * exactly one changes the row; the other gets false (409), whatever the timing.
   */
  async answer(id: string, set: Record<string, unknown>): Promise<boolean> {
    const columns = Object.keys(set);
    const { affected } = await this.db.execute(
      `UPDATE referrals SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')}, answered_at = now(), version = version + 1
       WHERE id = $1 AND status = 'pending'`,
      [id, ...columns.map((c) => set[c])],
    );
    return affected === 1;
  }

  async setHandoffDue(id: string, at: Date): Promise<void> {
    await this.db.query(`UPDATE referrals SET handoff_due_at = $2 WHERE id = $1`, [id, at]);
  }

  async recordFirstContact(id: string, at: Date, note: string | null): Promise<boolean> {
    const { affected } = await this.db.execute(
      `UPDATE referrals SET first_contact_at = $2, first_contact_note = $3, version = version + 1
       WHERE id = $1 AND status = 'accepted' AND kind = 'transfer' AND first_contact_at IS NULL`,
      [id, at, note],
    );
    return affected === 1;
  }

  async list(filter: { agencyId: string; direction: 'incoming' | 'outgoing'; status?: string; limit: number; after?: { createdAt: string; id: string } }): Promise<ReferralRow[]> {
    const column = filter.direction === 'incoming' ? 'r.to_agency_id' : 'r.from_agency_id';
    return this.db.query(
      `SELECT ${COLUMNS} FROM ${FROM}
       WHERE ${column} = $1 AND ($2::text IS NULL OR r.status = $2)
         AND ($3::timestamptz IS NULL OR (r.created_at, r.id) < ($3::timestamptz, $4::uuid))
       ORDER BY r.created_at DESC, r.id DESC LIMIT $5`,
      [filter.agencyId, filter.status ?? null, filter.after?.createdAt ?? null, filter.after?.id ?? null, filter.limit + 1],
    );
  }

  // ---- the case side of a hand-off ----

  async setLead(caseId: string, agencyId: string, workerId: string | null): Promise<void> {
    await this.db.query(`UPDATE cases SET lead_agency_id = $2, lead_worker_id = $3, version = version + 1, updated_at = now() WHERE id = $1`, [caseId, agencyId, workerId]);
  }

  async involve(caseId: string, agencyId: string, involvement: 'collaborator' | 'handoff_monitor'): Promise<void> {
    await this.db.query(
      `INSERT INTO case_agencies (municipality_id, case_id, agency_id, involvement) VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [caseId, agencyId, involvement],
    );
  }

  async uninvolve(caseId: string, agencyId: string, involvement?: string): Promise<void> {
    await this.db.query(`DELETE FROM case_agencies WHERE case_id = $1 AND agency_id = $2 AND ($3::text IS NULL OR involvement = $3)`, [caseId, agencyId, involvement ?? null]);
  }

  async agency(id: string): Promise<{ id: string; name: string } | null> {
    return (await this.db.query(`SELECT id, name FROM agencies WHERE id = $1`, [id]))[0] ?? null;
  }

  async userInAgency(userId: string, agencyId: string): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM users WHERE id = $1 AND agency_id = $2 AND NOT disabled`, [userId, agencyId])).length > 0;
  }
}
