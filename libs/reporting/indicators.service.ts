import { Injectable } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { addMonthsToDate, BusinessCalendar, fiscalYearOf, fiscalYearRange, tokyoDate, warekiFiscalYearLabel } from '@tsunagi/calendar';
import { Db } from '@tsunagi/database';
import { CalendarService } from '@tsunagi/municipalities';
import { REFERRAL_STATUSES, VOCABULARIES } from '@tsunagi/vocabularies';
import { agencyOrder } from './agency-order';
import { businessClock, calendarKey } from './business-clock';
import type { AgencyCountDto, AgencyPairCountDto, CaseIndicatorsDto, CodeCountDto, EscalationIndicatorsDto, IndicatorsReportDto, ReferralIndicatorsDto, ReportFormat } from './dto/indicators.dto';
import { AgencyRow, CodeCountRow, MiddleRow, ReportingRepository, TallyRow } from './reporting.repository';
import { ParticipationIndicators } from './participation-indicators';
import { outcomeCount, PlanIndicators } from './plan-indicators';
import { round2 } from './rounding';

/** Above this many answers of a year without a stored business time, the report reads every answer of the year instead. */
const MAX_UNTIMED = 20_000;

/** Escalations come from a referral left unanswered or a follow-up left undone. */
const ESCALATION_SOURCES: CodeCountDto[] = [
  { code: 'referral', label: 'つなぎ', count: 0 },
  { code: 'task', label: 'フォローアップ', count: 0 },
];

/** Referrals made in the year between two agencies, by status, and how many were re-routes. */
interface ReferralPair {
  fromAgencyId: string;
  toAgencyId: string;
  total: number;
  pending: number;
  accepted: number;
  declined: number;
  withdrawn: number;
  reroutes: number;
}

/**
 * The fiscal-year indicators (CONTRACT.md "Supervision and reporting", DOMAIN.md
 * "Reporting"): every number is a count over records, restricted cases included, no case
 * content. Sections are named objects so plans, participation and resources can join later.
 * Counts and medians come from the running totals the database keeps as records change
 * (ReportingRepository.tallies and the answer-time middles): exact at every moment, and a
 * year of a large city costs a few thousand rows.
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
      const tallies = await this.repo.tallies(fy);
      const medianHours = medianHoursOf(await this.repo.elapsedMiddle(fy));
      const medianBusinessHours = await this.medianBusinessHours(fy, from, to, startDate, endDate, calendar);
      const escalations = await this.repo.escalations(from, to);
      const plans = await this.planIndicators.section(startDate, endDate);
      const participation = await this.participationIndicators.section(startDate, endDate, to);
      await this.audit.record({ action: 'report.viewed', entityType: 'report', detail: { report: 'indicators', fiscalYear: fy, format } });

      const cases = casesSection(tallies, agencies);
      const escalationSection = escalationsSection(escalations);
      const referrals = referralsSection(referralPairs(tallies), medianHours, medianBusinessHours, escalationSection, agencies);
      const closureRows = byCode('closureReasons', counts(tallies, 'closure'));
      const conferenceRows = byCode('conferenceTypes', counts(tallies, 'conference'));
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
   * The median business hours to answer of the referrals answered in the year, on the
   * municipality calendar as it is now. The clock spans the year and the one before it, which
   * holds nearly every referral answered in the year; when one was made earlier still, the
   * clock is widened to it and the figure computed again. Stored business times on another
   * calendar (it has just changed; the worker recomputes them) are not used, nor many pending
   * ones: every answer of the year is then read.
   */
  private async medianBusinessHours(fy: number, from: Date, to: Date, startDate: string, endDate: string, calendar: BusinessCalendar): Promise<number | null> {
    const key = calendarKey(calendar);
    const widened = (firstCreatedUs: string | null) => businessClock(calendar, tokyoDate(new Date(Number(firstCreatedUs) / 1000)), endDate);
    let clock = businessClock(calendar, addMonthsToDate(startDate, -12), endDate);
    // Many answers not timed yet (a bulk load the worker has not caught up with): reading them all costs less.
    const pending = await this.repo.untimedAnswers(fy, MAX_UNTIMED);
    if (pending.length < MAX_UNTIMED) {
      let middle = await this.repo.businessMiddle(fy, key, clock, pending);
      if (middle.outsideClock && middle.firstCreatedUs) {
        clock = widened(middle.firstCreatedUs);
        middle = await this.repo.businessMiddle(fy, key, clock, pending);
      }
      if (middle.counted === middle.answered) return medianHoursOf(middle);
    }
    let all = await this.repo.answerTimes(from, to, clock);
    if (all.outsideClock && all.firstCreatedUs) all = await this.repo.answerTimes(from, to, widened(all.firstCreatedUs));
    return round2(all.medianBusinessHours);
  }
}

/**
 * percentile_cont(0.5) of the times in hours, as PostgreSQL computes it from the two middle
 * values (µs → float8 hours, then the mean of the two when their count is even), rounded.
 */
function medianHoursOf(middle: MiddleRow): number | null {
  if (!middle.answered || middle.lo === null || middle.hi === null) return null;
  const lo = Number(middle.lo) / 3_600_000_000;
  const hi = Number(middle.hi) / 3_600_000_000;
  return round2(middle.answered % 2 ? lo : lo + 0.5 * (hi - lo));
}

/** Cases received in the year, from their tallies. */
function casesSection(tallies: TallyRow[], agencies: AgencyRow[]): CaseIndicatorsDto {
  const kindOf = new Map(agencies.map((a) => [a.id, a.kind]));
  const byAgency = new Map<string, number>();
  const byKind = new Map<string, number>();
  let total = 0;
  for (const t of tallies) {
    if (t.count !== 'intake') continue;
    total += t.n;
    add(byAgency, t.key!, t.n);
    const kind = kindOf.get(t.key!);
    if (kind) add(byKind, kind, t.n);
  }
  return {
    total,
    byChannel: byCode('channels', counts(tallies, 'channel')),
    byConcern: byCode('concerns', counts(tallies, 'concern')),
    byPrimaryConcern: byCode('concerns', counts(tallies, 'primary')),
    byAgency: agencyRows(agencies, byAgency),
    byAgencyKind: byCode('agencyKinds', byKind),
    cswHandled: tallies.find((t) => t.count === 'csw')?.n ?? 0,
  };
}

/** Referrals made in the year per agency pair, from their tallies. */
function referralPairs(tallies: TallyRow[]): ReferralPair[] {
  return tallies
    .filter((t) => t.count === 'pair')
    .map((t) => ({ fromAgencyId: t.key!, toAgencyId: t.otherKey!, total: t.n, pending: t.pending, accepted: t.accepted, declined: t.declined, withdrawn: t.withdrawn, reroutes: t.reroutes }));
}

/** Referrals made in the year (from the pairs), median times to answer of those answered in it, escalated referrals. */
function referralsSection(pairs: ReferralPair[], medianHours: number | null, medianBusinessHours: number | null, escalations: EscalationIndicatorsDto, agencies: AgencyRow[]): ReferralIndicatorsDto {
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
    medianHoursToAnswer: medianHours,
    medianBusinessHoursToAnswer: medianBusinessHours,
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

/** One count of the tallies by its key (a code). */
function counts(tallies: TallyRow[], count: TallyRow['count']): Map<string, number> {
  const map = new Map<string, number>();
  for (const t of tallies) if (t.count === count) add(map, t.key!, t.n);
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
function pairRows(pairs: ReferralPair[], agencies: AgencyRow[]): AgencyPairCountDto[] {
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
