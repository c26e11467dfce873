import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { AuditService } from '@tsunagi/audit';
import { isValidDateString, tokyoToday } from '@tsunagi/calendar';
import { CaseAccessService, CasesRepository } from '@tsunagi/cases';
import { Actor, badRequest, CTX_ACTOR, newId, ruleViolation } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { TimelineService } from '@tsunagi/timeline';
import type { OutcomeKind } from '@tsunagi/vocabularies';
import { CreateOutcomeDto, OutcomeDto } from './dto/outcome.dto';
import { OutcomeRow, OutcomesRepository } from './outcomes.repository';

export interface NewOutcome {
  caseId: string;
  kind: OutcomeKind;
  /** YYYY-MM-DD */
  occurredOn: string;
  /** a household member of the case; default the primary person */
  memberId?: string | null;
  note?: string | null;
  /** what recorded it when a rule did, e.g. `participation` */
  sourceType?: string;
  sourceId?: string;
  restricted?: boolean;
}

/**
 * Outcomes: what changed for the person (work started, income up, housing secured …), the
 * national evaluation items. Staff record them on a case; rules record them too (a
 * participation that starts records `participation_started`) through `record`, inside the
 * rule's own transaction.
 */
@Injectable()
export class OutcomesService {
  constructor(
    private readonly db: Db,
    private readonly repo: OutcomesRepository,
    private readonly cases: CasesRepository,
    private readonly access: CaseAccessService,
    private readonly timeline: TimelineService,
    private readonly audit: AuditService,
    private readonly cls: ClsService,
  ) {}

  /** Records an outcome inside the caller's transaction (access already checked); returns its id. */
  async record(o: NewOutcome): Promise<string> {
    const members = await this.cases.members(o.caseId);
    let memberId = o.memberId ?? null;
    if (memberId && !members.some((m) => m.id === memberId)) {
      throw ruleViolation('MEMBER_NOT_IN_HOUSEHOLD', `memberId ${memberId} is not a member of this case's household`, 'memberId');
    }
    memberId ??= members.find((m) => m.isPrimary)?.id ?? null;
    const actor = this.cls.isActive() ? (this.cls.get(CTX_ACTOR) as Actor | undefined) : undefined;
    const id = newId();
    await this.repo.insert({ id, caseId: o.caseId, memberId, kind: o.kind, occurredOn: o.occurredOn, note: o.note ?? null, sourceType: o.sourceType ?? null, sourceId: o.sourceId ?? null, createdById: actor?.userId ?? null });
    await this.timeline.append({ caseId: o.caseId, type: 'outcome.recorded', entityType: 'outcome', entityId: id, data: { kind: o.kind, memberId, occurredOn: o.occurredOn, sourceType: o.sourceType ?? null } });
    await this.audit.record({ action: 'outcome.recorded', entityType: 'outcome', entityId: id, caseId: o.caseId, restricted: o.restricted, changedFields: ['kind', 'occurredOn', ...(o.memberId ? ['memberId'] : []), ...(o.note ? ['note'] : [])] });
    return id;
  }

  async create(actor: Actor, caseId: string, dto: CreateOutcomeDto): Promise<OutcomeDto> {
    checkPastDate(dto.occurredOn, 'occurredOn');
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, caseId, 'involved');
      const id = await this.record({ caseId, kind: dto.kind, occurredOn: dto.occurredOn, memberId: dto.memberId, note: dto.note, restricted: row.restricted });
      return view((await this.repo.byId(id))!);
    });
  }

  list(actor: Actor, caseId: string): Promise<OutcomeDto[]> {
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, caseId, 'read');
      const rows = await this.repo.byCase(caseId);
      await this.audit.record({ action: 'outcome.listed', entityType: 'case', entityId: caseId, caseId, restricted: row.restricted, detail: { count: rows.length } });
      return rows.map(view);
    });
  }
}

/** A calendar date that has already come (Asia/Tokyo): outcomes and evaluations are records of what happened. */
export function checkPastDate(date: string, field: string): void {
  if (!isValidDateString(date)) throw badRequest('INVALID_DATE', `${field} is not a date`, field);
  if (date > tokyoToday()) throw badRequest('DATE_IN_FUTURE', `${field} must not be in the future`, field);
}

function view(r: OutcomeRow): OutcomeDto {
  return { ...r, createdAt: new Date(r.createdAt).toISOString() };
}
