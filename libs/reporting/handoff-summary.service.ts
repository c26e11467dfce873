import { Injectable } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { addDaysToDate, fiscalYearOf, fiscalYearRange, isValidDateString, tokyoToday } from '@tsunagi/calendar';
import { badRequest } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { CalendarService } from '@tsunagi/municipalities';
import { agencyOrder } from './agency-order';
import { businessClock } from './business-clock';
import type { HandoffPairStatsDto, HandoffReceiverStatsDto, HandoffStatsDto, HandoffSummaryDto, HandoffSummaryQueryDto } from './dto/handoff-summary.dto';
import { HandoffStatsRow, ReportingRepository } from './reporting.repository';
import { round2 } from './rounding';

const tokyoMidnight = (date: string) => new Date(`${date}T00:00:00+09:00`);

/**
 * "Where do our hand-offs stall?": referrals made in a period, per agency pair and per
 * receiving agency, with how many were answered, are still pending or escalated, and how long
 * answers and first contacts took. Counts only; restricted cases count like any other.
 */
@Injectable()
export class HandoffSummaryService {
  constructor(
    private readonly db: Db,
    private readonly repo: ReportingRepository,
    private readonly calendars: CalendarService,
    private readonly audit: AuditService,
  ) {}

  summary(query: HandoffSummaryQueryDto): Promise<HandoffSummaryDto> {
    for (const field of ['from', 'to'] as const) {
      if (query[field] && !isValidDateString(query[field]!)) throw badRequest('INVALID_DATE', `${field} is not a date`, field);
    }
    const current = fiscalYearRange(fiscalYearOf(new Date()));
    const fromDate = query.from ?? current.startDate;
    const toDate = query.to ?? current.endDate;
    if (fromDate > toDate) throw badRequest('INVALID_PERIOD', 'from must not be after to', 'from');

    return this.db.transaction(async () => {
      await this.repo.tuneForReport();
      const { calendar } = await this.calendars.current();
      // Referrals are made on or after `from` and answered by now at the latest: the clock spans that.
      const lastDay = addDaysToDate(tokyoToday(), 1);
      const clock = businessClock(calendar, fromDate, lastDay > fromDate ? lastDay : fromDate);
      const rows = await this.repo.handoffStats(tokyoMidnight(fromDate), tokyoMidnight(addDaysToDate(toDate, 1)), clock);
      const agencyRows = await this.repo.agencies();
      const agencies = new Map(agencyRows.map((a) => [a.id, a]));
      const order = agencyOrder(agencyRows);
      await this.audit.record({ action: 'report.viewed', entityType: 'report', detail: { report: 'handoff_summary', from: fromDate, to: toDate } });

      const total = rows.find((r) => r.level === 3);
      const byAgencyPair: HandoffPairStatsDto[] = rows
        .filter((r) => r.level === 0)
        .map((r) => ({
          fromAgencyId: r.fromAgencyId!,
          fromName: agencies.get(r.fromAgencyId!)?.name ?? '',
          toAgencyId: r.toAgencyId!,
          toName: agencies.get(r.toAgencyId!)?.name ?? '',
          ...stats(r),
        }))
        .sort((a, b) => stallOrder(a, b) || order(a.fromAgencyId, b.fromAgencyId) || order(a.toAgencyId, b.toAgencyId));
      const byReceivingAgency: HandoffReceiverStatsDto[] = rows
        .filter((r) => r.level === 2)
        .map((r) => ({ agencyId: r.toAgencyId!, name: agencies.get(r.toAgencyId!)?.name ?? '', kind: agencies.get(r.toAgencyId!)?.kind ?? 'other', ...stats(r) }))
        .sort((a, b) => stallOrder(a, b) || order(a.agencyId, b.agencyId));
      return { period: { from: fromDate, to: toDate }, totals: total ? stats(total) : emptyStats(), byAgencyPair, byReceivingAgency };
    });
  }
}

function stats(r: HandoffStatsRow): HandoffStatsDto {
  return {
    referrals: r.referrals,
    accepted: r.accepted,
    declined: r.declined,
    pending: r.pending,
    withdrawn: r.withdrawn,
    escalated: r.escalated,
    medianBusinessHoursToAnswer: round2(r.medianBusinessHours),
    p90BusinessHoursToAnswer: round2(r.p90BusinessHours),
    medianDaysToFirstContact: round2(r.medianDaysToFirstContact),
  };
}

function emptyStats(): HandoffStatsDto {
  return { referrals: 0, accepted: 0, declined: 0, pending: 0, withdrawn: 0, escalated: 0, medianBusinessHoursToAnswer: null, p90BusinessHoursToAnswer: null, medianDaysToFirstContact: null };
}

/** Where hand-offs stall first: most escalated, then slowest median answer, then most still pending. */
function stallOrder(a: HandoffStatsDto, b: HandoffStatsDto): number {
  return b.escalated - a.escalated || (b.medianBusinessHoursToAnswer ?? -1) - (a.medianBusinessHoursToAnswer ?? -1) || b.pending - a.pending;
}
