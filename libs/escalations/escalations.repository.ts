import { Injectable } from '@nestjs/common';
import { newId } from '@tsunagi/common';
import { Db } from '@tsunagi/database';

export interface LockedReferral {
  id: string;
  caseId: string;
  caseNumber: string;
  restricted: boolean;
  status: string;
  kind: string;
  fromAgencyId: string;
  toAgencyId: string;
  respondBy: Date;
  escalatedAt: Date | null;
  firstContactAt: Date | null;
  handoffDueAt: Date | null;
  handoffCheckedAt: Date | null;
}

export interface LockedTask {
  id: string;
  caseId: string | null;
  caseNumber: string | null;
  restricted: boolean;
  kind: string;
  title: string;
  status: string;
  dueAt: Date | null;
  assigneeAgencyId: string;
  assigneeUserId: string | null;
  escalatedAt: Date | null;
  remindedAt: Date | null;
}

export interface EscalatedTask {
  id: string;
  caseId: string | null;
  caseNumber: string | null;
  restricted: boolean;
  kind: string;
  assigneeAgencyId: string;
}

/**
 * Row locks make each due time's effect happen once: the second of two workers waits for
 * the first (a task batch leaves the locked row to it instead), then finds the row already
 * escalated. The unique indexes on escalation and hand-off-check tasks hold even if a lock
 * were ever skipped.
 */
@Injectable()
export class EscalationsRepository {
  constructor(private readonly db: Db) {}

  async lockReferral(id: string): Promise<LockedReferral | null> {
    const rows = await this.db.query(
      `SELECT r.id, r.case_id AS "caseId", c.case_number AS "caseNumber", c.restricted, r.status, r.kind, r.from_agency_id AS "fromAgencyId",
              r.to_agency_id AS "toAgencyId", r.respond_by AS "respondBy", r.escalated_at AS "escalatedAt", r.first_contact_at AS "firstContactAt",
              r.handoff_due_at AS "handoffDueAt", r.handoff_checked_at AS "handoffCheckedAt"
       FROM referrals r JOIN cases c ON c.municipality_id = r.municipality_id AND c.id = r.case_id
       WHERE r.id = $1 FOR UPDATE OF r`,
      [id],
    );
    return rows[0] ?? null;
  }

  async lockTask(id: string): Promise<LockedTask | null> {
    const rows = await this.db.query(
      `SELECT t.id, t.case_id AS "caseId", c.case_number AS "caseNumber", COALESCE(c.restricted, false) AS restricted, t.kind, t.title, t.status,
              t.due_at AS "dueAt", t.assignee_agency_id AS "assigneeAgencyId", t.assignee_user_id AS "assigneeUserId",
              t.escalated_at AS "escalatedAt", t.reminded_at AS "remindedAt"
       FROM tasks t LEFT JOIN cases c ON c.municipality_id = t.municipality_id AND c.id = t.case_id
       WHERE t.id = $1 FOR UPDATE OF t`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * Marks as escalated those of these tasks that are open, due by `now`, not escalated yet and
   * of a kind that escalates, and returns them with their case: the lock, the re-check and the
   * mark in one statement. A task locked by another transaction — another worker's batch or
   * the sweep escalating it, staff completing it — is left out rather than waited for: if that
   * transaction leaves it open and due, the next sweep escalates it.
   */
  async markDueTasksEscalated(ids: string[], now: Date): Promise<EscalatedTask[]> {
    if (!ids.length) return [];
    return this.db.query(
      `WITH due AS (
         UPDATE tasks t SET escalated_at = now()
         FROM (SELECT x.municipality_id, x.id FROM tasks x
               WHERE x.id = ANY($1::uuid[]) AND x.status = 'open' AND x.escalated_at IS NULL AND x.due_at <= $2
                 AND x.kind NOT IN ('referral_response', 'escalation')
               FOR UPDATE SKIP LOCKED) l
         WHERE t.municipality_id = l.municipality_id AND t.id = l.id
         RETURNING t.municipality_id, t.id, t.case_id, t.kind, t.assignee_agency_id)
       SELECT d.id, d.case_id AS "caseId", c.case_number AS "caseNumber", COALESCE(c.restricted, false) AS restricted, d.kind,
              d.assignee_agency_id AS "assigneeAgencyId"
       FROM due d LEFT JOIN cases c ON c.municipality_id = d.municipality_id AND c.id = d.case_id`,
      [ids, now],
    );
  }

  /** Escalation tasks for several escalated things in one statement; an existing one is left as it is. */
  async insertEscalations(items: Array<{ caseId: string | null; title: string; agencyId: string; sourceType: string; sourceId: string }>): Promise<void> {
    if (!items.length) return;
    await this.db.query(
      `INSERT INTO tasks (municipality_id, id, case_id, kind, title, due_at, assignee_agency_id, source_type, source_id)
       SELECT current_setting('app.municipality_id')::uuid, r.id, r.case_id, 'escalation', r.title, NULL, r.agency_id, r.source_type, r.source_id
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::uuid[]) AS r (id, case_id, title, agency_id, source_type, source_id)
       ON CONFLICT (municipality_id, source_type, source_id, assignee_agency_id) WHERE kind = 'escalation' DO NOTHING`,
      [items.map(() => newId()), items.map((e) => e.caseId), items.map((e) => e.title), items.map((e) => e.agencyId), items.map((e) => e.sourceType), items.map((e) => e.sourceId)],
    );
  }

  /** One escalation task per escalated thing and agency; returns its id, or null when it existed. */
  async insertEscalation(e: { caseId: string | null; title: string; agencyId: string; sourceType: string; sourceId: string }): Promise<string | null> {
    const rows = await this.db.query(
      `INSERT INTO tasks (municipality_id, id, case_id, kind, title, due_at, assignee_agency_id, source_type, source_id)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, 'escalation', $3, NULL, $4, $5, $6)
       ON CONFLICT (municipality_id, source_type, source_id, assignee_agency_id) WHERE kind = 'escalation' DO NOTHING
       RETURNING id`,
      [newId(), e.caseId, e.title, e.agencyId, e.sourceType, e.sourceId],
    );
    return rows[0]?.id ?? null;
  }

  async markReferralEscalated(id: string): Promise<void> {
    await this.db.query(`UPDATE referrals SET escalated_at = now() WHERE id = $1`, [id]);
    await this.db.query(`UPDATE tasks SET escalated_at = now() WHERE source_type = 'referral' AND source_id = $1 AND kind = 'referral_response' AND status = 'open'`, [id]);
  }

  async markTaskReminded(id: string): Promise<void> {
    await this.db.query(`UPDATE tasks SET reminded_at = now() WHERE id = $1`, [id]);
  }

  async markHandoffChecked(id: string): Promise<void> {
    await this.db.query(`UPDATE referrals SET handoff_checked_at = now() WHERE id = $1`, [id]);
  }

  async hasHandoffCheck(referralId: string): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM tasks WHERE source_type = 'referral' AND source_id = $1 AND kind = 'handoff_check'`, [referralId])).length > 0;
  }
}
