import { Injectable } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { CaseAccessService, CasesRepository } from '@tsunagi/cases';
import { Actor, badRequest, newId, ruleViolation } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { TasksService } from '@tsunagi/tasks';
import { TimelineService } from '@tsunagi/timeline';
import type { ConferenceType } from '@tsunagi/vocabularies';
import { ConferencesRepository } from './conferences.repository';
import { ConferenceDto, CreateConferenceDto } from './dto/conference.dto';

/** Meetings that may only be held on a case with the person's consent (rule 6). */
export const CONSENT_CONFERENCES: ConferenceType[] = ['multi_agency_meeting', 'plan_coordination_meeting'];
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

@Injectable()
export class ConferencesService {
  constructor(
    private readonly db: Db,
    private readonly repo: ConferencesRepository,
    private readonly cases: CasesRepository,
    private readonly access: CaseAccessService,
    private readonly tasks: TasksService,
    private readonly timeline: TimelineService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Records a conference on a case. A 支援会議 needs no consent (its members are bound to
   * confidentiality by law); a 重層的支援会議 or 支援調整会議 needs the person's consent. Each
   * action item becomes a task of its agency.
   */
  async record(actor: Actor, caseId: string, dto: CreateConferenceDto): Promise<ConferenceDto> {
    const heldAt = new Date(dto.heldAt);
    if (heldAt.getTime() > Date.now() + FUTURE_TOLERANCE_MS) throw badRequest('HELD_IN_FUTURE', 'heldAt must not be in the future: record a conference once held', 'heldAt');
    for (const [i, item] of (dto.actionItems ?? []).entries()) {
      if (new Date(item.dueAt).getTime() <= Date.now()) throw ruleViolation('DUE_IN_PAST', `actionItems[${i}].dueAt must be in the future`, `actionItems[${i}].dueAt`);
    }
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, caseId, 'involved');
      if (CONSENT_CONFERENCES.includes(dto.type)) {
        const members = await this.cases.members(caseId);
        const primary = members.find((m) => m.isPrimary);
        const consent = primary ? primary.consentStatus : row.consentStatus;
        if (consent !== 'obtained') {
          throw ruleViolation('CONSENT_REQUIRED', `A ${dto.type} can only be held on a case with the person's consent (本人同意)`, 'type');
        }
      }
      const agencies = [...new Set([...dto.participantAgencyIds, ...(dto.actionItems ?? []).map((a) => a.assigneeAgencyId)])];
      const known = new Set(await this.repo.existingAgencies(agencies));
      const unknown = agencies.find((a) => !known.has(a));
      if (unknown) throw ruleViolation('UNKNOWN_AGENCY', `agency ${unknown} is not an agency of this municipality`, dto.participantAgencyIds.includes(unknown) ? 'participantAgencyIds' : 'actionItems');
      const id = newId();
      await this.repo.insert({ id, caseId, type: dto.type, heldAt, participantAgencyIds: dto.participantAgencyIds, summary: dto.summary, decisions: dto.decisions ?? null, createdById: actor.userId });
      for (const item of dto.actionItems ?? []) {
        await this.tasks.createSystem({ kind: 'custom', title: item.title, caseId, dueAt: new Date(item.dueAt), assigneeAgencyId: item.assigneeAgencyId, sourceType: 'conference', sourceId: id }, { restricted: row.restricted });
      }
      await this.timeline.append({ caseId, type: 'conference.recorded', entityType: 'conference', entityId: id, occurredAt: heldAt, data: { type: dto.type, participantAgencyIds: dto.participantAgencyIds, actionItems: dto.actionItems?.length ?? 0 } });
      await this.audit.record({ action: 'conference.recorded', entityType: 'conference', entityId: id, caseId, restricted: row.restricted, changedFields: Object.keys(dto) });
      return serialize(await this.repo.byId(id));
    });
  }

  list(actor: Actor, caseId: string): Promise<ConferenceDto[]> {
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, caseId, 'read');
      const rows = await this.repo.byCase(caseId);
      await this.audit.record({ action: 'conference.listed', entityType: 'case', entityId: caseId, caseId, restricted: row.restricted, detail: { count: rows.length } });
      return rows.map(serialize);
    });
  }

  /** For referrals: did the agency take part in a 支援会議 on this case? */
  supportMeetingWith(caseId: string, agencyId: string): Promise<boolean> {
    return this.repo.supportMeetingWith(caseId, agencyId);
  }
}

function serialize(r: ConferenceDto & { heldAt: Date; createdAt: Date }): ConferenceDto {
  return { ...r, heldAt: new Date(r.heldAt).toISOString(), createdAt: new Date(r.createdAt).toISOString() };
}
