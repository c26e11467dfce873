import { Injectable } from '@nestjs/common';
import { Db } from '@tsunagi/database';
import type { ParticipationEndReason, ParticipationStatus, ResourceKind } from '@tsunagi/vocabularies';

export interface ParticipationRow {
  id: string;
  caseId: string;
  resourceId: string;
  resourceName: string;
  resourceKind: ResourceKind;
  resourceDistrict: string | null;
  memberId: string | null;
  status: ParticipationStatus;
  agencyId: string;
  startedByAgencyId: string | null;
  proposedOn: string;
  startedOn: string | null;
  endedOn: string | null;
  endReason: ParticipationEndReason | null;
  note: string | null;
  endNote: string | null;
  lastCheckedOn: string | null;
  lastAttending: boolean | null;
  checkTaskId: string | null;
  checkDueAt: Date | null;
  createdById: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface CheckRow {
  id: string;
  participationId: string;
  checkedOn: string;
  attending: boolean;
  nextCheckOn: string | null;
  note: string | null;
  agencyId: string | null;
  checkedById: string;
  createdAt: Date;
}

const COLUMNS = `p.id, p.case_id AS "caseId", p.resource_id AS "resourceId", r.name AS "resourceName", r.kind AS "resourceKind", r.district AS "resourceDistrict",
  p.member_id AS "memberId", p.status, p.agency_id AS "agencyId", p.started_by_agency_id AS "startedByAgencyId",
  to_char(p.proposed_on, 'YYYY-MM-DD') AS "proposedOn", to_char(p.started_on, 'YYYY-MM-DD') AS "startedOn", to_char(p.ended_on, 'YYYY-MM-DD') AS "endedOn",
  p.end_reason AS "endReason", p.note, p.end_note AS "endNote", to_char(p.last_checked_on, 'YYYY-MM-DD') AS "lastCheckedOn", p.last_attending AS "lastAttending",
  t.id AS "checkTaskId", t.due_at AS "checkDueAt", p.created_by_id AS "createdById", p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;
const FROM = `participations p
  JOIN resources r ON r.municipality_id = p.municipality_id AND r.id = p.resource_id
  LEFT JOIN tasks t ON t.municipality_id = p.municipality_id AND t.source_type = 'participation' AND t.source_id = p.id AND t.kind = 'participation_check' AND t.status = 'open'`;

@Injectable()
export class ParticipationsRepository {
  constructor(private readonly db: Db) {}

  async insert(p: {
    id: string;
    caseId: string;
    resourceId: string;
    memberId: string | null;
    status: 'proposed' | 'started';
    agencyId: string;
    proposedOn: string;
    startedOn: string | null;
    note: string | null;
    createdById: string;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO participations (municipality_id, id, case_id, resource_id, member_id, status, agency_id, started_by_agency_id, proposed_on, started_on, note, created_by_id)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4, $5, $6, CASE WHEN $5 = 'started' THEN $6::uuid END, $7::date, $8::date, $9, $10)`,
      [p.id, p.caseId, p.resourceId, p.memberId, p.status, p.agencyId, p.proposedOn, p.startedOn, p.note, p.createdById],
    );
  }

  async findById(id: string): Promise<ParticipationRow | null> {
    return (await this.db.query<ParticipationRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE p.id = $1`, [id]))[0] ?? null;
  }

  /** The participation's case, to check access before anything is locked. */
  async caseOf(id: string): Promise<string | null> {
    return (await this.db.query<{ caseId: string }>(`SELECT case_id AS "caseId" FROM participations WHERE id = $1`, [id]))[0]?.caseId ?? null;
  }

  /** Locks the row (after its case: one lock order for every act on a participation). */
  async lock(id: string): Promise<void> {
    await this.db.query(`SELECT 1 FROM participations WHERE id = $1 FOR UPDATE`, [id]);
  }

  async byCase(caseId: string): Promise<ParticipationRow[]> {
    return this.db.query<ParticipationRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE p.case_id = $1 ORDER BY p.created_at, p.id`, [caseId]);
  }

  async checksOf(ids: string[]): Promise<CheckRow[]> {
    if (!ids.length) return [];
    return this.db.query<CheckRow>(
      `SELECT id, participation_id AS "participationId", to_char(checked_on, 'YYYY-MM-DD') AS "checkedOn", attending,
              to_char(next_check_on, 'YYYY-MM-DD') AS "nextCheckOn", note, agency_id AS "agencyId", checked_by_id AS "checkedById", created_at AS "createdAt"
       FROM participation_checks WHERE participation_id = ANY($1::uuid[]) ORDER BY checked_on, created_at, id`,
      [ids],
    );
  }

  /** Whether the member already has an open (proposed or started) participation at the resource. */
  async openFor(caseId: string, resourceId: string, memberId: string | null): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM participations WHERE case_id = $1 AND resource_id = $2 AND member_id IS NOT DISTINCT FROM $3::uuid AND status <> 'ended' LIMIT 1`,
      [caseId, resourceId, memberId],
    );
    return rows.length > 0;
  }

  /** proposed → started, only while proposed. */
  async start(id: string, startedOn: string, agencyId: string): Promise<boolean> {
    const { affected } = await this.db.execute(
      `UPDATE participations SET status = 'started', started_on = $2::date, started_by_agency_id = $3, version = version + 1, updated_at = now()
       WHERE id = $1 AND status = 'proposed'`,
      [id, startedOn, agencyId],
    );
    return affected === 1;
  }

  async insertCheck(c: { id: string; participationId: string; caseId: string; checkedOn: string; attending: boolean; nextCheckOn: string | null; note: string | null; agencyId: string | null; checkedById: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO participation_checks (municipality_id, id, participation_id, case_id, checked_on, attending, next_check_on, note, agency_id, checked_by_id)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4::date, $5, $6::date, $7, $8, $9)`,
      [c.id, c.participationId, c.caseId, c.checkedOn, c.attending, c.nextCheckOn, c.note, c.agencyId, c.checkedById],
    );
    await this.db.query(
      `UPDATE participations SET last_checked_on = GREATEST(last_checked_on, $2::date), last_attending = CASE WHEN last_checked_on > $2::date THEN last_attending ELSE $3 END,
         version = version + 1, updated_at = now() WHERE id = $1`,
      [c.participationId, c.checkedOn, c.attending],
    );
  }

  /** → ended, only while not ended (ending twice is refused, not repeated). */
  async end(id: string, endedOn: string, reason: string, note: string | null): Promise<boolean> {
    const { affected } = await this.db.execute(
      `UPDATE participations SET status = 'ended', ended_on = $2::date, end_reason = $3, end_note = $4, version = version + 1, updated_at = now()
       WHERE id = $1 AND status <> 'ended'`,
      [id, endedOn, reason, note],
    );
    return affected === 1;
  }
}
