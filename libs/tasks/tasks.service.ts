import { Injectable } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { tokyoDate } from '@tsunagi/calendar';
import { CaseAccessService } from '@tsunagi/cases';
import { Actor, CASE_ROLES, conflict, decodeCursor, DEFAULT_LIMIT, encodeCursor, forbidden, hasRole, newId, notFound, Page, ruleViolation } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { JOBS } from '@tsunagi/jobs';
import { CalendarService } from '@tsunagi/municipalities';
import { OutboxService } from '@tsunagi/outbox';
import { TimelineService } from '@tsunagi/timeline';
import type { TaskKind } from '@tsunagi/vocabularies';
import { CreateTaskDto, TaskDto, TaskListQueryDto } from './dto/task.dto';
import { TaskRow, TasksRepository } from './tasks.repository';

export interface SystemTask {
  kind: TaskKind;
  title: string;
  caseId: string | null;
  dueAt: Date | null;
  assigneeAgencyId: string;
  assigneeUserId?: string | null;
  sourceType: string;
  sourceId: string;
}

/**
 * Follow-up tasks. The rules create most of them (a referral's response, a re-route after a
 * decline, a hand-off check, conference action items, plan reviews); staff add their own.
 * Due times are kept here; the worker delivers and escalates them.
 */
@Injectable()
export class TasksService {
  constructor(
    private readonly db: Db,
    private readonly repo: TasksRepository,
    private readonly access: CaseAccessService,
    private readonly timeline: TimelineService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly calendars: CalendarService,
  ) {}

  /**
   * Hands a task's due time to the worker: a reminder at the opening time of the due day
   * and the due time itself (a referral's response task escalates with its referral).
   */
  private async scheduleDue(id: string, kind: string, dueAt: Date | null): Promise<void> {
    if (!dueAt || kind === 'escalation') return;
    const { calendar } = await this.calendars.current();
    const opening = calendar.openingInstant(tokyoDate(dueAt));
    await this.outbox.schedule(JOBS.taskRemind, id, opening.getTime() < dueAt.getTime() ? opening : dueAt);
    if (kind !== 'referral_response') await this.outbox.schedule(JOBS.taskDue, id, dueAt);
  }

  /** A task made by a rule, inside the caller's transaction; returns its id. */
  async createSystem(task: SystemTask, opts: { restricted?: boolean } = {}): Promise<string> {
    const id = newId();
    await this.repo.insert({ id, caseId: task.caseId, kind: task.kind, title: task.title, dueAt: task.dueAt, assigneeAgencyId: task.assigneeAgencyId, assigneeUserId: task.assigneeUserId ?? null, sourceType: task.sourceType, sourceId: task.sourceId, createdById: null });
    await this.scheduleDue(id, task.kind, task.dueAt);
    if (task.caseId) {
      await this.timeline.append({ caseId: task.caseId, type: 'task.created', entityType: 'task', entityId: id, data: { kind: task.kind, assigneeAgencyId: task.assigneeAgencyId, dueAt: task.dueAt?.toISOString() ?? null } });
    }
    await this.audit.record({ action: 'task.created', entityType: 'task', entityId: id, caseId: task.caseId, restricted: opts.restricted, detail: { kind: task.kind, sourceType: task.sourceType } });
    return id;
  }

  /**
   * Several tasks made by one rule in one act (a plan's activation), inside the caller's
   * transaction: the same rows, due times, timeline entries and audit events as one
   * `createSystem` each, in four statements. Returns their ids in order.
   */
  async createSystemMany(tasks: SystemTask[], opts: { restricted?: boolean } = {}): Promise<string[]> {
    if (!tasks.length) return [];
    const rows = tasks.map((task) => ({ ...task, id: newId() }));
    await this.repo.insertMany(rows.map((t) => ({ id: t.id, caseId: t.caseId, kind: t.kind, title: t.title, dueAt: t.dueAt, assigneeAgencyId: t.assigneeAgencyId, assigneeUserId: t.assigneeUserId ?? null, sourceType: t.sourceType, sourceId: t.sourceId, createdById: null })));
    const due = rows.filter((t) => t.dueAt && t.kind !== 'escalation');
    if (due.length) {
      const { calendar } = await this.calendars.current();
      const jobs = due.flatMap((t) => {
        const dueAt = t.dueAt!;
        const opening = calendar.openingInstant(tokyoDate(dueAt));
        const remind = { job: JOBS.taskRemind, entityId: t.id, runAt: opening.getTime() < dueAt.getTime() ? opening : dueAt };
        return t.kind === 'referral_response' ? [remind] : [remind, { job: JOBS.taskDue, entityId: t.id, runAt: dueAt }];
      });
      await this.outbox.scheduleMany(jobs);
    }
    await this.timeline.appendMany(
      rows.filter((t) => t.caseId).map((t) => ({ caseId: t.caseId!, type: 'task.created', entityType: 'task', entityId: t.id, data: { kind: t.kind, assigneeAgencyId: t.assigneeAgencyId, dueAt: t.dueAt?.toISOString() ?? null } })),
    );
    await this.audit.recordMany(rows.map((t) => ({ action: 'task.created', entityType: 'task', entityId: t.id, caseId: t.caseId, restricted: opts.restricted, detail: { kind: t.kind, sourceType: t.sourceType } })));
    return rows.map((t) => t.id);
  }

  /** Closes the open tasks of these kinds that came from a source (inside the caller's transaction). */
  async closeBySource(sourceType: string, sourceId: string, kinds: TaskKind[], to: 'done' | 'cancelled', note: string | null = null): Promise<number> {
    const closed = await this.repo.closeBySource(sourceType, sourceId, kinds, to, note);
    const type = to === 'done' ? 'task.completed' : 'task.cancelled';
    await this.timeline.appendMany(closed.filter((t) => t.caseId).map((t) => ({ caseId: t.caseId!, type, entityType: 'task', entityId: t.id, data: { automatic: true } })));
    await this.audit.recordMany(closed.map((t) => ({ action: type, entityType: 'task', entityId: t.id, caseId: t.caseId, detail: { automatic: true } })));
    return closed.length;
  }

  async createForCase(actor: Actor, caseId: string, dto: CreateTaskDto): Promise<TaskDto> {
    const dueAt = new Date(dto.dueAt);
    if (dueAt.getTime() <= Date.now()) throw ruleViolation('DUE_IN_PAST', 'dueAt must be in the future', 'dueAt');
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, caseId, 'involved');
      const agencyId = dto.assigneeAgencyId ?? actor.agencyId ?? row.leadAgencyId;
      if (!(await this.repo.agencyExists(agencyId))) throw ruleViolation('UNKNOWN_AGENCY', 'assigneeAgencyId is not an agency of this municipality', 'assigneeAgencyId');
      if (dto.assigneeUserId && !(await this.repo.userInAgency(dto.assigneeUserId, agencyId))) {
        throw ruleViolation('NOT_A_WORKER_OF_AGENCY', 'assigneeUserId must be an active user of the assignee agency', 'assigneeUserId');
      }
      const id = newId();
      await this.repo.insert({ id, caseId, kind: dto.kind, title: dto.title, dueAt, assigneeAgencyId: agencyId, assigneeUserId: dto.assigneeUserId ?? null, sourceType: null, sourceId: null, createdById: actor.userId });
      await this.scheduleDue(id, dto.kind, dueAt);
      await this.timeline.append({ caseId, type: 'task.created', entityType: 'task', entityId: id, data: { kind: dto.kind, assigneeAgencyId: agencyId, dueAt: dueAt.toISOString() } });
      await this.audit.record({ action: 'task.created', entityType: 'task', entityId: id, caseId, restricted: row.restricted, changedFields: Object.keys(dto) });
      return view((await this.repo.findById(id))!);
    });
  }

  list(actor: Actor, query: TaskListQueryDto): Promise<Page<TaskDto>> {
    if (!hasRole(actor, ...CASE_ROLES)) throw forbidden('Your role has no tasks');
    const limit = query.limit ?? DEFAULT_LIMIT;
    const cursor = decodeCursor(query.cursor, 2);
    return this.db.transaction(async () => {
      const rows = await this.repo.list({
        scope: query.scope ?? 'mine',
        userId: actor.userId,
        agencyId: actor.agencyId,
        supervisor: hasRole(actor, 'supervisor'),
        status: query.status,
        overdue: query.overdue,
        limit,
        after: cursor ? { dueKey: String(cursor[0]), id: String(cursor[1]) } : undefined,
      });
      const hasMore = rows.length > limit;
      const page = hasMore ? rows.slice(0, limit) : rows;
      const last = page[page.length - 1] as (TaskRow & { dueKey: Date | string }) | undefined;
      return {
        items: page.map(view),
        nextCursor: hasMore && last ? encodeCursor([last.dueAt ? new Date(last.dueAt).toISOString() : 'infinity', last.id]) : null,
      };
    });
  }

  complete(actor: Actor, id: string, note?: string): Promise<TaskDto> {
    return this.closeByActor(actor, id, 'done', note ?? null);
  }

  cancel(actor: Actor, id: string, reason: string): Promise<TaskDto> {
    return this.closeByActor(actor, id, 'cancelled', reason);
  }

  /** The task's agency completes or cancels it; a supervisor may too. */
  private closeByActor(actor: Actor, id: string, to: 'done' | 'cancelled', note: string | null): Promise<TaskDto> {
    if (!hasRole(actor, ...CASE_ROLES)) throw forbidden('Your role has no tasks');
    return this.db.transaction(async () => {
      const task = await this.repo.findById(id);
      if (!task) throw notFound('task');
      const own = task.assigneeAgencyId === actor.agencyId;
      if (!own) {
        // Visible through its case to a supervisor; otherwise it does not exist for the caller.
        if (!task.caseId || !hasRole(actor, 'supervisor')) throw notFound('task');
        await this.access.require(actor, task.caseId, 'read');
      }
      if (task.kind === 'escalation' && !hasRole(actor, 'supervisor')) throw forbidden('A supervisor completes escalations');
      if (!(await this.repo.close(id, to, actor.userId, note))) {
        throw conflict('TASK_NOT_OPEN', `The task is already ${task.status === 'done' ? 'done' : 'cancelled'}`);
      }
      if (task.caseId) await this.timeline.append({ caseId: task.caseId, type: to === 'done' ? 'task.completed' : 'task.cancelled', entityType: 'task', entityId: id, data: { kind: task.kind } });
      await this.audit.record({ action: to === 'done' ? 'task.completed' : 'task.cancelled', entityType: 'task', entityId: id, caseId: task.caseId, changedFields: ['status'] });
      return view((await this.repo.findById(id))!);
    });
  }
}

export function view(t: TaskRow): TaskDto {
  const due = t.dueAt ? new Date(t.dueAt) : null;
  return {
    id: t.id,
    caseId: t.caseId,
    caseNumber: t.caseNumber,
    kind: t.kind as TaskDto['kind'],
    title: t.title,
    status: t.status,
    dueAt: due?.toISOString() ?? null,
    overdue: t.status === 'open' && !!due && due.getTime() < Date.now(),
    assigneeAgencyId: t.assigneeAgencyId,
    assigneeUserId: t.assigneeUserId,
    sourceType: t.sourceType,
    sourceId: t.sourceId,
    createdAt: new Date(t.createdAt).toISOString(),
    completedAt: t.completedAt ? new Date(t.completedAt).toISOString() : null,
    completionNote: t.completionNote,
    cancelReason: t.cancelReason,
  };
}
