import { Injectable } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { addDaysToDate, isValidDateString, tokyoToday } from '@tsunagi/calendar';
import { CaseAccessService, CaseRow, CasesRepository } from '@tsunagi/cases';
import { Actor, badRequest, conflict, newId, notFound, ruleViolation } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { CalendarService } from '@tsunagi/municipalities';
import { OutcomesService } from '@tsunagi/plans';
import { TasksService } from '@tsunagi/tasks';
import { TimelineService } from '@tsunagi/timeline';
import { CheckParticipationDto, CreateParticipationDto, EndParticipationDto, ParticipationDto, StartParticipationDto } from './dto/participation.dto';
import { CheckRow, ParticipationRow, ParticipationsRepository } from './participations.repository';
import { ResourcesRepository } from './resources.repository';

const SOURCE = 'participation';

/**
 * Participation support (参加支援, rule 11): a person on a case is linked to a community
 * resource, and a few weeks after they start someone checks that it held. Need-to-know is the
 * case's: the lead or an involved agency (or a supervisor who can see the case) acts; anyone
 * who can read the case reads them. Every act is on the case timeline and the audit trail.
 * Lock order for every act on a participation: its case, then the participation.
 */
@Injectable()
export class ParticipationsService {
  constructor(
    private readonly db: Db,
    private readonly repo: ParticipationsRepository,
    private readonly resources: ResourcesRepository,
    private readonly cases: CasesRepository,
    private readonly access: CaseAccessService,
    private readonly tasks: TasksService,
    private readonly outcomes: OutcomesService,
    private readonly calendars: CalendarService,
    private readonly timeline: TimelineService,
    private readonly audit: AuditService,
  ) {}

  /** Proposes a resource for a member (or records that they started): status proposed unless startedOn or status says started. */
  async create(actor: Actor, caseId: string, dto: CreateParticipationDto): Promise<ParticipationDto> {
    const today = tokyoToday();
    if (dto.status === 'proposed' && dto.startedOn) throw badRequest('STARTED_ON_WITHOUT_START', 'startedOn is for a participation that started; leave it out or use status started', 'startedOn');
    const status = dto.status ?? (dto.startedOn ? 'started' : 'proposed');
    const startedOn = status === 'started' ? (dto.startedOn ?? today) : null;
    if (startedOn) pastDate(startedOn, 'startedOn', today);
    return this.db.transaction(async () => {
      await this.access.require(actor, caseId, 'involved');
      await this.cases.lock(caseId);
      const { row: kase } = await this.access.require(actor, caseId, 'involved');
      if (kase.status === 'closed') throw conflict('CASE_CLOSED', 'The case is closed; reopen it before linking the person to a resource');
      const resource = await this.resources.findById(dto.resourceId);
      if (!resource) throw ruleViolation('UNKNOWN_RESOURCE', 'resourceId is not a community resource of this municipality', 'resourceId');
      if (!resource.accepting) throw ruleViolation('RESOURCE_NOT_ACCEPTING', 'The resource is not taking new people now (accepting is false)', 'resourceId');
      const memberId = await this.memberOf(caseId, dto.memberId);
      if (await this.repo.openFor(caseId, dto.resourceId, memberId)) {
        throw conflict('PARTICIPATION_EXISTS', 'This person already has a participation at this resource that has not ended');
      }
      const agencyId = actor.agencyId ?? kase.leadAgencyId;
      const id = newId();
      await this.repo.insert({ id, caseId, resourceId: dto.resourceId, memberId, status, agencyId, proposedOn: startedOn && startedOn < today ? startedOn : today, startedOn, note: dto.note ?? null, createdById: actor.userId });
      await this.audit.record({ action: 'participation.created', entityType: 'participation', entityId: id, caseId, restricted: kase.restricted, changedFields: Object.keys(dto), detail: { status } });
      if (startedOn) await this.started(kase, id, dto.resourceId, memberId, resource.kind, startedOn, agencyId, today);
      else await this.timeline.append({ caseId, type: 'participation.proposed', entityType: 'participation', entityId: id, data: { resourceId: dto.resourceId, resourceKind: resource.kind, memberId } });
      return this.view(id);
    });
  }

  /** proposed → started: a check task for the starting agency and a participation_started outcome. */
  async start(actor: Actor, id: string, dto: StartParticipationDto): Promise<ParticipationDto> {
    const today = tokyoToday();
    pastDate(dto.startedOn, 'startedOn', today);
    return this.db.transaction(async () => {
      const { kase, p } = await this.locked(actor, id);
      if (p.status !== 'proposed') throw conflict('PARTICIPATION_NOT_PROPOSED', `The participation is already ${p.status}`);
      const agencyId = actor.agencyId ?? kase.leadAgencyId;
      if (!(await this.repo.start(id, dto.startedOn, agencyId))) throw conflict('PARTICIPATION_NOT_PROPOSED', 'The participation is no longer proposed');
      await this.started(kase, id, p.resourceId, p.memberId, p.resourceKind, dto.startedOn, agencyId, today);
      await this.audit.record({ action: 'participation.started', entityType: 'participation', entityId: id, caseId: kase.id, restricted: kase.restricted, changedFields: ['status', 'startedOn'] });
      return this.view(id);
    });
  }

  /**
   * A check ("did it hold?") completes the open check task; the next check task opens only
   * when a date for it is given.
   */
  async check(actor: Actor, id: string, dto: CheckParticipationDto): Promise<ParticipationDto> {
    const today = tokyoToday();
    pastDate(dto.checkedOn, 'checkedOn', today);
    if (dto.nextCheckOn !== undefined) {
      if (!isValidDateString(dto.nextCheckOn)) throw badRequest('INVALID_DATE', 'nextCheckOn is not a date', 'nextCheckOn');
      if (dto.nextCheckOn <= dto.checkedOn) throw ruleViolation('NEXT_CHECK_NOT_AFTER_CHECK', 'nextCheckOn must be after checkedOn', 'nextCheckOn');
      if (dto.nextCheckOn < today) throw ruleViolation('NEXT_CHECK_IN_PAST', 'nextCheckOn must not be in the past', 'nextCheckOn');
    }
    return this.db.transaction(async () => {
      const { kase, p } = await this.locked(actor, id);
      if (p.status !== 'started') throw conflict('PARTICIPATION_NOT_STARTED', p.status === 'ended' ? 'The participation has ended' : 'The participation has not started');
      if (p.startedOn && dto.checkedOn < p.startedOn) throw ruleViolation('CHECKED_BEFORE_START', `checkedOn must not be before startedOn (${p.startedOn})`, 'checkedOn');
      await this.repo.insertCheck({ id: newId(), participationId: id, caseId: kase.id, checkedOn: dto.checkedOn, attending: dto.attending, nextCheckOn: dto.nextCheckOn ?? null, note: dto.note ?? null, agencyId: actor.agencyId, checkedById: actor.userId });
      await this.tasks.closeBySource(SOURCE, id, ['participation_check'], 'done', dto.attending ? '参加を継続' : '参加していない');
      if (dto.nextCheckOn) await this.openCheck(kase, id, p.startedByAgencyId ?? actor.agencyId ?? kase.leadAgencyId, dto.nextCheckOn);
      await this.timeline.append({ caseId: kase.id, type: 'participation.checked', entityType: 'participation', entityId: id, data: { attending: dto.attending, checkedOn: dto.checkedOn, nextCheckOn: dto.nextCheckOn ?? null } });
      await this.audit.record({ action: 'participation.checked', entityType: 'participation', entityId: id, caseId: kase.id, restricted: kase.restricted, changedFields: Object.keys(dto) });
      return this.view(id);
    });
  }

  /** Ends a participation with a reason (once: an ended one is 409); its open check task is cancelled. */
  async end(actor: Actor, id: string, dto: EndParticipationDto): Promise<ParticipationDto> {
    const today = tokyoToday();
    pastDate(dto.endedOn, 'endedOn', today);
    return this.db.transaction(async () => {
      const { kase, p } = await this.locked(actor, id);
      if (p.status === 'ended') throw conflict('PARTICIPATION_ENDED', 'The participation has already ended');
      if (p.startedOn && dto.endedOn < p.startedOn) throw ruleViolation('ENDED_BEFORE_START', `endedOn must not be before startedOn (${p.startedOn})`, 'endedOn');
      if (!(await this.repo.end(id, dto.endedOn, dto.reason, dto.note ?? null))) throw conflict('PARTICIPATION_ENDED', 'The participation has already ended');
      await this.tasks.closeBySource(SOURCE, id, ['participation_check'], 'cancelled', '参加支援の終了');
      await this.timeline.append({ caseId: kase.id, type: 'participation.ended', entityType: 'participation', entityId: id, data: { reason: dto.reason, endedOn: dto.endedOn, wasStarted: p.status === 'started' } });
      await this.audit.record({ action: 'participation.ended', entityType: 'participation', entityId: id, caseId: kase.id, restricted: kase.restricted, changedFields: ['status', ...Object.keys(dto)] });
      return this.view(id);
    });
  }

  /** The participations of a case, oldest first (a read of case content: audited). */
  list(actor: Actor, caseId: string): Promise<ParticipationDto[]> {
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, caseId, 'read');
      const rows = await this.repo.byCase(caseId);
      const checks = await this.repo.checksOf(rows.map((r) => r.id));
      await this.audit.record({ action: 'participation.listed', entityType: 'case', entityId: caseId, caseId, restricted: row.restricted, detail: { count: rows.length } });
      return rows.map((r) => view(r, checks.filter((c) => c.participationId === r.id)));
    });
  }

  /** What starting does (rule 11): the check task a few weeks on, and the outcome. */
  private async started(kase: CaseRow, id: string, resourceId: string, memberId: string | null, resourceKind: string, startedOn: string, agencyId: string, today: string): Promise<void> {
    const { settings } = await this.calendars.current();
    const checkOn = addDaysToDate(startedOn, settings.participationCheckWeeks * 7);
    // A start recorded long after the fact is checked now rather than escalated at once.
    await this.openCheck(kase, id, agencyId, checkOn < today ? today : checkOn);
    await this.outcomes.record({ caseId: kase.id, kind: 'participation_started', occurredOn: startedOn, memberId, sourceType: SOURCE, sourceId: id, restricted: kase.restricted });
    await this.timeline.append({ caseId: kase.id, type: 'participation.started', entityType: 'participation', entityId: id, data: { resourceId, resourceKind, memberId, startedOn, agencyId } });
  }

  /** A check task due at the closing time of the check date (or of the next business day). */
  private async openCheck(kase: CaseRow, id: string, agencyId: string, checkOn: string): Promise<void> {
    const { calendar } = await this.calendars.current();
    await this.tasks.createSystem(
      { kind: 'participation_check', title: `参加状況の確認（ケース ${kase.caseNumber}）`, caseId: kase.id, dueAt: calendar.dueAtForDate(checkOn), assigneeAgencyId: agencyId, sourceType: SOURCE, sourceId: id },
      { restricted: kase.restricted },
    );
  }

  /** Access as for the case (lead or involved), then the locks: the case, then the participation. */
  private async locked(actor: Actor, id: string): Promise<{ kase: CaseRow; p: ParticipationRow }> {
    const caseId = await this.repo.caseOf(id);
    if (!caseId) throw notFound('participation');
    await this.access.require(actor, caseId, 'involved');
    await this.cases.lock(caseId);
    await this.repo.lock(id);
    const { row: kase } = await this.access.require(actor, caseId, 'involved');
    return { kase, p: (await this.repo.findById(id))! };
  }

  /** The member named, who must be of this household; default the primary person (null for an anonymous case). */
  private async memberOf(caseId: string, memberId: string | undefined): Promise<string | null> {
    const members = await this.cases.members(caseId);
    if (memberId === undefined) return members.find((m) => m.isPrimary)?.id ?? null;
    if (!members.some((m) => m.id === memberId)) throw ruleViolation('MEMBER_NOT_IN_HOUSEHOLD', `memberId ${memberId} is not a member of this case's household`, 'memberId');
    return memberId;
  }

  private async view(id: string): Promise<ParticipationDto> {
    const row = (await this.repo.findById(id))!;
    return view(row, await this.repo.checksOf([id]));
  }
}

/** A date that has already come (Asia/Tokyo): participation records are of what happened. */
function pastDate(date: string, field: string, today: string): void {
  if (!isValidDateString(date)) throw badRequest('INVALID_DATE', `${field} is not a date`, field);
  if (date > today) throw badRequest('DATE_IN_FUTURE', `${field} must not be in the future`, field);
}

function view(r: ParticipationRow, checks: CheckRow[]): ParticipationDto {
  return {
    id: r.id,
    caseId: r.caseId,
    resource: { id: r.resourceId, name: r.resourceName, kind: r.resourceKind, district: r.resourceDistrict },
    memberId: r.memberId,
    status: r.status,
    agencyId: r.agencyId,
    startedByAgencyId: r.startedByAgencyId,
    proposedOn: r.proposedOn,
    startedOn: r.startedOn,
    endedOn: r.endedOn,
    endReason: r.endReason,
    note: r.note,
    endNote: r.endNote,
    lastCheckedOn: r.lastCheckedOn,
    lastAttending: r.lastAttending,
    checks: checks.map((c) => ({ id: c.id, checkedOn: c.checkedOn, attending: c.attending, nextCheckOn: c.nextCheckOn, note: c.note, agencyId: c.agencyId, checkedById: c.checkedById, createdAt: new Date(c.createdAt).toISOString() })),
    checkTaskId: r.checkTaskId,
    checkDueAt: r.checkDueAt ? new Date(r.checkDueAt).toISOString() : null,
    createdById: r.createdById,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}
