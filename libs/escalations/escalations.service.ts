import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { tokyoDate } from '@tsunagi/calendar';
import { Db } from '@tsunagi/database';
import { DueJob, JOBS } from '@tsunagi/jobs';
import { CalendarService } from '@tsunagi/municipalities';
import { NotificationsService } from '@tsunagi/notifications';
import { TasksService } from '@tsunagi/tasks';
import { TimelineService } from '@tsunagi/timeline';
import { EscalationsRepository } from './escalations.repository';

export type DueOutcome = 'done' | 'skipped';

/**
 * What happens when a due time passes (rules 3–5, 10): silence escalates to the supervisors
 * of every agency concerned, once; a late first contact gives the referrer a check task;
 * the assignee is reminded at the opening time of the due day. Each handler re-reads and
 * locks its row and does nothing when the world has moved on, so a job delivered twice, by
 * the queue and by the sweep, or by two workers, has one effect.
 */
@Injectable()
export class EscalationsService {
  private readonly logger = new Logger(EscalationsService.name);

  constructor(
    private readonly db: Db,
    private readonly repo: EscalationsRepository,
    private readonly tasks: TasksService,
    private readonly notifications: NotificationsService,
    private readonly calendars: CalendarService,
    private readonly timeline: TimelineService,
    private readonly audit: AuditService,
  ) {}

  /** Runs one due job for one municipality in its own transaction and request context. */
  run(job: DueJob, municipalityId: string, entityId: string): Promise<DueOutcome> {
    return this.db.forMunicipality(municipalityId, () => {
      switch (job) {
        case JOBS.referralDue:
          return this.referralDue(entityId);
        case JOBS.taskDue:
          return this.taskDue(entityId);
        case JOBS.referralHandoff:
          return this.handoffLate(entityId);
        case JOBS.taskRemind:
          return this.remind(entityId);
      }
    });
  }

  /** Rule 4: an unanswered referral escalates to both agencies; it stays pending, never auto-declined. */
  private async referralDue(id: string): Promise<DueOutcome> {
    const r = await this.repo.lockReferral(id);
    if (!r || r.status !== 'pending' || r.escalatedAt || new Date(r.respondBy).getTime() > Date.now()) return 'skipped';
    const title = `期限超過: つなぎへの回答がありません（ケース ${r.caseNumber}）`;
    for (const agencyId of [r.fromAgencyId, r.toAgencyId]) {
      await this.repo.insertEscalation({ caseId: r.caseId, title, agencyId, sourceType: 'referral', sourceId: id });
    }
    await this.repo.markReferralEscalated(id);
    await this.notifications.notifySupervisors([r.fromAgencyId, r.toAgencyId], { kind: 'referral.escalated', title, caseId: r.caseId, entityType: 'referral', entityId: id }, { restricted: r.restricted });
    await this.timeline.append({ caseId: r.caseId, type: 'referral.escalated', entityType: 'referral', entityId: id, agencyId: null, data: { fromAgencyId: r.fromAgencyId, toAgencyId: r.toAgencyId, respondBy: new Date(r.respondBy).toISOString() } });
    await this.audit.record({ action: 'referral.escalated', entityType: 'referral', entityId: id, caseId: r.caseId, restricted: r.restricted, actorId: null });
    return 'done';
  }

  /**
   * Due jobs of one kind and municipality together (the worker's batches, the sweep). Task
   * escalations run set-based in one transaction; the other kinds one by one. When a batch
   * fails, each of its jobs is tried alone, so a bad row holds up only itself: the result
   * gives each id its outcome, or the error it failed with alone.
   */
  async runMany(job: DueJob, municipalityId: string, entityIds: string[]): Promise<Map<string, DueOutcome | Error>> {
    const ids = [...new Set(entityIds)];
    if (job === JOBS.taskDue && ids.length > 1) {
      try {
        return await this.db.forMunicipality(municipalityId, () => this.tasksDue(ids));
      } catch (error) {
        this.logger.warn({ job, count: ids.length, err: (error as Error).message }, 'batch failed; running its jobs one by one');
      }
    }
    const outcomes = new Map<string, DueOutcome | Error>();
    for (const id of ids) {
      outcomes.set(id, await this.run(job, municipalityId, id).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))));
    }
    return outcomes;
  }

  /** A task whose due time passed while open escalates to its agency's supervisors. */
  private async taskDue(id: string): Promise<DueOutcome> {
    return (await this.tasksDue([id])).get(id) ?? 'skipped';
  }

  /**
   * The same for many tasks in one transaction, a statement per step rather than per task.
   * Each task is re-checked as alone (open, due, not escalated yet), so a task that moved on,
   * or that another worker escalated first, is skipped.
   */
  private async tasksDue(ids: string[]): Promise<Map<string, DueOutcome>> {
    const outcomes = new Map<string, DueOutcome>(ids.map((id) => [id, 'skipped']));
    const due = await this.repo.markDueTasksEscalated(ids, new Date());
    if (!due.length) return outcomes;
    const titled = due.map((t) => ({ t, title: t.caseNumber ? `期限超過: フォローアップが未完了です（ケース ${t.caseNumber}）` : '期限超過: フォローアップが未完了です' }));
    await this.repo.insertEscalations(titled.map(({ t, title }) => ({ caseId: t.caseId, title, agencyId: t.assigneeAgencyId, sourceType: 'task', sourceId: t.id })));
    await this.notifications.notifySupervisorsMany(
      titled.map(({ t, title }) => ({ agencyIds: [t.assigneeAgencyId], notification: { kind: 'task.escalated', title, caseId: t.caseId, entityType: 'task', entityId: t.id }, restricted: t.restricted })),
    );
    await this.timeline.appendMany(
      due.filter((t) => t.caseId).map((t) => ({ caseId: t.caseId!, type: 'task.escalated', entityType: 'task', entityId: t.id, agencyId: null, data: { kind: t.kind, assigneeAgencyId: t.assigneeAgencyId } })),
    );
    await this.audit.recordMany(due.map((t) => ({ action: 'task.escalated', entityType: 'task', entityId: t.id, caseId: t.caseId, restricted: t.restricted, actorId: null, detail: { kind: t.kind } })));
    for (const t of due) outcomes.set(t.id, 'done');
    return outcomes;
  }

  /** Rule 5: no first contact within the hand-off days — the referrer checks on the person. */
  private async handoffLate(id: string): Promise<DueOutcome> {
    const r = await this.repo.lockReferral(id);
    if (!r || r.status !== 'accepted' || r.kind !== 'transfer' || r.firstContactAt || r.handoffCheckedAt || !r.handoffDueAt || new Date(r.handoffDueAt).getTime() > Date.now()) return 'skipped';
    if (!(await this.repo.hasHandoffCheck(id))) {
      const { calendar } = await this.calendars.current();
      await this.tasks.createSystem(
        { kind: 'handoff_check', title: `つないだ後の状況確認（初回接触の記録がありません・ケース ${r.caseNumber}）`, caseId: r.caseId, dueAt: calendar.dueAfterBusinessDays(new Date(), 1), assigneeAgencyId: r.fromAgencyId, sourceType: 'referral', sourceId: id },
        { restricted: r.restricted },
      );
      await this.notifications.notifyAgency(r.fromAgencyId, { kind: 'referral.handoff_late', title: `つないだ先での初回接触が記録されていません（ケース ${r.caseNumber}）`, caseId: r.caseId, entityType: 'referral', entityId: id });
    }
    await this.repo.markHandoffChecked(id);
    await this.timeline.append({ caseId: r.caseId, type: 'referral.handoff_late', entityType: 'referral', entityId: id, agencyId: null, data: { toAgencyId: r.toAgencyId } });
    return 'done';
  }

  /** The opening time of the due day: a reminder to the assignee (user, else agency). */
  private async remind(id: string): Promise<DueOutcome> {
    const t = await this.repo.lockTask(id);
    if (!t || t.status !== 'open' || t.remindedAt || !t.dueAt) return 'skipped';
    const dueAt = new Date(t.dueAt);
    const { calendar } = await this.calendars.current();
    const opening = calendar.openingInstant(tokyoDate(dueAt));
    const now = Date.now();
    if (now < Math.min(opening.getTime(), dueAt.getTime())) return 'skipped'; // not yet: its job comes later
    if (now < dueAt.getTime()) {
      const title = t.caseNumber ? `本日期限のフォローアップがあります（ケース ${t.caseNumber}）` : '本日期限のフォローアップがあります';
      const n = { kind: 'task.reminder', title, caseId: t.caseId, entityType: 'task', entityId: id };
      if (t.assigneeUserId) await this.notifications.notifyUser(t.assigneeUserId, n);
      else await this.notifications.notifyAgency(t.assigneeAgencyId, n);
    }
    await this.repo.markTaskReminded(id);
    return 'done';
  }
}
