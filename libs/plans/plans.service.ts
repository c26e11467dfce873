import { Injectable } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { addMonthsToDate, BusinessCalendar, isValidDateString, tokyoToday } from '@tsunagi/calendar';
import { CaseAccessService, CaseRow, CasesRepository } from '@tsunagi/cases';
import { Actor, badRequest, conflict, DomainError, newId, notFound, ruleViolation } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { CalendarService } from '@tsunagi/municipalities';
import { SystemTask, TasksService } from '@tsunagi/tasks';
import { TimelineService } from '@tsunagi/timeline';
import type { ConferenceType } from '@tsunagi/vocabularies';
import { ActionInputDto, ActivatePlanDto, CreateEvaluationDto, CreatePlanDto, EvaluationDto, PlanDto, UpdatePlanDto } from './dto/plan.dto';
import { checkPastDate } from './outcomes.service';
import { ActionRow, EvaluationRow, GoalRow, NewAction, PlanRow, PlansRepository } from './plans.repository';

/** Conferences that may approve a plan (rule 10). */
export const APPROVING_CONFERENCES: ConferenceType[] = ['multi_agency_meeting', 'plan_coordination_meeting', 'case_review'];
/** After a re-plan the still active plan is reviewed again this many months later unless told otherwise. */
const REPLAN_REVIEW_MONTHS = 1;

/**
 * Support plans (支援プラン, rule 10). A plan is made with the person and reviewed on a date:
 * - a draft (one per case) is edited freely, with If-Match on its revision;
 * - activation needs the person's agreement and, where the municipality requires it, an
 *   approving conference on the same case; it turns each action into a `plan_action` task of
 *   its agency and opens the lead agency's `plan_review` task on the review date — those are
 *   ordinary tasks, so a review that passes unevaluated escalates through the same outbox,
 *   queue and sweep as every other due time;
 * - an evaluation judges every goal, then continues (next review), re-plans (the next draft,
 *   goals and actions copied, this plan active until it is replaced) or ends the plan.
 * An active, superseded or ended plan is never changed in place: re-planning is a new version.
 * Every act locks the case row, then the plan row (one lock order, as for referrals).
 */
@Injectable()
export class PlansService {
  constructor(
    private readonly db: Db,
    private readonly repo: PlansRepository,
    private readonly cases: CasesRepository,
    private readonly access: CaseAccessService,
    private readonly tasks: TasksService,
    private readonly calendars: CalendarService,
    private readonly timeline: TimelineService,
    private readonly audit: AuditService,
  ) {}

  create(actor: Actor, caseId: string, dto: CreatePlanDto): Promise<PlanDto> {
    checkDates(dto);
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, caseId, 'involved');
      await this.cases.lock(caseId);
      if (row.status === 'closed') throw conflict('CASE_CLOSED', 'A closed case gets no new plan: reopen it first');
      if (await this.repo.draftOf(caseId)) throw conflict('PLAN_DRAFT_EXISTS', 'The case already has a draft plan: edit that one');
      await this.checkActions(caseId, dto.actions);
      const id = newId();
      const version = await this.repo.nextVersion(caseId);
      const previousPlanId = await this.repo.activeOf(caseId);
      await this.repo.insert({ id, caseId, version, personWishes: dto.personWishes, reviewOn: dto.reviewOn ?? null, employmentSupport: dto.employmentSupport ?? false, previousPlanId, createdById: actor.userId });
      await this.repo.insertGoals(id, dto.goals.map((g) => ({ id: newId(), term: g.term, text: g.text })));
      await this.repo.insertActions(id, dto.actions.map(newAction));
      await this.timeline.append({ caseId, type: 'plan.created', entityType: 'plan', entityId: id, data: { version, goals: dto.goals.length, actions: dto.actions.length } });
      await this.audit.record({ action: 'plan.created', entityType: 'plan', entityId: id, caseId, restricted: row.restricted, changedFields: Object.keys(dto) });
      return this.view(id);
    });
  }

  update(actor: Actor, id: string, revision: number, dto: UpdatePlanDto): Promise<PlanDto> {
    checkDates(dto);
    return this.db.transaction(async () => {
      const { plan, row } = await this.lockPlan(actor, id, 'involved');
      if (plan.status !== 'draft') throw conflict('PLAN_NOT_DRAFT', `The plan is ${plan.status}: only a draft is edited; re-plan to change it`);
      if (dto.actions) await this.checkActions(plan.caseId, dto.actions);
      if (!(await this.repo.updateDraft(id, revision, { personWishes: dto.personWishes, reviewOn: dto.reviewOn, employmentSupport: dto.employmentSupport }))) {
        throw new DomainError('precondition_failed', 'VERSION_MISMATCH', 'If-Match does not match the current revision of the plan');
      }
      if (dto.goals) {
        await this.repo.deleteGoals(id);
        await this.repo.insertGoals(id, dto.goals.map((g) => ({ id: newId(), term: g.term, text: g.text })));
      }
      if (dto.actions) {
        await this.repo.deleteActions(id);
        await this.repo.insertActions(id, dto.actions.map(newAction));
      }
      await this.timeline.append({ caseId: plan.caseId, type: 'plan.updated', entityType: 'plan', entityId: id, data: { version: plan.version, fields: Object.keys(dto) } });
      await this.audit.record({ action: 'plan.updated', entityType: 'plan', entityId: id, caseId: plan.caseId, restricted: row.restricted, changedFields: Object.keys(dto) });
      return this.view(id);
    });
  }

  activate(actor: Actor, id: string, dto: ActivatePlanDto): Promise<PlanDto> {
    checkPastDate(dto.personAgreedOn, 'personAgreedOn');
    return this.db.transaction(async () => {
      const { plan, row } = await this.lockPlan(actor, id, 'lead');
      if (plan.status !== 'draft') throw conflict('PLAN_NOT_DRAFT', `The plan is ${plan.status}: only a draft is activated`);
      if (row.status === 'closed') throw conflict('CASE_CLOSED', 'A plan is not activated on a closed case: reopen it first');
      const { calendar, settings } = await this.calendars.current();
      const conferenceId = await this.approvingConference(plan.caseId, dto.conferenceId, settings.planRequiresConference);
      const today = tokyoToday();
      const reviewOn = plan.reviewOn ?? addMonthsToDate(today, settings.planReviewMonths);
      if (reviewOn < today) throw ruleViolation('REVIEW_BEFORE_ACTIVATION', `reviewOn ${reviewOn} is before the activation date ${today}: edit the draft first`, 'reviewOn');
      const actions = await this.repo.actions([id]);
      await this.checkActions(plan.caseId, actions);
      actions.forEach((a, i) => {
        if (a.dueOn < today) throw ruleViolation('ACTION_DUE_BEFORE_ACTIVATION', `actions[${i}].dueOn ${a.dueOn} is before the activation date ${today}: edit the draft first`, `actions[${i}].dueOn`);
      });

      const replaced = await this.repo.activeOf(plan.caseId);
      if (replaced) await this.close(replaced, 'superseded', id, row);
      if (!(await this.repo.activate(id, { personAgreedOn: dto.personAgreedOn, conferenceId, activatedOn: today, reviewOn, activatedById: actor.userId }))) {
        throw conflict('PLAN_NOT_DRAFT', 'The plan is no longer a draft');
      }
      const actionTasks: SystemTask[] = actions.map((a) => ({ kind: 'plan_action', title: a.title, caseId: plan.caseId, dueAt: calendar.dueAtForDate(a.dueOn), assigneeAgencyId: a.agencyId, assigneeUserId: a.assigneeUserId, sourceType: 'plan', sourceId: id }));
      const taskIds = await this.tasks.createSystemMany([...actionTasks, reviewTask(plan.caseId, id, plan.version, reviewOn, row, calendar)], { restricted: row.restricted });
      await this.repo.setActionTasks(actions.map((a, i) => ({ actionId: a.id, taskId: taskIds[i] })));
      await this.timeline.append({ caseId: plan.caseId, type: 'plan.activated', entityType: 'plan', entityId: id, data: { version: plan.version, reviewOn, conferenceId, actions: actions.length, supersedes: replaced } });
      await this.audit.record({ action: 'plan.activated', entityType: 'plan', entityId: id, caseId: plan.caseId, restricted: row.restricted, changedFields: ['status', ...Object.keys(dto)] });
      return this.view(id);
    });
  }

  evaluate(actor: Actor, id: string, dto: CreateEvaluationDto): Promise<EvaluationDto> {
    checkPastDate(dto.evaluatedOn, 'evaluatedOn');
    if (dto.nextReviewOn !== undefined && !isValidDateString(dto.nextReviewOn)) throw badRequest('INVALID_DATE', 'nextReviewOn is not a date', 'nextReviewOn');
    return this.db.transaction(async () => {
      const { plan, row } = await this.lockPlan(actor, id, 'lead');
      if (plan.status !== 'active') throw conflict('PLAN_NOT_ACTIVE', `The plan is ${plan.status}: only an active plan is evaluated`);
      const goals = await this.repo.goals([id]);
      checkGoalResults(goals, dto);
      if (plan.activatedOn && dto.evaluatedOn < plan.activatedOn) throw ruleViolation('EVALUATED_BEFORE_ACTIVATION', `evaluatedOn is before the plan was activated (${plan.activatedOn})`, 'evaluatedOn');
      if (dto.conferenceId) await this.conferenceOnCase(plan.caseId, dto.conferenceId);
      const today = tokyoToday();
      let nextReviewOn: string | null = null;
      if (dto.decision === 'continue') {
        if (!dto.nextReviewOn) throw ruleViolation('NEXT_REVIEW_REQUIRED', 'continue needs nextReviewOn, the date of the next review', 'nextReviewOn');
        nextReviewOn = dto.nextReviewOn;
      } else if (dto.decision === 'replan') {
        nextReviewOn = dto.nextReviewOn ?? addMonthsToDate(today, REPLAN_REVIEW_MONTHS);
        if (await this.repo.draftOf(plan.caseId)) throw conflict('PLAN_DRAFT_EXISTS', 'The case already has a draft plan: activate or edit that one');
      }
      if (nextReviewOn && nextReviewOn < today) throw ruleViolation('NEXT_REVIEW_IN_PAST', `nextReviewOn ${nextReviewOn} has already passed`, 'nextReviewOn');

      await this.tasks.closeBySource('plan', id, ['plan_review'], 'done', '評価済み');
      const nextPlanId = dto.decision === 'replan' ? await this.replan(plan, actor, row) : null;
      const evaluationId = newId();
      await this.repo.insertEvaluation({ id: evaluationId, planId: id, caseId: plan.caseId, evaluatedOn: dto.evaluatedOn, summary: dto.summary, decision: dto.decision, nextReviewOn, nextPlanId, conferenceId: dto.conferenceId ?? null, createdById: actor.userId });
      await this.repo.insertGoalResults(evaluationId, dto.goalResults.map((r) => ({ goalId: r.goalId, result: r.result, note: r.note ?? null })));
      if (nextReviewOn) {
        const { calendar } = await this.calendars.current();
        await this.repo.setReviewOn(id, nextReviewOn);
        await this.openReview(plan.caseId, id, plan.version, nextReviewOn, row, calendar);
      }
      if (dto.decision === 'end') await this.close(id, 'ended', null, row);
      const results = Object.fromEntries(['achieved', 'partly_achieved', 'not_achieved'].map((r) => [r, dto.goalResults.filter((g) => g.result === r).length]));
      await this.timeline.append({ caseId: plan.caseId, type: 'plan.evaluated', entityType: 'plan', entityId: id, data: { version: plan.version, decision: dto.decision, results, nextReviewOn, nextPlanId } });
      await this.audit.record({ action: 'plan.evaluated', entityType: 'plan', entityId: id, caseId: plan.caseId, restricted: row.restricted, changedFields: Object.keys(dto), detail: { evaluationId, decision: dto.decision } });
      const [evaluation] = (await this.repo.evaluations([id])).filter((e) => e.id === evaluationId);
      return evaluationView(evaluation);
    });
  }

  listForCase(actor: Actor, caseId: string): Promise<PlanDto[]> {
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, caseId, 'read');
      const plans = await this.repo.byCase(caseId);
      await this.audit.record({ action: 'plan.listed', entityType: 'case', entityId: caseId, caseId, restricted: row.restricted, detail: { count: plans.length } });
      return this.hydrate(plans);
    });
  }

  get(actor: Actor, id: string): Promise<PlanDto> {
    return this.db.transaction(async () => {
      const caseId = await this.repo.caseOf(id);
      if (!caseId) throw notFound('plan');
      const { row } = await this.access.require(actor, caseId, 'read');
      await this.audit.record({ action: 'plan.viewed', entityType: 'plan', entityId: id, caseId, restricted: row.restricted });
      return this.view(id);
    });
  }

  // --- steps ----------------------------------------------------------------------------

  /** The plan's case checked for the caller, then the case row and the plan row locked in that order. */
  private async lockPlan(actor: Actor, id: string, need: 'involved' | 'lead'): Promise<{ plan: PlanRow; row: CaseRow }> {
    const caseId = await this.repo.caseOf(id);
    if (!caseId) throw notFound('plan');
    const { row } = await this.access.require(actor, caseId, need);
    await this.cases.lock(caseId);
    return { plan: (await this.repo.lockAndFind(id))!, row };
  }

  /** Every action's agency is the lead or an involved agency of the case; an assignee works there. */
  private async checkActions(caseId: string, actions: Array<Pick<ActionInputDto, 'agencyId' | 'assigneeUserId' | 'startOn' | 'dueOn'> | ActionRow>): Promise<void> {
    if (!actions.length) return;
    const onCase = new Set(await this.repo.caseAgencies(caseId));
    const users = await this.repo.activeUsers([...new Set(actions.map((a) => a.assigneeUserId).filter((u): u is string => !!u))]);
    actions.forEach((a, i) => {
      if (!onCase.has(a.agencyId)) {
        throw ruleViolation('ACTION_AGENCY_NOT_ON_CASE', `actions[${i}].agencyId is neither the lead nor an involved agency of the case: refer the case to it first`, `actions[${i}].agencyId`);
      }
      if (a.assigneeUserId && users.get(a.assigneeUserId) !== a.agencyId) {
        throw ruleViolation('NOT_A_WORKER_OF_AGENCY', `actions[${i}].assigneeUserId must be an active user of the action's agency`, `actions[${i}].assigneeUserId`);
      }
      if (a.startOn && a.startOn > a.dueOn) throw ruleViolation('START_AFTER_DUE', `actions[${i}].startOn is after its dueOn`, `actions[${i}].startOn`);
    });
  }

  /** The conference that approves the activation: required (and of an approving type) when the municipality says so. */
  private async approvingConference(caseId: string, conferenceId: string | undefined, required: boolean): Promise<string | null> {
    if (!conferenceId) {
      if (required) throw ruleViolation('CONFERENCE_REQUIRED', 'This municipality activates a plan only with its approval at a conference (重層的支援会議, 支援調整会議 or case review): give conferenceId', 'conferenceId');
      return null;
    }
    const type = await this.conferenceOnCase(caseId, conferenceId);
    if (required && !APPROVING_CONFERENCES.includes(type)) {
      throw ruleViolation('CONFERENCE_NOT_APPROVING', `A ${type} does not approve plans: use a multi_agency_meeting, plan_coordination_meeting or case_review`, 'conferenceId');
    }
    return conferenceId;
  }

  private async conferenceOnCase(caseId: string, conferenceId: string): Promise<ConferenceType> {
    const conference = await this.repo.conference(conferenceId);
    if (!conference || conference.caseId !== caseId) throw ruleViolation('CONFERENCE_NOT_ON_CASE', 'conferenceId must name a conference recorded on the same case', 'conferenceId');
    return conference.type as ConferenceType;
  }

  /** The lead agency's review task (its lead worker's, when one is assigned), due on the review date. */
  private async openReview(caseId: string, planId: string, version: number, reviewOn: string, row: CaseRow, calendar: BusinessCalendar): Promise<void> {
    await this.tasks.createSystem(reviewTask(caseId, planId, version, reviewOn, row, calendar), { restricted: row.restricted });
  }

  /** Supersedes or ends an active plan; its open action and review tasks are cancelled. */
  private async close(id: string, to: 'superseded' | 'ended', supersededById: string | null, row: CaseRow): Promise<void> {
    const plan = (await this.repo.findById(id))!;
    await this.repo.close(id, to, supersededById);
    await this.tasks.closeBySource('plan', id, ['plan_action', 'plan_review'], 'cancelled', to === 'superseded' ? '新しい版のプランに置き換えられました' : 'プランは終了しました');
    await this.timeline.append({ caseId: plan.caseId, type: `plan.${to}`, entityType: 'plan', entityId: id, data: { version: plan.version, supersededById } });
    await this.audit.record({ action: `plan.${to}`, entityType: 'plan', entityId: id, caseId: plan.caseId, restricted: row.restricted, changedFields: ['status'] });
  }

  /** The next draft version with the goals and actions of this one copied. */
  private async replan(plan: PlanRow, actor: Actor, row: CaseRow): Promise<string> {
    const id = newId();
    const version = await this.repo.nextVersion(plan.caseId);
    const goals = await this.repo.goals([plan.id]);
    const actions = await this.repo.actions([plan.id]);
    await this.repo.insert({ id, caseId: plan.caseId, version, personWishes: plan.personWishes, reviewOn: null, employmentSupport: plan.employmentSupport, previousPlanId: plan.id, createdById: actor.userId });
    await this.repo.insertGoals(id, goals.map((g) => ({ id: newId(), term: g.term, text: g.text })));
    await this.repo.insertActions(id, actions.map((a) => ({ id: newId(), title: a.title, agencyId: a.agencyId, assigneeUserId: a.assigneeUserId, frequency: a.frequency, startOn: a.startOn, dueOn: a.dueOn })));
    await this.timeline.append({ caseId: plan.caseId, type: 'plan.created', entityType: 'plan', entityId: id, data: { version, replanOf: plan.id, goals: goals.length, actions: actions.length } });
    await this.audit.record({ action: 'plan.created', entityType: 'plan', entityId: id, caseId: plan.caseId, restricted: row.restricted, detail: { replanOf: plan.id } });
    return id;
  }

  private async view(id: string): Promise<PlanDto> {
    const [plan] = await this.hydrate([(await this.repo.findById(id))!]);
    return plan;
  }

  private async hydrate(plans: PlanRow[]): Promise<PlanDto[]> {
    if (!plans.length) return [];
    const ids = plans.map((p) => p.id);
    const goals = await this.repo.goals(ids);
    const actions = await this.repo.actions(ids);
    const evaluations = await this.repo.evaluations(ids);
    const of = <T extends { planId: string }>(rows: T[], planId: string) => rows.filter((r) => r.planId === planId);
    return plans.map((p) => planView(p, of(goals, p.id), of(actions, p.id), of(evaluations, p.id)));
  }
}

/** The lead agency's review task (its lead worker's, when one is assigned), due on the review date. */
function reviewTask(caseId: string, planId: string, version: number, reviewOn: string, row: CaseRow, calendar: BusinessCalendar): SystemTask {
  return { kind: 'plan_review', title: `支援プランの評価（第${version}版・ケース ${row.caseNumber}）`, caseId, dueAt: calendar.dueAtForDate(reviewOn), assigneeAgencyId: row.leadAgencyId, assigneeUserId: row.leadWorkerId, sourceType: 'plan', sourceId: planId };
}

function newAction(a: ActionInputDto): NewAction {
  return { id: newId(), title: a.title, agencyId: a.agencyId, assigneeUserId: a.assigneeUserId ?? null, frequency: a.frequency ?? null, startOn: a.startOn ?? null, dueOn: a.dueOn };
}

/** Calendar dates that do not exist (2026-02-30) are 400, like malformed ones. */
function checkDates(dto: CreatePlanDto | UpdatePlanDto): void {
  if (dto.reviewOn !== undefined && !isValidDateString(dto.reviewOn)) throw badRequest('INVALID_DATE', 'reviewOn is not a date', 'reviewOn');
  (dto.actions ?? []).forEach((a, i) => {
    if (!isValidDateString(a.dueOn)) throw badRequest('INVALID_DATE', `actions[${i}].dueOn is not a date`, `actions[${i}].dueOn`);
    if (a.startOn !== undefined && !isValidDateString(a.startOn)) throw badRequest('INVALID_DATE', `actions[${i}].startOn is not a date`, `actions[${i}].startOn`);
  });
}

/** Every goal of the plan judged once, and nothing else. */
function checkGoalResults(goals: GoalRow[], dto: CreateEvaluationDto): void {
  const known = new Set(goals.map((g) => g.id));
  const seen = new Set<string>();
  dto.goalResults.forEach((r, i) => {
    if (!known.has(r.goalId)) throw ruleViolation('UNKNOWN_GOAL', `goalResults[${i}].goalId is not a goal of this plan`, `goalResults[${i}].goalId`);
    if (seen.has(r.goalId)) throw badRequest('DUPLICATE_GOAL_RESULT', `goalResults[${i}] judges a goal twice`, `goalResults[${i}].goalId`);
    seen.add(r.goalId);
  });
  const missing = goals.find((g) => !seen.has(g.id));
  if (missing) throw ruleViolation('GOAL_RESULT_MISSING', `Goal ${missing.id} (「${missing.text.slice(0, 40)}」) has no result: every goal is evaluated`, 'goalResults');
}

function planView(p: PlanRow, goals: GoalRow[], actions: ActionRow[], evaluations: EvaluationRow[]): PlanDto {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: p.id,
    caseId: p.caseId,
    version: p.version,
    revision: p.revision,
    status: p.status,
    personWishes: p.personWishes,
    goals: goals.map((g) => ({ id: g.id, term: g.term, text: g.text })),
    actions: actions.map(({ planId: _planId, ...a }) => a),
    reviewOn: p.reviewOn,
    employmentSupport: p.employmentSupport,
    previousPlanId: p.previousPlanId,
    personAgreedOn: p.personAgreedOn,
    conferenceId: p.conferenceId,
    activatedOn: p.activatedOn,
    activatedById: p.activatedById,
    closedAt: iso(p.closedAt),
    supersededById: p.supersededById,
    reviewTaskId: p.reviewTaskId,
    evaluations: evaluations.map(evaluationView),
    createdById: p.createdById,
    createdAt: iso(p.createdAt)!,
    updatedAt: iso(p.updatedAt)!,
  };
}

function evaluationView(e: EvaluationRow): EvaluationDto {
  const { createdAt, ...rest } = e;
  return { ...rest, createdAt: new Date(createdAt).toISOString() };
}
