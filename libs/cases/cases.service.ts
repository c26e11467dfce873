import { Injectable } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { fiscalYearOf, isValidDateString, tokyoToday } from '@tsunagi/calendar';
import { Actor, badRequest, conflict, decodeCursor, DEFAULT_LIMIT, DomainError, encodeCursor, forbidden, hasRole, newId, notFound, Page, ruleViolation } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { IdempotencyService } from '@tsunagi/idempotency';
import { MunicipalitiesService } from '@tsunagi/municipalities';
import { buildSearchDocument, likePattern, normalizeForSearch, queryGrams } from '@tsunagi/search-text';
import { TimelineService } from '@tsunagi/timeline';
import type { CaseStatus, Concern } from '@tsunagi/vocabularies';
import { CaseAccessService } from './case-access.service';
import { CaseDetails, CaseRow, CasesRepository, MemberRow, NewMember } from './cases.repository';
import { CaseSearchDto, CaseSummaryDto, CaseViewDto, ConsentDto, CreateCaseDto, CreateNoteDto, LocateDto, LocateResultDto, MemberDto, NoteViewDto, TimelineEntryDto, TransitionDto, UpdateCaseDto } from './dto/case.dto';

/** Concerns that make a case restricted by default (rule 8). */
const RESTRICTING_CONCERNS: Concern[] = ['domestic_violence', 'abuse'];

/** Allowed status changes: forward one step or several, monitoring back to support, reopen. */
export const TRANSITIONS: Record<CaseStatus, CaseStatus[]> = {
  intake: ['assessment', 'support', 'monitoring', 'closed'],
  assessment: ['support', 'monitoring', 'closed'],
  support: ['monitoring', 'closed'],
  monitoring: ['support', 'closed'],
  closed: ['assessment'],
};

const FUTURE_TOLERANCE_MS = 5 * 60 * 1000; // clocks of clients drift; a few minutes is not "the future"

export type CreateCaseResult = { status: 201; body: CaseViewDto | { id: string; caseNumber: string } };

@Injectable()
export class CasesService {
  constructor(
    private readonly db: Db,
    private readonly repo: CasesRepository,
    private readonly access: CaseAccessService,
    private readonly audit: AuditService,
    private readonly timeline: TimelineService,
    private readonly idempotency: IdempotencyService,
    private readonly municipalities: MunicipalitiesService,
  ) {}

  /**
   * Intake never refuses (rule 1): a channel and a summary are enough; no eligibility is ever
   * asked. The opener's agency becomes the lead (rule 2); a volunteer's report lands with the
   * municipality's intake agency and the volunteer gets back only the number.
   */
  async open(actor: Actor, dto: CreateCaseDto, idempotencyKey?: string) {
    const now = new Date();
    const receivedAt = dto.receivedAt ? new Date(dto.receivedAt) : now;
    if (receivedAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) throw badRequest('RECEIVED_IN_FUTURE', 'receivedAt must not be in the future', 'receivedAt');
    const members = this.prepareMembers(dto.household?.members ?? [], dto.consent);
    const volunteer = !hasRole(actor, 'desk_staff', 'csw', 'coordinator', 'agency_staff', 'supervisor');

    return this.db.transaction(() =>
      this.idempotency.run('cases.create', idempotencyKey, dto, async () => {
        const fiscalYear = fiscalYearOf(receivedAt);
        let leadAgencyId = actor.agencyId;
        if (volunteer || !leadAgencyId) {
          // a report from outside the agencies: it lands with the municipality's intake agency
          const settings = await this.repo.settings();
          leadAgencyId = settings.intakeAgencyId ?? (await this.repo.firstAgencyOfKind('consultation_desk'));
          if (!leadAgencyId) throw ruleViolation('INTAKE_AGENCY_NOT_CONFIGURED', 'The municipality has no intake agency (settings.intakeAgencyId) for this report');
        }
        const concerns = withPrimary(dto.concerns ?? [], dto.primaryConcern);
        const restricted = dto.restricted ?? concerns.some((c) => RESTRICTING_CONCERNS.includes(c));
        const primary = members.find((m) => m.isPrimary);
        const consent = primary ?? consentFields(dto.consent);
        const search = buildSearchDocument(members.flatMap((m) => [m.name, m.nameKana]));
        const id = newId();
        // Deferred, and carried by the insert below: the whole intake is one statement.
        await this.timeline.append({ caseId: id, type: 'case.opened', entityType: 'case', entityId: id, agencyId: actor.agencyId, data: { channel: dto.channel, leadAgencyId, volunteerReport: volunteer } });
        await this.audit.record({ action: 'case.opened', entityType: 'case', entityId: id, caseId: id, restricted, changedFields: Object.keys(dto) });
        const { row, members: stored, settings } = await this.repo.insert({
          id,
          fiscalYear,
          channel: dto.channel,
          summary: dto.summary,
          receivedAt,
          urgency: dto.urgency ?? 'normal',
          concerns,
          primaryConcern: dto.primaryConcern ?? null,
          referralSource: dto.referralSource ?? null,
          visitor: dto.visitor ? { ...dto.visitor } : null,
          interpreterLanguage: dto.interpreterLanguage ?? null,
          consentStatus: consent.consentStatus,
          consentObtainedAt: consent.consentObtainedAt,
          restricted,
          householdAddress: dto.household?.address ?? null,
          householdDistrict: dto.household?.district ?? null,
          leadAgencyId,
          leadWorkerId: volunteer ? null : actor.userId,
          openedById: actor.userId,
          searchText: search.text,
          searchGrams: search.grams,
        }, members);
        // Against the settings read with the case number: an unknown district rolls the intake back.
        this.checkDistrict(dto.household?.district, settings.districts);
        if (volunteer) return { status: 201 as const, body: { id, caseNumber: row.caseNumber } };
        // A new case has its household and nothing else yet: the view needs no further read.
        return { status: 201 as const, body: this.view(row, true, { members: stored, involvements: [], openReferrals: [] }) };
      }),
    );
  }

  /**
   * Residents who come back (never refuse, never register twice): is there an open case for
   * this person, and which agency leads it? Exact match on normalised name and birth date;
   * nothing of the case itself; a restricted case is never found. Audited with who asked.
   */
  async locate(actor: Actor, dto: LocateDto): Promise<LocateResultDto> {
    if (!dto.name && !dto.nameKana) throw badRequest('NAME_REQUIRED', 'name or nameKana is required', 'name');
    if (!isValidDateString(dto.birthDate)) throw badRequest('INVALID_DATE', 'birthDate is not a date', 'birthDate');
    const name = dto.name ? normalizeForSearch(dto.name) : null;
    const kana = dto.nameKana ? normalizeForSearch(dto.nameKana) : null;
    return this.db.transaction(async () => {
      const candidates = await this.repo.membersBornOn(dto.birthDate);
      const matches = candidates.filter((m) => (name && m.name && normalizeForSearch(m.name) === name) || (kana && m.nameKana && normalizeForSearch(m.nameKana) === kana));
      const seen = new Set<string>();
      const cases = matches
        .map((m) => ({ leadAgency: { id: m.leadAgencyId, name: m.leadAgencyName }, openedOn: m.openedOn, status: m.status as CaseStatus }))
        .filter((c) => {
          const key = `${c.leadAgency.id}/${c.openedOn}/${c.status}`;
          return seen.has(key) ? false : (seen.add(key), true);
        });
      await this.audit.record({ action: 'case.located', entityType: 'case', detail: { found: cases.length > 0, matches: cases.length } });
      return { found: cases.length > 0, cases };
    });
  }

  async get(actor: Actor, id: string): Promise<CaseViewDto> {
    return this.db.transaction(async () => {
      const { row, details } = await this.access.require(actor, id, 'read', { details: true });
      await this.audit.record({ action: 'case.viewed', entityType: 'case', entityId: id, caseId: id, restricted: row.restricted });
      return this.view(row, row.leadAgencyId === actor.agencyId, details!);
    });
  }

  async list(actor: Actor, query: CaseSearchDto): Promise<Page<CaseSummaryDto>> {
    if (!hasRole(actor, 'desk_staff', 'csw', 'coordinator', 'agency_staff', 'supervisor')) throw forbidden('Your role does not read cases');
    const limit = query.limit ?? DEFAULT_LIMIT;
    const cursor = decodeCursor(query.cursor, 2);
    const normalized = query.q ? normalizeForSearch(query.q) : '';
    return this.db.transaction(async () => {
      const rows = await this.repo.list({
        agencyId: actor.agencyId,
        supervisor: hasRole(actor, 'supervisor'),
        status: query.status,
        concern: query.concern,
        leadAgencyId: query.leadAgencyId,
        grams: normalized ? queryGrams(normalized) : undefined,
        like: normalized ? likePattern(normalized) : undefined,
        limit,
        after: cursor ? { createdAt: String(cursor[0]), id: String(cursor[1]) } : undefined,
      });
      const hasMore = rows.length > limit;
      const page = hasMore ? rows.slice(0, limit) : rows;
      await this.audit.record({ action: 'case.listed', entityType: 'case', detail: { count: page.length, caseIds: page.map((r) => r.id), searched: !!normalized } });
      return {
        items: page.map((r) => ({
          id: r.id,
          caseNumber: r.caseNumber,
          status: r.status,
          channel: r.channel as CaseSummaryDto['channel'],
          urgency: r.urgency as CaseSummaryDto['urgency'],
          concerns: r.concerns,
          primaryConcern: r.primaryConcern,
          primaryName: r.primaryName,
          receivedAt: r.receivedAt.toISOString(),
          leadAgencyId: r.leadAgencyId,
          leadWorkerId: r.leadWorkerId,
          restricted: r.restricted,
          createdAt: r.createdAt.toISOString(),
        })),
        nextCursor: hasMore ? encodeCursor([page[page.length - 1].createdAt.toISOString(), page[page.length - 1].id]) : null,
      };
    });
  }

  async update(actor: Actor, id: string, expectedVersion: number, dto: UpdateCaseDto): Promise<CaseViewDto> {
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, id, 'lead');
      if (row.version !== expectedVersion) throw preconditionFailed(row.version);
      const set: Record<string, unknown> = {};
      const changed = Object.keys(dto).filter((k) => (dto as Record<string, unknown>)[k] !== undefined);
      if (dto.summary !== undefined) set.summary = dto.summary;
      if (dto.urgency !== undefined) set.urgency = dto.urgency;
      if (dto.concerns !== undefined || dto.primaryConcern !== undefined) {
        const concerns = withPrimary(dto.concerns ?? row.concerns, dto.primaryConcern ?? (dto.concerns && row.primaryConcern && !dto.concerns.includes(row.primaryConcern) ? undefined : row.primaryConcern ?? undefined));
        set.concerns = concerns;
        set.primary_concern = dto.primaryConcern ?? (row.primaryConcern && concerns.includes(row.primaryConcern) ? row.primaryConcern : null);
        const added = concerns.filter((c) => !row.concerns.includes(c));
        if (dto.restricted === undefined && added.some((c) => RESTRICTING_CONCERNS.includes(c))) set.restricted = true;
      }
      if (dto.restricted !== undefined) set.restricted = dto.restricted;
      if (dto.leadWorkerId !== undefined) {
        if (!(await this.repo.isWorkerOfAgency(dto.leadWorkerId, row.leadAgencyId))) {
          throw ruleViolation('NOT_A_WORKER_OF_LEAD_AGENCY', 'leadWorkerId must be an active user of the lead agency', 'leadWorkerId');
        }
        set.lead_worker_id = dto.leadWorkerId;
      }
      if (dto.household) {
        const settings = await this.municipalities.settings();
        this.checkDistrict(dto.household.district, settings.districts);
        if (dto.household.address !== undefined) set.household_address = dto.household.address;
        if (dto.household.district !== undefined) set.household_district = dto.household.district;
        const members = await this.replaceMembers(id, dto.household.members, dto.consent);
        const search = buildSearchDocument(members.flatMap((m) => [m.name, m.nameKana]));
        set.search_text = search.text;
        set.search_grams = search.grams;
        const primary = members.find((m) => m.isPrimary);
        if (primary) {
          set.consent_status = primary.consentStatus;
          set.consent_obtained_at = primary.consentObtainedAt;
        }
      } else if (dto.consent) {
        const consent = consentFields(dto.consent);
        set.consent_status = consent.consentStatus;
        set.consent_obtained_at = consent.consentObtainedAt;
        await this.repo.setPrimaryConsent(id, consent.consentStatus, consent.consentObtainedAt);
      }
      if (!(await this.repo.update(id, expectedVersion, set))) throw preconditionFailed();
      const restricted = (set.restricted as boolean | undefined) ?? row.restricted;
      await this.timeline.append({ caseId: id, type: 'case.updated', entityType: 'case', entityId: id, data: { changedFields: changed } });
      await this.audit.record({ action: 'case.updated', entityType: 'case', entityId: id, caseId: id, restricted, changedFields: changed });
      return this.viewOf(actor, id);
    });
  }

  /** Status changes; closing is deliberate (rule 7): a reason, and no pending referral. */
  async transition(actor: Actor, id: string, dto: TransitionDto): Promise<CaseViewDto> {
    return this.db.transaction(async () => {
      await this.access.require(actor, id, 'lead');
      await this.repo.lock(id);
      const { row } = await this.access.require(actor, id, 'lead');
      const allowed = TRANSITIONS[row.status];
      if (!allowed.includes(dto.to)) {
        throw conflict('INVALID_TRANSITION', `A case in ${row.status} can move to ${allowed.join(', ')}, not ${dto.to}`, { allowed });
      }
      if (dto.to === 'closed') {
        if (!dto.closureReason) throw ruleViolation('CLOSURE_REASON_REQUIRED', 'Closing a case needs a closureReason', 'closureReason');
        if (await this.repo.hasPendingReferral(id)) throw conflict('PENDING_REFERRAL', 'A case cannot close while a referral on it is pending');
      } else if (dto.closureReason) {
        throw badRequest('CLOSURE_REASON_ONLY_WHEN_CLOSING', 'closureReason is only for closing', 'closureReason');
      }
      const closing = dto.to === 'closed';
      await this.repo.update(id, row.version, {
        status: dto.to,
        closure_reason: closing ? dto.closureReason : null,
        closed_at: closing ? new Date() : null,
      });
      const type = closing ? 'case.closed' : row.status === 'closed' ? 'case.reopened' : 'case.status_changed';
      await this.timeline.append({ caseId: id, type, entityType: 'case', entityId: id, data: { from: row.status, to: dto.to, closureReason: dto.closureReason ?? null, note: dto.note ?? null } });
      await this.audit.record({ action: type, entityType: 'case', entityId: id, caseId: id, restricted: row.restricted, changedFields: ['status', ...(closing ? ['closureReason'] : [])], detail: { from: row.status, to: dto.to } });
      return this.viewOf(actor, id);
    });
  }

  async addNote(actor: Actor, caseId: string, dto: CreateNoteDto): Promise<NoteViewDto> {
    const occurredAt = dto.occurredAt ? new Date(dto.occurredAt) : new Date();
    if (occurredAt.getTime() > Date.now() + FUTURE_TOLERANCE_MS) throw badRequest('OCCURRED_IN_FUTURE', 'occurredAt must not be in the future', 'occurredAt');
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, caseId, 'involved');
      const id = newId();
      await this.repo.insertNote({ id, caseId, kind: dto.kind, body: dto.body, occurredAt, authorId: actor.userId, authorAgencyId: actor.agencyId });
      await this.timeline.append({ caseId, type: 'note.added', entityType: 'note', entityId: id, occurredAt, data: { kind: dto.kind } });
      await this.audit.record({ action: 'note.added', entityType: 'note', entityId: id, caseId, restricted: row.restricted, changedFields: Object.keys(dto) });
      return { id, kind: dto.kind, body: dto.body, occurredAt: occurredAt.toISOString(), authorId: actor.userId, authorAgencyId: actor.agencyId, createdAt: new Date().toISOString() };
    });
  }

  async notes(actor: Actor, caseId: string, query: { limit?: number; cursor?: string }): Promise<Page<NoteViewDto>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const cursor = decodeCursor(query.cursor, 2);
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, caseId, 'read');
      const rows = await this.repo.notes(caseId, limit, cursor ? { occurredAt: String(cursor[0]), id: String(cursor[1]) } : undefined);
      const hasMore = rows.length > limit;
      const page = (hasMore ? rows.slice(0, limit) : rows).map((r: NoteViewDto & { occurredAt: Date; createdAt: Date }) => ({
        ...r,
        occurredAt: new Date(r.occurredAt).toISOString(),
        createdAt: new Date(r.createdAt).toISOString(),
      }));
      await this.audit.record({ action: 'note.listed', entityType: 'case', entityId: caseId, caseId, restricted: row.restricted, detail: { count: page.length } });
      return { items: page, nextCursor: hasMore ? encodeCursor([page[page.length - 1].occurredAt, page[page.length - 1].id]) : null };
    });
  }

  async timelineOf(actor: Actor, caseId: string, query: { limit?: number; cursor?: string }): Promise<Page<TimelineEntryDto>> {
    const limit = query.limit ?? 200;
    const cursor = decodeCursor(query.cursor, 2);
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, caseId, 'read');
      const rows = await this.timeline.list(caseId, limit, cursor ? { occurredAt: String(cursor[0]), id: String(cursor[1]) } : undefined);
      const hasMore = rows.length > limit;
      const page = hasMore ? rows.slice(0, limit) : rows;
      await this.audit.record({ action: 'timeline.viewed', entityType: 'case', entityId: caseId, caseId, restricted: row.restricted, detail: { count: page.length } });
      return { items: page, nextCursor: hasMore ? encodeCursor([page[page.length - 1].occurredAt, page[page.length - 1].id]) : null };
    });
  }

  /** The full case as its readers see it; the address of a restricted case only for the lead. */
  /** The case as its readers see it: the address masked for everyone but the lead agency of a restricted case. */
  private async viewOf(actor: Actor, id: string): Promise<CaseViewDto> {
    const row = await this.repo.findWithRelation(id, actor.agencyId, true);
    if (!row) throw notFound('case');
    return this.view(row, row.leadAgencyId === actor.agencyId, row);
  }

  private view(row: CaseRow, isLead: boolean, details: CaseDetails): CaseViewDto {
    const { members, involvements } = details;
    const referrals = details.openReferrals.map((r) => ({ ...r, respondBy: iso(r.respondBy as string | null), createdAt: iso(r.createdAt as string) }));
    const masked = row.restricted && !isLead;
    const primary = members.find((m) => m.isPrimary);
    return {
      id: row.id,
      caseNumber: row.caseNumber,
      fiscalYear: row.fiscalYear,
      status: row.status,
      channel: row.channel as CaseViewDto['channel'],
      summary: row.summary,
      receivedAt: iso(row.receivedAt)!,
      urgency: row.urgency as CaseViewDto['urgency'],
      concerns: row.concerns,
      primaryConcern: row.primaryConcern,
      referralSource: row.referralSource,
      visitor: row.visitor,
      interpreterLanguage: row.interpreterLanguage,
      consent: primary ? { status: primary.consentStatus, obtainedAt: iso(primary.consentObtainedAt) } : { status: row.consentStatus, obtainedAt: iso(row.consentObtainedAt) },
      restricted: row.restricted,
      household: {
        address: masked ? null : row.householdAddress,
        addressMasked: masked && row.householdAddress !== null,
        district: row.householdDistrict,
        members: members.map(memberView),
      },
      leadAgencyId: row.leadAgencyId,
      leadWorkerId: row.leadWorkerId,
      involvedAgencies: involvements.map((i) => ({ agencyId: i.agencyId, involvement: i.involvement, since: iso(i.since)! })),
      openReferrals: referrals,
      closureReason: row.closureReason as CaseViewDto['closureReason'],
      closedAt: iso(row.closedAt),
      version: row.version,
      createdAt: iso(row.createdAt)!,
      updatedAt: iso(row.updatedAt)!,
    };
  }

  /** Validates a household: real past birth dates, at most one primary (the first when none is marked). */
  private prepareMembers(members: MemberDto[], caseConsent?: ConsentDto): NewMember[] {
    const primaries = members.filter((m) => m.isPrimary).length;
    if (primaries > 1) throw ruleViolation('TWO_PRIMARY_PERSONS', 'A household has one primary person (本人); several are marked isPrimary', 'household.members');
    const today = tokyoToday();
    return members.map((m, index) => {
      if (m.birthDate !== undefined) {
        if (!isValidDateString(m.birthDate)) throw badRequest('INVALID_DATE', `household.members[${index}].birthDate is not a date`, `household.members[${index}].birthDate`);
        if (m.birthDate > today) throw badRequest('BIRTH_DATE_IN_FUTURE', `household.members[${index}].birthDate must not be in the future`, `household.members[${index}].birthDate`);
      }
      const isPrimary = primaries === 0 ? index === 0 : !!m.isPrimary;
      const consent = consentFields(m.consent ?? (isPrimary ? caseConsent : undefined));
      return {
        id: m.id ?? newId(),
        position: index,
        name: m.name ?? null,
        nameKana: m.nameKana ?? null,
        birthDate: m.birthDate ?? null,
        sex: m.sex ?? null,
        relationship: m.relationship ?? null,
        isPrimary,
        phone: m.phone ?? null,
        notes: m.notes ?? null,
        ...consent,
      };
    });
  }

  /** PATCH household.members is the complete list: update by id, add without id, remove the rest. */
  private async replaceMembers(caseId: string, incoming: MemberDto[], caseConsent?: ConsentDto): Promise<NewMember[]> {
    const existing = await this.repo.members(caseId);
    const known = new Set(existing.map((m) => m.id));
    const unknown = incoming.find((m) => m.id && !known.has(m.id));
    if (unknown) throw ruleViolation('UNKNOWN_MEMBER', `member ${unknown.id} is not in this household`, 'household.members');
    const prepared = this.prepareMembers(incoming, caseConsent).map((m, i) => {
      const before = existing.find((e) => e.id === incoming[i].id);
      // A member whose consent is not restated keeps the consent recorded before.
      return before && !incoming[i].consent && !(m.isPrimary && caseConsent) ? { ...m, consentStatus: before.consentStatus, consentObtainedAt: before.consentObtainedAt } : m;
    });
    const removed = existing.filter((e) => !prepared.some((m) => m.id === e.id)).map((e) => e.id);
    if (removed.length) {
      if (await this.repo.membersInUse(caseId, removed)) throw conflict('MEMBER_IN_USE', 'A member named by a referral, an outcome or a participation cannot be removed');
    }
    await this.repo.clearPrimary(caseId);
    await this.repo.deleteMembers(caseId, removed);
    const added = prepared.filter((m) => !known.has(m.id));
    for (const m of prepared.filter((p) => known.has(p.id))) await this.repo.updateMember(caseId, m);
    await this.repo.insertMembers(caseId, added);
    return prepared;
  }

  private checkDistrict(district: string | undefined, districts: Array<{ code: string }> | null): void {
    if (district !== undefined && districts && !districts.some((d) => d.code === district)) {
      throw badRequest('UNKNOWN_DISTRICT', `district must be one of ${districts.map((d) => d.code).join(', ')}`, 'household.district');
    }
  }
}

function withPrimary(concerns: Concern[], primary?: Concern | null): Concern[] {
  return primary && !concerns.includes(primary) ? [primary, ...concerns] : [...concerns];
}

function consentFields(consent?: ConsentDto): { consentStatus: ConsentDto['status']; consentObtainedAt: Date | null } {
  if (!consent) return { consentStatus: 'not_asked', consentObtainedAt: null };
  if (consent.status !== 'obtained') return { consentStatus: consent.status, consentObtainedAt: null };
  return { consentStatus: 'obtained', consentObtainedAt: consent.obtainedAt ? new Date(consent.obtainedAt) : new Date() };
}

function memberView(m: MemberRow) {
  return {
    id: m.id,
    name: m.name,
    nameKana: m.nameKana,
    birthDate: m.birthDate,
    sex: m.sex,
    relationship: m.relationship,
    isPrimary: m.isPrimary,
    phone: m.phone,
    notes: m.notes,
    consent: { status: m.consentStatus, obtainedAt: iso(m.consentObtainedAt) },
  };
}

function iso(value: Date | string | null | undefined): string | null {
  return value ? new Date(value).toISOString() : null;
}

function preconditionFailed(current?: number) {
  return new DomainError('precondition_failed', 'VERSION_MISMATCH', 'The case has changed since you read it; reload it and try again', undefined, current ? { currentVersion: current } : undefined);
}
