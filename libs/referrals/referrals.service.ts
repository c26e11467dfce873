import { Injectable } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { CaseAccessService, CasesRepository } from '@tsunagi/cases';
import { Actor, CASE_ROLES, conflict, decodeCursor, DEFAULT_LIMIT, encodeCursor, forbidden, hasRole, newId, notFound, Page, ruleViolation } from '@tsunagi/common';
import { ConferencesService } from '@tsunagi/conferences';
import { Db } from '@tsunagi/database';
import { IdempotencyService } from '@tsunagi/idempotency';
import { JOBS } from '@tsunagi/jobs';
import { OutboxService } from '@tsunagi/outbox';
import { CalendarService } from '@tsunagi/municipalities';
import { NotificationsService } from '@tsunagi/notifications';
import { TasksService } from '@tsunagi/tasks';
import { TimelineService } from '@tsunagi/timeline';
import { AcceptReferralDto, CreateReferralDto, DeclineReferralDto, FirstContactDto, ReferralDto, ReferralListQueryDto, WithdrawReferralDto } from './dto/referral.dto';
import { ReferralRow, ReferralsRepository } from './referrals.repository';

const EMERGENCY_RESPONSE_MS = 2 * 3600 * 1000;
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;
const SOURCE = 'referral';

@Injectable()
export class ReferralsService {
  constructor(
    private readonly db: Db,
    private readonly repo: ReferralsRepository,
    private readonly cases: CasesRepository,
    private readonly access: CaseAccessService,
    private readonly conferences: ConferencesService,
    private readonly tasks: TasksService,
    private readonly notifications: NotificationsService,
    private readonly calendars: CalendarService,
    private readonly timeline: TimelineService,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * A referral (つなぎ). Only the lead agency transfers; the lead or an involved agency asks
   * for collaboration. Sharing needs a legal basis for every person whose information goes
   * (rule 6); the referral row is the record of that provision (個人情報保護法 第27条・第29条).
   * The receiver gets a response task due by `respondBy` (rule 4: silence escalates).
   */
  async create(actor: Actor, caseId: string, dto: CreateReferralDto, idempotencyKey?: string) {
    return this.db.transaction(() =>
      this.idempotency.run(`referrals.create.${caseId}`, idempotencyKey, dto, async () => {
        await this.access.require(actor, caseId, 'involved');
        await this.cases.lock(caseId);
        const { row: kase, relation, supervisor } = await this.access.require(actor, caseId, 'involved');
        if (kase.status === 'closed') throw conflict('CASE_CLOSED', 'The case is closed; reopen it before referring');
        if (dto.kind === 'transfer' && !relation.isLead && !supervisor) {
          throw ruleViolation('TRANSFER_ONLY_BY_LEAD', 'Only the lead agency transfers a case; an involved agency asks for collaboration', 'kind');
        }
        const fromAgencyId = relation.isLead || dto.kind === 'transfer' || !relation.isInvolved ? kase.leadAgencyId : actor.agencyId!;
        const to = await this.repo.agency(dto.toAgencyId);
        if (!to) throw ruleViolation('UNKNOWN_AGENCY', 'toAgencyId is not an agency of this municipality', 'toAgencyId');
        if (dto.toAgencyId === fromAgencyId) throw ruleViolation('REFERRAL_TO_SELF', 'An agency cannot refer a case to itself', 'toAgencyId');
        if (dto.toAgencyId === kase.leadAgencyId) throw ruleViolation('REFERRAL_TO_LEAD_AGENCY', 'The receiving agency already leads this case', 'toAgencyId');
        if (await this.repo.pendingTo(caseId, dto.toAgencyId)) throw conflict('REFERRAL_ALREADY_PENDING', 'A referral of this case to that agency is already pending');
        if (dto.kind === 'collaboration' && (await this.cases.involvements(caseId)).some((i) => i.agencyId === dto.toAgencyId && i.involvement === 'collaborator')) {
          throw ruleViolation('ALREADY_INVOLVED', 'That agency already collaborates on this case', 'toAgencyId');
        }

        const memberIds = await this.checkBasis(caseId, kase.consentStatus, dto);
        const { calendar, settings } = await this.calendars.current();
        const now = new Date();
        const defaultRespondBy =
          kase.urgency === 'emergency' ? new Date(now.getTime() + EMERGENCY_RESPONSE_MS)
          : kase.urgency === 'high' ? calendar.dueAfterBusinessDays(now, 1)
          : calendar.dueAfterBusinessDays(now, settings.referralResponseBusinessDays);
        let respondBy = defaultRespondBy;
        if (dto.respondBy) {
          respondBy = new Date(dto.respondBy);
          if (respondBy.getTime() <= now.getTime()) throw ruleViolation('RESPOND_BY_IN_PAST', 'respondBy must be in the future', 'respondBy');
          if (respondBy.getTime() > defaultRespondBy.getTime()) {
            throw ruleViolation('RESPOND_BY_TOO_LATE', `respondBy may only be earlier than the default deadline ${defaultRespondBy.toISOString()}`, 'respondBy');
          }
        }

        const id = newId();
        await this.repo.insert({ id, caseId, kind: dto.kind, fromAgencyId, toAgencyId: dto.toAgencyId, reason: dto.reason, basis: dto.basis, basisNote: dto.basisNote ?? null, memberIds, respondBy, accompanied: dto.accompanied ?? false, createdById: actor.userId });
        await this.outbox.schedule(JOBS.referralDue, id, respondBy);
        await this.tasks.createSystem(
          { kind: 'referral_response', title: `つなぎへの回答（ケース ${kase.caseNumber}）`, caseId, dueAt: respondBy, assigneeAgencyId: dto.toAgencyId, sourceType: SOURCE, sourceId: id },
          { restricted: kase.restricted },
        );
        await this.notifications.notifyAgency(dto.toAgencyId, { kind: 'referral.received', title: `新しいつなぎが届きました（ケース ${kase.caseNumber}）`, caseId, entityType: 'referral', entityId: id });
        if (dto.basis === 'emergency') {
          await this.notifications.notifySupervisors([fromAgencyId], { kind: 'referral.emergency', title: `緊急時の情報提供によるつなぎが行われました（ケース ${kase.caseNumber}）`, caseId, entityType: 'referral', entityId: id }, { restricted: kase.restricted });
        }
        await this.timeline.append({ caseId, type: 'referral.created', entityType: 'referral', entityId: id, data: { kind: dto.kind, fromAgencyId, toAgencyId: dto.toAgencyId, basis: dto.basis, memberIds, respondBy: respondBy.toISOString(), accompanied: dto.accompanied ?? false } });
        await this.audit.record({ action: 'referral.created', entityType: 'referral', entityId: id, caseId, restricted: kase.restricted, changedFields: Object.keys(dto), detail: { kind: dto.kind, basis: dto.basis, toAgencyId: dto.toAgencyId, members: memberIds.length } });
        return { status: 201, body: view((await this.repo.findById(id))!) };
      }),
    );
  }

  /** Rule 6: consent of each person shared, a 支援会議 with the receiver, or an emergency with a reason. */
  private async checkBasis(caseId: string, anonymousConsent: string, dto: CreateReferralDto): Promise<string[]> {
    const members = await this.cases.members(caseId);
    const memberIds = dto.memberIds ?? members.filter((m) => m.isPrimary).map((m) => m.id);
    const unknown = memberIds.find((id) => !members.some((m) => m.id === id));
    if (unknown) throw ruleViolation('UNKNOWN_MEMBER', `member ${unknown} is not in this household`, 'memberIds');
    switch (dto.basis) {
      case 'consent': {
        if (!members.length && anonymousConsent !== 'obtained') throw ruleViolation('CONSENT_MISSING', 'The person has not consented to sharing (本人同意)', 'basis');
        for (const id of memberIds) {
          const m = members.find((x) => x.id === id)!;
          if (m.consentStatus !== 'obtained') {
            throw ruleViolation('CONSENT_MISSING', `member ${m.id} (${m.relationship ?? 'household member'}) has not consented to sharing; each person shared must consent`, 'memberIds');
          }
        }
        break;
      }
      case 'support_meeting':
        if (!(await this.conferences.supportMeetingWith(caseId, dto.toAgencyId))) {
          throw ruleViolation('SUPPORT_MEETING_MISSING', 'Basis support_meeting needs a recorded 支援会議 on this case in which the receiving agency took part', 'basis');
        }
        break;
      case 'emergency':
        if (!dto.basisNote?.trim()) throw ruleViolation('EMERGENCY_REASON_REQUIRED', 'Basis emergency needs basisNote: why life, body or property is at risk', 'basisNote');
        break;
    }
    return memberIds;
  }

  /**
   * Accepting: a transfer moves the lead (and lead worker) to the receiver, and the referrer
   * stays involved as hand-off monitor until first contact (rule 5); a collaboration adds
   * the receiver to the case. Of two people answering at once exactly one succeeds.
   */
  async accept(actor: Actor, id: string, dto: AcceptReferralDto): Promise<ReferralDto> {
    return this.db.transaction(async () => {
      const ref = await this.receiving(actor, id);
      // Lock order for every act on a referral: its case row, then the referral row (an
      // answer's task insert takes a key lock on the case; the other order would deadlock).
      await this.cases.lock(ref.caseId);
      if (dto.assignedWorkerId && !(await this.repo.userInAgency(dto.assignedWorkerId, ref.toAgencyId))) {
        throw ruleViolation('NOT_A_WORKER_OF_AGENCY', 'assignedWorkerId must be an active user of the receiving agency', 'assignedWorkerId');
      }
      const answered = await this.repo.answer(id, { status: 'accepted', answered_by_id: actor.userId, answer_note: dto.note ?? null, assigned_worker_id: dto.assignedWorkerId ?? null });
      if (!answered) throw notPending();
      if (ref.kind === 'transfer') {
        // Rule 5: first contact is expected within the hand-off business days, else the referrer checks.
        const { calendar, settings } = await this.calendars.current();
        const handoffDueAt = calendar.dueAfterBusinessDays(new Date(), settings.handoffCheckBusinessDays);
        await this.repo.setHandoffDue(id, handoffDueAt);
        await this.outbox.schedule(JOBS.referralHandoff, id, handoffDueAt);
        await this.repo.setLead(ref.caseId, ref.toAgencyId, dto.assignedWorkerId ?? null);
        await this.repo.uninvolve(ref.caseId, ref.toAgencyId);
        await this.repo.involve(ref.caseId, ref.fromAgencyId, 'handoff_monitor');
      } else {
        await this.repo.involve(ref.caseId, ref.toAgencyId, 'collaborator');
      }
      await this.tasks.closeBySource(SOURCE, id, ['referral_response'], 'done', 'accepted');
      await this.timeline.append({ caseId: ref.caseId, type: 'referral.accepted', entityType: 'referral', entityId: id, data: { kind: ref.kind, fromAgencyId: ref.fromAgencyId, toAgencyId: ref.toAgencyId, assignedWorkerId: dto.assignedWorkerId ?? null } });
      await this.audit.record({ action: 'referral.accepted', entityType: 'referral', entityId: id, caseId: ref.caseId, restricted: ref.restricted, changedFields: ['status', ...Object.keys(dto)] });
      return view((await this.repo.findById(id))!);
    });
  }

  /**
   * Declining never dead-ends (rule 3): a reason is required, the case stays with the
   * referrer, who gets a re-route task due within the re-route business days, and the
   * supervisors of both agencies are told.
   */
  async decline(actor: Actor, id: string, dto: DeclineReferralDto): Promise<ReferralDto> {
    return this.db.transaction(async () => {
      const ref = await this.receiving(actor, id);
      await this.cases.lock(ref.caseId); // one lock order for every answer: case, then referral
      if (dto.suggestedAgencyId && !(await this.repo.agency(dto.suggestedAgencyId))) {
        throw ruleViolation('UNKNOWN_AGENCY', 'suggestedAgencyId is not an agency of this municipality', 'suggestedAgencyId');
      }
      const answered = await this.repo.answer(id, { status: 'declined', answered_by_id: actor.userId, decline_reason: dto.reason, suggestion: dto.suggestion ?? null, suggested_agency_id: dto.suggestedAgencyId ?? null });
      if (!answered) throw notPending();
      const { calendar, settings } = await this.calendars.current();
      await this.tasks.closeBySource(SOURCE, id, ['referral_response'], 'done', 'declined');
      await this.tasks.createSystem(
        { kind: 'reroute', title: `辞退されたつなぎの再調整（ケース ${ref.caseNumber}）`, caseId: ref.caseId, dueAt: calendar.dueAfterBusinessDays(new Date(), settings.rerouteBusinessDays), assigneeAgencyId: ref.fromAgencyId, sourceType: SOURCE, sourceId: id },
        { restricted: ref.restricted },
      );
      await this.notifications.notifySupervisors([ref.fromAgencyId, ref.toAgencyId], { kind: 'referral.declined', title: `つなぎが受入不可となりました。再調整が必要です（ケース ${ref.caseNumber}）`, caseId: ref.caseId, entityType: 'referral', entityId: id }, { restricted: ref.restricted });
      await this.timeline.append({ caseId: ref.caseId, type: 'referral.declined', entityType: 'referral', entityId: id, data: { kind: ref.kind, toAgencyId: ref.toAgencyId, suggestedAgencyId: dto.suggestedAgencyId ?? null } });
      await this.audit.record({ action: 'referral.declined', entityType: 'referral', entityId: id, caseId: ref.caseId, restricted: ref.restricted, changedFields: ['status', ...Object.keys(dto)] });
      return view((await this.repo.findById(id))!);
    });
  }

  async withdraw(actor: Actor, id: string, dto: WithdrawReferralDto): Promise<ReferralDto> {
    return this.db.transaction(async () => {
      const ref = await this.visible(actor, id);
      if (ref.fromAgencyId !== actor.agencyId && !hasRole(actor, 'supervisor')) throw forbidden('Only the referring agency withdraws a referral');
      await this.cases.lock(ref.caseId);
      const answered = await this.repo.answer(id, { status: 'withdrawn', answered_by_id: actor.userId, answer_note: dto.reason });
      if (!answered) throw notPending();
      await this.tasks.closeBySource(SOURCE, id, ['referral_response'], 'cancelled', 'withdrawn');
      await this.timeline.append({ caseId: ref.caseId, type: 'referral.withdrawn', entityType: 'referral', entityId: id, data: { kind: ref.kind, toAgencyId: ref.toAgencyId } });
      await this.audit.record({ action: 'referral.withdrawn', entityType: 'referral', entityId: id, caseId: ref.caseId, restricted: ref.restricted, changedFields: ['status', 'reason'] });
      return view((await this.repo.findById(id))!);
    });
  }

  /** First real contact after a transfer closes the warm hand-off: the monitor steps back. */
  async firstContact(actor: Actor, id: string, dto: FirstContactDto): Promise<ReferralDto> {
    const occurredAt = new Date(dto.occurredAt);
    if (occurredAt.getTime() > Date.now() + FUTURE_TOLERANCE_MS) throw ruleViolation('OCCURRED_IN_FUTURE', 'occurredAt must not be in the future', 'occurredAt');
    return this.db.transaction(async () => {
      const ref = await this.visible(actor, id);
      if (ref.toAgencyId !== actor.agencyId && !hasRole(actor, 'supervisor')) throw forbidden('Only the receiving agency records first contact');
      await this.cases.lock(ref.caseId);
      if (ref.kind !== 'transfer' || ref.status !== 'accepted') throw conflict('NOT_AN_ACCEPTED_TRANSFER', 'First contact is recorded on an accepted transfer');
      if (ref.answeredAt && occurredAt.getTime() < new Date(ref.answeredAt).getTime() - FUTURE_TOLERANCE_MS) {
        throw ruleViolation('CONTACT_BEFORE_ACCEPTANCE', 'First contact comes after accepting the transfer', 'occurredAt');
      }
      if (!(await this.repo.recordFirstContact(id, occurredAt, dto.note ?? null))) throw conflict('FIRST_CONTACT_RECORDED', 'First contact is already recorded');
      await this.repo.uninvolve(ref.caseId, ref.fromAgencyId, 'handoff_monitor');
      await this.tasks.closeBySource(SOURCE, id, ['handoff_check'], 'done', 'first contact recorded');
      await this.timeline.append({ caseId: ref.caseId, type: 'referral.first_contact', entityType: 'referral', entityId: id, occurredAt, data: { toAgencyId: ref.toAgencyId } });
      await this.audit.record({ action: 'referral.first_contact', entityType: 'referral', entityId: id, caseId: ref.caseId, restricted: ref.restricted, changedFields: Object.keys(dto) });
      return view((await this.repo.findById(id))!);
    });
  }

  get(actor: Actor, id: string): Promise<ReferralDto> {
    return this.db.transaction(async () => {
      const ref = await this.visible(actor, id);
      await this.audit.record({ action: 'referral.viewed', entityType: 'referral', entityId: id, caseId: ref.caseId, restricted: ref.restricted });
      return view(ref);
    });
  }

  /** The provision record of a case: every referral, who gave whose information to whom, when, on which basis. */
  byCase(actor: Actor, caseId: string): Promise<ReferralDto[]> {
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, caseId, 'read');
      const rows = await this.repo.byCase(caseId);
      await this.audit.record({ action: 'referral.listed', entityType: 'case', entityId: caseId, caseId, restricted: row.restricted, detail: { count: rows.length } });
      return rows.map(view);
    });
  }

  /** Worklists of the caller's agency, newest first. */
  list(actor: Actor, query: ReferralListQueryDto): Promise<Page<ReferralDto>> {
    if (!hasRole(actor, ...CASE_ROLES) || !actor.agencyId) throw forbidden('Your role has no referral worklist');
    const limit = query.limit ?? DEFAULT_LIMIT;
    const cursor = decodeCursor(query.cursor, 2);
    return this.db.transaction(async () => {
      const rows = await this.repo.list({ agencyId: actor.agencyId!, direction: query.direction ?? 'incoming', status: query.status, limit, after: cursor ? { createdAt: String(cursor[0]), id: String(cursor[1]) } : undefined });
      const hasMore = rows.length > limit;
      const page = hasMore ? rows.slice(0, limit) : rows;
      await this.audit.record({ action: 'referral.listed', entityType: 'referral', detail: { count: page.length, direction: query.direction ?? 'incoming' } });
      return { items: page.map(view), nextCursor: hasMore ? encodeCursor([new Date(page[page.length - 1].createdAt).toISOString(), page[page.length - 1].id]) : null };
    });
  }

  /** The referral, if the caller can see its case (404 otherwise). */
  private async visible(actor: Actor, id: string): Promise<ReferralRow> {
    if (!hasRole(actor, ...CASE_ROLES)) throw forbidden('Your role does not read cases');
    const ref = await this.repo.findById(id);
    if (!ref) throw notFound('referral');
    await this.access.require(actor, ref.caseId, 'read');
    return ref;
  }

  /** The referral, if the caller answers for the receiving agency (R), or is a supervisor who can see it. */
  private async receiving(actor: Actor, id: string): Promise<ReferralRow> {
    const ref = await this.visible(actor, id);
    if (ref.toAgencyId !== actor.agencyId && !hasRole(actor, 'supervisor')) throw forbidden('Only the receiving agency answers a referral');
    return ref;
  }
}

function notPending() {
  return conflict('REFERRAL_NOT_PENDING', 'The referral has already been answered or withdrawn');
}

export function view(r: ReferralRow): ReferralDto {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: r.id,
    caseId: r.caseId,
    caseNumber: r.caseNumber,
    kind: r.kind,
    status: r.status,
    fromAgencyId: r.fromAgencyId,
    toAgencyId: r.toAgencyId,
    reason: r.reason,
    basis: r.basis,
    basisNote: r.basisNote,
    memberIds: r.memberIds,
    respondBy: new Date(r.respondBy).toISOString(),
    overdue: r.status === 'pending' && new Date(r.respondBy).getTime() < Date.now(),
    accompanied: r.accompanied,
    createdById: r.createdById,
    createdAt: new Date(r.createdAt).toISOString(),
    answeredAt: iso(r.answeredAt),
    answeredById: r.answeredById,
    answerNote: r.answerNote,
    declineReason: r.declineReason,
    suggestion: r.suggestion,
    suggestedAgencyId: r.suggestedAgencyId,
    assignedWorkerId: r.assignedWorkerId,
    firstContactAt: iso(r.firstContactAt),
  };
}
