import { Injectable } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { fiscalYearOf, fiscalYearRange, isValidDateString, tokyoToday } from '@tsunagi/calendar';
import { CaseAccessService } from '@tsunagi/cases';
import { Actor, badRequest, newId } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { MunicipalitiesService } from '@tsunagi/municipalities';
import { TimelineService } from '@tsunagi/timeline';
import { CONCERNS, VOCABULARIES } from '@tsunagi/vocabularies';
import { CreateUnmetNeedDto, UnmetNeedDto, UnmetNeedSummaryDto, UnmetNeedSummaryQueryDto } from './dto/unmet-need.dto';
import { UnmetNeedRow, UnmetNeedsRepository } from './unmet-needs.repository';

/**
 * Unmet needs (地域の不足資源, rule 11): a need recorded from a case for which no resource exists
 * in the person's area — the raw material of 地域づくり. The summary a 第2層 協議体 works from is
 * counts by district × concern, never case content.
 */
@Injectable()
export class UnmetNeedsService {
  constructor(
    private readonly db: Db,
    private readonly repo: UnmetNeedsRepository,
    private readonly access: CaseAccessService,
    private readonly municipalities: MunicipalitiesService,
    private readonly timeline: TimelineService,
    private readonly audit: AuditService,
  ) {}

  /** Lead or involved agency; the district defaults to the household's. */
  async record(actor: Actor, caseId: string, dto: CreateUnmetNeedDto): Promise<UnmetNeedDto> {
    return this.db.transaction(async () => {
      const { row } = await this.access.require(actor, caseId, 'involved');
      if (dto.district !== undefined) {
        const { districts } = await this.municipalities.settings();
        if (districts && !districts.some((d) => d.code === dto.district)) {
          throw badRequest('UNKNOWN_DISTRICT', `district must be one of ${districts.map((d) => d.code).join(', ')}`, 'district');
        }
      }
      const id = newId();
      const district = dto.district ?? row.householdDistrict ?? null;
      await this.repo.insert({ id, caseId, concern: dto.concern, district, description: dto.description, recordedOn: tokyoToday(), agencyId: actor.agencyId, createdById: actor.userId });
      await this.timeline.append({ caseId, type: 'unmet_need.recorded', entityType: 'unmet_need', entityId: id, data: { concern: dto.concern, district } });
      await this.audit.record({ action: 'unmet_need.recorded', entityType: 'unmet_need', entityId: id, caseId, restricted: row.restricted, changedFields: Object.keys(dto) });
      return view((await this.repo.findById(id))!);
    });
  }

  /** Counts by district × concern for a period (default the current fiscal year), most first. */
  async summary(query: UnmetNeedSummaryQueryDto): Promise<UnmetNeedSummaryDto> {
    for (const field of ['from', 'to'] as const) {
      const value = query[field];
      if (value !== undefined && !isValidDateString(value)) throw badRequest('INVALID_DATE', `${field} is not a date`, field);
    }
    const current = fiscalYearRange(fiscalYearOf(new Date()));
    const from = query.from ?? current.startDate;
    const to = query.to ?? current.endDate;
    if (from > to) throw badRequest('INVALID_PERIOD', 'from must not be after to', 'from');
    return this.db.transaction(async () => {
      const { districts } = await this.municipalities.settings();
      const rows = await this.repo.countByDistrictAndConcern(from, to);
      await this.audit.record({ action: 'report.viewed', entityType: 'report', detail: { report: 'unmet_needs_summary', from, to } });
      const names = new Map((districts ?? []).map((d) => [d.code, d.name]));
      const labels = new Map(VOCABULARIES.concerns.map((c) => [c.code, c.ja]));
      const order = (concern: string) => (CONCERNS as readonly string[]).indexOf(concern);
      const items = rows
        .map((r) => ({ district: r.district, districtName: r.district === null ? null : (names.get(r.district) ?? null), concern: r.concern, concernLabel: labels.get(r.concern) ?? r.concern, count: r.count }))
        .sort((a, b) => b.count - a.count || compareDistricts(a.district, b.district) || order(a.concern) - order(b.concern));
      return { from, to, total: items.reduce((sum, i) => sum + i.count, 0), items };
    });
  }
}

/** Known districts first, in code order; the unknown (null) last. */
function compareDistricts(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

function view(r: UnmetNeedRow): UnmetNeedDto {
  return { ...r, createdAt: new Date(r.createdAt).toISOString() };
}
