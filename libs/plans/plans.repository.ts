import { Injectable } from '@nestjs/common';
import { Db } from '@tsunagi/database';
import type { EvaluationDecision, GoalResult, GoalTerm, PlanStatus } from '@tsunagi/vocabularies';

export interface PlanRow {
  id: string;
  caseId: string;
  version: number;
  revision: number;
  status: PlanStatus;
  personWishes: string;
  reviewOn: string | null;
  employmentSupport: boolean;
  previousPlanId: string | null;
  personAgreedOn: string | null;
  conferenceId: string | null;
  activatedOn: string | null;
  activatedAt: Date | null;
  activatedById: string | null;
  closedAt: Date | null;
  supersededById: string | null;
  createdById: string;
  createdAt: Date;
  updatedAt: Date;
  reviewTaskId: string | null;
}

export interface GoalRow {
  id: string;
  planId: string;
  term: GoalTerm;
  text: string;
}

export interface ActionRow {
  id: string;
  planId: string;
  title: string;
  agencyId: string;
  assigneeUserId: string | null;
  frequency: string | null;
  startOn: string | null;
  dueOn: string;
  taskId: string | null;
}

export interface EvaluationRow {
  id: string;
  planId: string;
  evaluatedOn: string;
  summary: string;
  decision: EvaluationDecision;
  nextReviewOn: string | null;
  nextPlanId: string | null;
  conferenceId: string | null;
  createdById: string;
  createdAt: Date;
  goalResults: Array<{ goalId: string; result: GoalResult; note: string | null }>;
}

export interface NewGoal {
  id: string;
  term: string;
  text: string;
}

export interface NewAction {
  id: string;
  title: string;
  agencyId: string;
  assigneeUserId: string | null;
  frequency: string | null;
  startOn: string | null;
  dueOn: string;
}

const PLAN_COLUMNS = `
  p.id, p.case_id AS "caseId", p.version, p.revision, p.status, p.person_wishes AS "personWishes",
  to_char(p.review_on, 'YYYY-MM-DD') AS "reviewOn", p.employment_support AS "employmentSupport",
  p.previous_plan_id AS "previousPlanId", to_char(p.person_agreed_on, 'YYYY-MM-DD') AS "personAgreedOn",
  p.conference_id AS "conferenceId", to_char(p.activated_on, 'YYYY-MM-DD') AS "activatedOn", p.activated_at AS "activatedAt",
  p.activated_by_id AS "activatedById", p.closed_at AS "closedAt", p.superseded_by_id AS "supersededById",
  p.created_by_id AS "createdById", p.created_at AS "createdAt", p.updated_at AS "updatedAt",
  (SELECT t.id FROM tasks t WHERE t.municipality_id = p.municipality_id AND t.source_type = 'plan' AND t.source_id = p.id
     AND t.kind = 'plan_review' AND t.status = 'open') AS "reviewTaskId"`;

const ACTION_COLUMNS = `id, plan_id AS "planId", title, agency_id AS "agencyId", assignee_user_id AS "assigneeUserId", frequency,
  to_char(start_on, 'YYYY-MM-DD') AS "startOn", to_char(due_on, 'YYYY-MM-DD') AS "dueOn", task_id AS "taskId"`;

/** Plans, their goals, actions and evaluations. Every statement runs in the caller's tenant transaction. */
@Injectable()
export class PlansRepository {
  constructor(private readonly db: Db) {}

  async nextVersion(caseId: string): Promise<number> {
    const [{ next }] = await this.db.query<{ next: number }>(`SELECT COALESCE(max(version), 0) + 1 AS next FROM plans WHERE case_id = $1`, [caseId]);
    return Number(next);
  }

  async insert(p: { id: string; caseId: string; version: number; personWishes: string; reviewOn: string | null; employmentSupport: boolean; previousPlanId: string | null; createdById: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO plans (municipality_id, id, case_id, version, person_wishes, review_on, employment_support, previous_plan_id, created_by_id)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4, $5::date, $6, $7, $8)`,
      [p.id, p.caseId, p.version, p.personWishes, p.reviewOn, p.employmentSupport, p.previousPlanId, p.createdById],
    );
  }

  async insertGoals(planId: string, goals: NewGoal[]): Promise<void> {
    if (!goals.length) return;
    const values: unknown[] = [planId];
    const tuples = goals.map((g, i) => {
      values.push(g.id, i, g.term, g.text);
      const b = values.length - 4;
      return `(current_setting('app.municipality_id')::uuid, $${b + 1}, $1, $${b + 2}, $${b + 3}, $${b + 4})`;
    });
    await this.db.query(`INSERT INTO plan_goals (municipality_id, id, plan_id, position, term, text) VALUES ${tuples.join(', ')}`, values);
  }

  async insertActions(planId: string, actions: NewAction[]): Promise<void> {
    if (!actions.length) return;
    const values: unknown[] = [planId];
    const tuples = actions.map((a, i) => {
      values.push(a.id, i, a.title, a.agencyId, a.assigneeUserId, a.frequency, a.startOn, a.dueOn);
      const b = values.length - 8;
      const p = (k: number) => `$${b + k}`;
      return `(current_setting('app.municipality_id')::uuid, ${p(1)}, $1, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}::date, ${p(8)}::date)`;
    });
    await this.db.query(
      `INSERT INTO plan_actions (municipality_id, id, plan_id, position, title, agency_id, assignee_user_id, frequency, start_on, due_on) VALUES ${tuples.join(', ')}`,
      values,
    );
  }

  /** A draft's goals and actions are replaced as wholes when it is edited. */
  async deleteGoals(planId: string): Promise<void> {
    await this.db.query(`DELETE FROM plan_goals WHERE plan_id = $1`, [planId]);
  }

  async deleteActions(planId: string): Promise<void> {
    await this.db.query(`DELETE FROM plan_actions WHERE plan_id = $1`, [planId]);
  }

  async findById(id: string): Promise<PlanRow | null> {
    return (await this.db.query<PlanRow>(`SELECT ${PLAN_COLUMNS} FROM plans p WHERE p.id = $1`, [id]))[0] ?? null;
  }

  /** The plan, its row locked (after its case's row: one lock order for every act on a plan). */
  async lockAndFind(id: string): Promise<PlanRow | null> {
    return (await this.db.query<PlanRow>(`SELECT ${PLAN_COLUMNS} FROM plans p WHERE p.id = $1 FOR UPDATE OF p`, [id]))[0] ?? null;
  }

  async caseOf(id: string): Promise<string | null> {
    return (await this.db.query<{ caseId: string }>(`SELECT case_id AS "caseId" FROM plans WHERE id = $1`, [id]))[0]?.caseId ?? null;
  }

  async byCase(caseId: string): Promise<PlanRow[]> {
    return this.db.query<PlanRow>(`SELECT ${PLAN_COLUMNS} FROM plans p WHERE p.case_id = $1 ORDER BY p.version DESC`, [caseId]);
  }

  async draftOf(caseId: string): Promise<string | null> {
    return (await this.db.query<{ id: string }>(`SELECT id FROM plans WHERE case_id = $1 AND status = 'draft'`, [caseId]))[0]?.id ?? null;
  }

  async activeOf(caseId: string): Promise<string | null> {
    return (await this.db.query<{ id: string }>(`SELECT id FROM plans WHERE case_id = $1 AND status = 'active'`, [caseId]))[0]?.id ?? null;
  }

  async goals(planIds: string[]): Promise<GoalRow[]> {
    return this.db.query<GoalRow>(`SELECT id, plan_id AS "planId", term, text FROM plan_goals WHERE plan_id = ANY($1::uuid[]) ORDER BY plan_id, position`, [planIds]);
  }

  async actions(planIds: string[]): Promise<ActionRow[]> {
    return this.db.query<ActionRow>(`SELECT ${ACTION_COLUMNS} FROM plan_actions WHERE plan_id = ANY($1::uuid[]) ORDER BY plan_id, position`, [planIds]);
  }

  async evaluations(planIds: string[]): Promise<EvaluationRow[]> {
    return this.db.query<EvaluationRow>(
      `SELECT e.id, e.plan_id AS "planId", to_char(e.evaluated_on, 'YYYY-MM-DD') AS "evaluatedOn", e.summary, e.decision,
              to_char(e.next_review_on, 'YYYY-MM-DD') AS "nextReviewOn", e.next_plan_id AS "nextPlanId", e.conference_id AS "conferenceId",
              e.created_by_id AS "createdById", e.created_at AS "createdAt",
              COALESCE((SELECT json_agg(json_build_object('goalId', r.goal_id, 'result', r.result, 'note', r.note) ORDER BY g.position)
                        FROM plan_goal_results r JOIN plan_goals g ON g.municipality_id = r.municipality_id AND g.id = r.goal_id
                        WHERE r.municipality_id = e.municipality_id AND r.evaluation_id = e.id), '[]') AS "goalResults"
       FROM plan_evaluations e WHERE e.plan_id = ANY($1::uuid[]) ORDER BY e.plan_id, e.created_at`,
      [planIds],
    );
  }

  /** Updates a draft at the revision the caller read; false when it moved on (or is no draft). */
  async updateDraft(id: string, revision: number, fields: { personWishes?: string; reviewOn?: string | null; employmentSupport?: boolean }): Promise<boolean> {
    const { affected } = await this.db.execute(
      `UPDATE plans SET person_wishes = COALESCE($3, person_wishes),
              review_on = CASE WHEN $4::boolean THEN $5::date ELSE review_on END,
              employment_support = COALESCE($6, employment_support),
              revision = revision + 1, updated_at = now()
       WHERE id = $1 AND revision = $2 AND status = 'draft'`,
      [id, revision, fields.personWishes ?? null, fields.reviewOn !== undefined, fields.reviewOn ?? null, fields.employmentSupport ?? null],
    );
    return affected === 1;
  }

  async activate(id: string, a: { personAgreedOn: string; conferenceId: string | null; activatedOn: string; reviewOn: string; activatedById: string }): Promise<boolean> {
    const { affected } = await this.db.execute(
      `UPDATE plans SET status = 'active', person_agreed_on = $2::date, conference_id = $3, activated_on = $4::date, activated_at = now(),
              review_on = $5::date, activated_by_id = $6, revision = revision + 1, updated_at = now()
       WHERE id = $1 AND status = 'draft'`,
      [id, a.personAgreedOn, a.conferenceId, a.activatedOn, a.reviewOn, a.activatedById],
    );
    return affected === 1;
  }

  async setActionTasks(links: Array<{ actionId: string; taskId: string }>): Promise<void> {
    if (!links.length) return;
    await this.db.query(
      `UPDATE plan_actions a SET task_id = l.task_id FROM unnest($1::uuid[], $2::uuid[]) AS l (action_id, task_id) WHERE a.id = l.action_id`,
      [links.map((l) => l.actionId), links.map((l) => l.taskId)],
    );
  }

  async close(id: string, to: 'superseded' | 'ended', supersededById: string | null): Promise<boolean> {
    const { affected } = await this.db.execute(
      `UPDATE plans SET status = $2, closed_at = now(), superseded_by_id = $3, revision = revision + 1, updated_at = now() WHERE id = $1 AND status = 'active'`,
      [id, to, supersededById],
    );
    return affected === 1;
  }

  async setReviewOn(id: string, reviewOn: string): Promise<void> {
    await this.db.query(`UPDATE plans SET review_on = $2::date, revision = revision + 1, updated_at = now() WHERE id = $1`, [id, reviewOn]);
  }

  async insertEvaluation(e: { id: string; planId: string; caseId: string; evaluatedOn: string; summary: string; decision: string; nextReviewOn: string | null; nextPlanId: string | null; conferenceId: string | null; createdById: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO plan_evaluations (municipality_id, id, plan_id, case_id, evaluated_on, summary, decision, next_review_on, next_plan_id, conference_id, created_by_id)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4::date, $5, $6, $7::date, $8, $9, $10)`,
      [e.id, e.planId, e.caseId, e.evaluatedOn, e.summary, e.decision, e.nextReviewOn, e.nextPlanId, e.conferenceId, e.createdById],
    );
  }

  async insertGoalResults(evaluationId: string, results: Array<{ goalId: string; result: string; note: string | null }>): Promise<void> {
    const values: unknown[] = [evaluationId];
    const tuples = results.map((r) => {
      values.push(r.goalId, r.result, r.note);
      const b = values.length - 3;
      return `(current_setting('app.municipality_id')::uuid, $1, $${b + 1}, $${b + 2}, $${b + 3})`;
    });
    await this.db.query(`INSERT INTO plan_goal_results (municipality_id, evaluation_id, goal_id, result, note) VALUES ${tuples.join(', ')}`, values);
  }

  /** A conference of this municipality: its case and type (null when none). */
  async conference(id: string): Promise<{ caseId: string; type: string } | null> {
    return (await this.db.query<{ caseId: string; type: string }>(`SELECT case_id AS "caseId", type FROM conferences WHERE id = $1`, [id]))[0] ?? null;
  }

  /** The agencies that may carry an action: the lead and every involved agency of the case. */
  async caseAgencies(caseId: string): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `SELECT lead_agency_id AS id FROM cases WHERE id = $1 UNION SELECT agency_id FROM case_agencies WHERE case_id = $1`,
      [caseId],
    );
    return rows.map((r) => r.id);
  }

  /** Active users among these ids with the agency each belongs to. */
  async activeUsers(ids: string[]): Promise<Map<string, string | null>> {
    if (!ids.length) return new Map();
    const rows = await this.db.query<{ id: string; agencyId: string | null }>(`SELECT id, agency_id AS "agencyId" FROM users WHERE id = ANY($1::uuid[]) AND NOT disabled`, [ids]);
    return new Map(rows.map((r) => [r.id, r.agencyId]));
  }
}
