import { Injectable } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { addMonthsToDate, BusinessCalendar, fiscalYearOf, fiscalYearRange, tokyoDate, warekiFiscalYearLabel } from '@tsunagi/calendar';
import { Db } from '@tsunagi/database';
import { CalendarService } from '@tsunagi/municipalities';
import { REFERRAL_STATUSES, VOCABULARIES } from '@tsunagi/vocabularies';
import { agencyOrder } from './agency-order';
import { businessClock } from './business-clock';
import type { AgencyCountDto, AgencyPairCountDto, CaseIndicatorsDto, CodeCountDto, EscalationIndicatorsDto, IndicatorsReportDto, ReferralIndicatorsDto, ReportFormat } from './dto/indicators.dto';
import { AgencyRow, AnswerTimesRow, CaseGroupRow, CodeCountRow, ReferralPairRow, ReportingRepository } from './reporting.repository';
import { ParticipationIndicators } from './participation-indicators';
import { outcomeCount, PlanIndicators } from './plan-indicators';
import { round2 } from './rounding';

/** Escalations come from a referral left unanswered or a follow-up left undone. */
const ESCALATION_SOURCES: CodeCountDto[] = [
  { code: 'referral', label: 'つなぎ', count: 0 },
  { code: 'task', label: 'フォローアップ', count: 0 },
];

/**
 * The fiscal-year indicators (CONTRACT.md "Supervision and reporting", DOMAIN.md
 * "Reporting"): every number is a count over records, restricted cases included, no case
 * content. Sections are named objects so plans, participation and resources can join later.
 */
@Injectable()
export class IndicatorsService {
  constructor(
    private readonly db: Db,
    private readonly repo: ReportingRepository,
    private readonly calendars: CalendarService,
    private readonly audit: AuditService,
    private readonly participationIndicators: ParticipationIndicators,
    private readonly planIndicators: PlanIndicators,
  ) {}

  indicators(fiscalYear: number | undefined, format: ReportFormat): Promise<IndicatorsReportDto> {
    const fy = fiscalYear ?? fiscalYearOf(new Date());
    const { startDate, endDate, from, toExclusive: to } = fiscalYearRange(fy);
    return this.db.transaction(async () => {
      await this.repo.tuneForReport();
      const { calendar } = await this.calendars.current();
      const agencies = await this.repo.agencies();
      const caseGroups = await this.repo.caseGroups(from, to);
      const pairs = await this.repo.referralPairs(from, to);
      const answers = await this.answerTimes(from, to, startDate, endDate, calendar);
      const escalations = await this.repo.escalations(from, to);
      const closures = await this.repo.closures(from, to);
      const conferences = await this.repo.conferences(from, to);
      const plans = await this.planIndicators.section(startDate, endDate);
      const participation = await this.participationIndicators.section(startDate, endDate, to);
      await this.audit.record({ action: 'report.viewed', entityType: 'report', detail: { report: 'indicators', fiscalYear: fy, format } });

      const cases = casesSection(caseGroups, agencies);
      const escalationSection = escalationsSection(escalations);
      const referrals = referralsSection(pairs, answers, escalationSection, agencies);
      const closureRows = byCode('closureReasons', toMap(closures));
      const conferenceRows = byCode('conferenceTypes', toMap(conferences));
      const informationOnly = countOf(closureRows, 'information_only');
      return {
        fiscalYear: fy,
        label: warekiFiscalYearLabel(fy),
        period: { from: startDate, to: endDate },
        cases,
        referrals,
        escalations: escalationSection,
        closures: { byReason: closureRows, informationOnly },
        conferences: { byType: conferenceRows },
        plans,
        participation,
        national: {
          newConsultations: cases.total,
          handoffsToOtherAgencies: referrals.total,
          informationOnlyClosures: informationOnly,
          multiAgencyMeetings: countOf(conferenceRows, 'multi_agency_meeting'),
          plansMade: plans.plansMade,
          replans: plans.replans,
          peopleInEmploymentSupport: plans.peopleInEmploymentSupport,
          peopleEmploymentStarted: outcomeCount(plans, 'employment_started'),
          peopleIncomeIncreased: outcomeCount(plans, 'income_increased'),
        },
      };
    });
  }

  /**
   * Times to answer of the referrals answered in the year. The business clock spans the year
   * and the one before it, which holds nearly every referral answered in the year; when one
   * was made earlier still, the clock is widened to it and the figures computed again.
   */
  private async answerTimes(from: Date, to: Date, startDate: string, endDate: string, calendar: BusinessCalendar): Promise<AnswerTimesRow> {
    const first = await this.repo.answerTimes(from, to, businessClock(calendar, addMonthsToDate(startDate, -12), endDate));
    if (!first.outsideClock || !first.firstCreatedAt) return first;
    return this.repo.answerTimes(from, to, businessClock(calendar, tokyoDate(new Date(first.firstCreatedAt)), endDate));
  }
}

/** Cases received in the year, rolled up from the case pass's two groupings. */
function casesSection(groups: CaseGroupRow[], agencies: AgencyRow[]): CaseIndicatorsDto {
  const kindOf = new Map(agencies.map((a) => [a.id, a.kind]));
  const byAgency = new Map<string, number>();
  const byChannel = new Map<string, number>();
  const byPrimary = new Map<string, number>();
  const byKind = new Map<string, number>();
  const byConcern = new Map<string, number>();
  let total = 0;
  let cswHandled = 0;
  for (const g of groups) {
    if (g.level === 1) {
      // A set of concerns: each concern in it counts the set's cases once.
      for (const concern of new Set(g.concerns)) add(byConcern, concern, g.count);
      continue;
    }
    total += g.count;
    if (g.csw) cswHandled += g.count;
    add(byAgency, g.intakeAgencyId!, g.count);
    add(byChannel, g.channel!, g.count);
    if (g.primaryConcern) add(byPrimary, g.primaryConcern, g.count);
    const kind = kindOf.get(g.intakeAgencyId!);
    if (kind) add(byKind, kind, g.count);
  }
  return {
    total,
    byChannel: byCode('channels', byChannel),
    byConcern: byCode('concerns', byConcern),
    byPrimaryConcern: byCode('concerns', byPrimary),
    byAgency: agencyRows(agencies, byAgency),
    byAgencyKind: byCode('agencyKinds', byKind),
    cswHandled,
  };
}

/** Referrals made in the year (from the pairs), answer times of those answered in it, escalated referrals. */
function referralsSection(pairs: ReferralPairRow[], answers: AnswerTimesRow, escalations: EscalationIndicatorsDto, agencies: AgencyRow[]): ReferralIndicatorsDto {
  const byStatus = new Map<string, number>();
  let total = 0;
  let reroutes = 0;
  for (const p of pairs) {
    total += p.total;
    reroutes += p.reroutes;
    for (const status of REFERRAL_STATUSES) add(byStatus, status, p[status]);
  }
  return {
    total,
    byStatus: byCode('referralStatuses', byStatus),
    byAgencyPair: pairRows(pairs, agencies),
    declined: byStatus.get('declined') ?? 0,
    reroutes,
    escalations: countOf(escalations.bySource, 'referral'),
    medianHoursToAnswer: round2(answers.medianHours),
    medianBusinessHoursToAnswer: round2(answers.medianBusinessHours),
  };
}

function escalationsSection(rows: CodeCountRow[]): EscalationIndicatorsDto {
  const bySource = ESCALATION_SOURCES.map((s) => ({ ...s, count: rows.find((r) => r.code === s.code)?.count ?? 0 }));
  return { total: bySource.reduce((sum, s) => sum + s.count, 0), bySource };
}

const countOf = (rows: CodeCountDto[], code: string) => rows.find((r) => r.code === code)?.count ?? 0;

function add(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function toMap(rows: { code: string; count: number }[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const r of rows) add(map, r.code, r.count);
  return map;
}

/** Every code of the vocabulary in its order, 0 when uncounted; a code outside it (older data) follows, labelled by its code. */
function byCode(vocabulary: string, counts: Map<string, number>): CodeCountDto[] {
  const entries = VOCABULARIES[vocabulary];
  const rows = entries.map((e) => ({ code: e.code, label: e.ja, count: counts.get(e.code) ?? 0 }));
  for (const [code, count] of counts) if (!entries.some((e) => e.code === code)) rows.push({ code, label: code, count });
  return rows;
}

/** Every agency, 0 included, in report order. */
function agencyRows(agencies: AgencyRow[], counts: Map<string, number>): AgencyCountDto[] {
  const order = agencyOrder(agencies);
  return [...agencies].sort((a, b) => order(a.id, b.id)).map((a) => ({ agencyId: a.id, name: a.name, kind: a.kind, count: counts.get(a.id) ?? 0 }));
}

/** Pairs with referrals, most first; ties in report order of the referring, then the receiving agency. */
function pairRows(pairs: ReferralPairRow[], agencies: AgencyRow[]): AgencyPairCountDto[] {
  const byId = new Map(agencies.map((a) => [a.id, a]));
  const order = agencyOrder(agencies);
  return pairs
    .map((p) => ({
      fromAgencyId: p.fromAgencyId,
      fromName: byId.get(p.fromAgencyId)?.name ?? '',
      toAgencyId: p.toAgencyId,
      toName: byId.get(p.toAgencyId)?.name ?? '',
      count: p.total,
      accepted: p.accepted,
      declined: p.declined,
      pending: p.pending,
      withdrawn: p.withdrawn,
    }))
    .sort((a, b) => b.count - a.count || order(a.fromAgencyId, b.fromAgencyId) || order(a.toAgencyId, b.toAgencyId));
}
