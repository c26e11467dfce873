import { Injectable } from '@nestjs/common';
import { Db } from '@tsunagi/database';

export interface TaskRow {
  id: string;
  caseId: string | null;
  caseNumber: string | null;
  kind: string;
  title: string;
  status: 'open' | 'done' | 'cancelled';
  dueAt: Date | null;
  assigneeAgencyId: string;
  assigneeUserId: string | null;
  sourceType: string | null;
  sourceId: string | null;
  createdAt: Date;
  completedAt: Date | null;
  completionNote: string | null;
  cancelReason: string | null;
  escalatedAt: Date | null;
}

export interface NewTask {
  id: string;
  caseId: string | null;
  kind: string;
  title: string;
  dueAt: Date | null;
  assigneeAgencyId: string;
  assigneeUserId: string | null;
  sourceType: string | null;
  sourceId: string | null;
  createdById: string | null;
}

const COLUMNS = `t.id, t.case_id AS "caseId", c.case_number AS "caseNumber", t.kind, t.title, t.status, t.due_at AS "dueAt",
  t.assignee_agency_id AS "assigneeAgencyId", t.assignee_user_id AS "assigneeUserId", t.source_type AS "sourceType", t.source_id AS "sourceId",
  t.created_at AS "createdAt", t.completed_at AS "completedAt", t.completion_note AS "completionNote", t.cancel_reason AS "cancelReason", t.escalated_at AS "escalatedAt"`;
const FROM = `tasks t LEFT JOIN cases c ON c.municipality_id = t.municipality_id AND c.id = t.case_id`;

@Injectable()
export class TasksRepository {
  constructor(private readonly db: Db) {}

  async insert(t: NewTask): Promise<void> {
    await this.db.query(
      `INSERT INTO tasks (municipality_id, id, case_id, kind, title, due_at, assignee_agency_id, assignee_user_id, source_type, source_id, created_by_id)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [t.id, t.caseId, t.kind, t.title, t.dueAt, t.assigneeAgencyId, t.assigneeUserId, t.sourceType, t.sourceId, t.createdById],
    );
  }

  async insertMany(tasks: NewTask[]): Promise<void> {
    if (!tasks.length) return;
    const rows = tasks.map((t) => ({ id: t.id, case_id: t.caseId, kind: t.kind, title: t.title, due_at: t.dueAt?.toISOString() ?? null, assignee_agency_id: t.assigneeAgencyId, assignee_user_id: t.assigneeUserId, source_type: t.sourceType, source_id: t.sourceId, created_by_id: t.createdById }));
    await this.db.query(
      `INSERT INTO tasks (municipality_id, id, case_id, kind, title, due_at, assignee_agency_id, assignee_user_id, source_type, source_id, created_by_id)
       SELECT current_setting('app.municipality_id')::uuid, r.id, r.case_id, r.kind, r.title, r.due_at, r.assignee_agency_id, r.assignee_user_id, r.source_type, r.source_id, r.created_by_id
       FROM jsonb_to_recordset($1::jsonb) AS r (id uuid, case_id uuid, kind text, title text, due_at timestamptz, assignee_agency_id uuid, assignee_user_id uuid, source_type text, source_id uuid, created_by_id uuid)`,
      [JSON.stringify(rows)],
    );
  }

  async findById(id: string): Promise<TaskRow | null> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE t.id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** open → done/cancelled, only while open (a concurrent second answer changes nothing). */
  async close(id: string, to: 'done' | 'cancelled', by: string | null, note: string | null): Promise<boolean> {
    const { affected } = await this.db.execute(
      `UPDATE tasks SET status = $2, completed_at = now(), completed_by_id = $3,
         completion_note = CASE WHEN $2 = 'done' THEN $4 ELSE completion_note END,
         cancel_reason = CASE WHEN $2 = 'cancelled' THEN $4 ELSE cancel_reason END
       WHERE id = $1 AND status = 'open'`,
      [id, to, by, note],
    );
    return affected === 1;
  }

  /** Closes the open tasks of a kind that a source (referral, plan …) made; returns their ids. */
  async closeBySource(sourceType: string, sourceId: string, kinds: string[], to: 'done' | 'cancelled', note: string | null): Promise<Array<{ id: string; caseId: string | null }>> {
    const { rows } = await this.db.execute(
      `UPDATE tasks SET status = $4, completed_at = now(),
         completion_note = CASE WHEN $4 = 'done' THEN $5 ELSE completion_note END,
         cancel_reason = CASE WHEN $4 = 'cancelled' THEN $5 ELSE cancel_reason END
       WHERE source_type = $1 AND source_id = $2 AND kind = ANY($3::text[]) AND status = 'open'
       RETURNING id, case_id AS "caseId"`,
      [sourceType, sourceId, kinds, to, note],
    );
    return rows;
  }

  async list(filter: {
    scope: 'mine' | 'agency';
    userId: string;
    agencyId: string | null;
    supervisor: boolean;
    status?: string;
    overdue?: boolean;
    caseId?: string;
    limit: number;
    after?: { dueKey: string; id: string };
  }): Promise<TaskRow[]> {
    // Sorted by due time (tasks without one last), then id; the cursor is that key.
    return this.db.query(
      `SELECT ${COLUMNS}, COALESCE(t.due_at, 'infinity'::timestamptz) AS "dueKey" FROM ${FROM}
       WHERE (CASE WHEN $1 = 'mine'
                THEN t.assignee_user_id = $2 OR ($4::boolean AND t.kind = 'escalation' AND t.assignee_agency_id = $3)
                ELSE t.assignee_agency_id = $3 END)
         AND ($5::text IS NULL OR t.status = $5)
         AND (NOT $6::boolean OR (t.status = 'open' AND t.due_at < now()))
         AND ($7::uuid IS NULL OR t.case_id = $7)
         AND ($8::timestamptz IS NULL OR (COALESCE(t.due_at, 'infinity'::timestamptz), t.id) > ($8::timestamptz, $9::uuid))
       ORDER BY COALESCE(t.due_at, 'infinity'::timestamptz), t.id
       LIMIT $10`,
      [filter.scope, filter.userId, filter.agencyId, filter.supervisor, filter.status ?? null, !!filter.overdue, filter.caseId ?? null, filter.after?.dueKey ?? null, filter.after?.id ?? null, filter.limit + 1],
    );
  }

  async userInAgency(userId: string, agencyId: string): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM users WHERE id = $1 AND agency_id = $2 AND NOT disabled`, [userId, agencyId])).length > 0;
  }

  async agencyExists(agencyId: string): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM agencies WHERE id = $1`, [agencyId])).length > 0;
  }
}
