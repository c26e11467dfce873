import { Injectable } from '@nestjs/common';
import { Db } from '@tsunagi/database';
import type { BusinessClock } from './business-clock';

export interface AgencyRow {
  id: string;
  code: string;
  name: string;
  kind: string;
}

/**
 * One pass over the cases received in a period, two groupings: `byAgency` rows (level 0)
 * by intake agency × channel × primary concern × handled by a CSW; `byConcerns` rows
 * (level 1) by the set of concerns, expanded per concern by the caller.
 */
export interface CaseGroupRow {
  level: 0 | 1;
  intakeAgencyId: string | null;
  channel: string | null;
  primaryConcern: string | null;
  csw: boolean | null;
  concerns: string[] | null;
  count: number;
}

export interface CodeCountRow {
  code: string;
  count: number;
}

export interface ReferralPairRow {
  fromAgencyId: string;
  toAgencyId: string;
  total: number;
  pending: number;
  accepted: number;
  declined: number;
  withdrawn: number;
  reroutes: number;
}

export interface AnswerTimesRow {
  answered: number;
  firstCreatedAt: Date | null;
  medianHours: number | null;
  medianBusinessHours: number | null;
  /** answered referrals made before the clock's first day (their business hours are missing) */
  outsideClock: number;
}

export interface HandoffStatsRow {
  fromAgencyId: string | null;
  toAgencyId: string | null;
  /** GROUPING(from, to): 0 per pair, 2 per receiving agency, 3 for the total */
  level: number;
  referrals: number;
  accepted: number;
  declined: number;
  pending: number;
  withdrawn: number;
  escalated: number;
  medianBusinessHours: number | null;
  p90BusinessHours: number | null;
  medianDaysToFirstContact: number | null;
}

/**
 * Reading the business clock (business-clock.ts) in SQL. `instants(...)` turns timestamps
 * into epoch ms and the index of their Tokyo date on the clock (plain arithmetic: UTC+9,
 * no daylight saving), each computed once per row: the OFFSET 0 keeps PostgreSQL from
 * inlining the projection back into every place that reads it. `clockAt` then reads the
 * business ms at that instant. Parameters: $3 the clock's first day number, $4 business ms
 * before each day, $5 each day's opening (epoch ms, Infinity when closed), $6 the opening
 * window. NULL outside the clock.
 */
function instants(...columns: string[]): string {
  return columns
    .map((c) => `date_part('epoch', ${c}) * 1000 AS ${alias(c)}_ms, floor((date_part('epoch', ${c}) * 1000 + 32400000) / 86400000)::int - $3::int + 1 AS ${alias(c)}_day`)
    .join(', ');
}
function clockAt(column: string): string {
  const a = alias(column);
  // (SELECT $n) makes each array an init-plan value read in place: a bare parameter costs several times more per subscript.
  return `((SELECT $4::float8[])[${a}_day] + LEAST(GREATEST(${a}_ms - (SELECT $5::float8[])[${a}_day], 0), $6::float8))`;
}
const alias = (column: string) => column.replace(/^r\./, '');
const clockParams = (clock: BusinessClock) => [clock.firstDay, clock.beforeMs, clock.openFromMs, clock.openMs];

/** Answered by the receiver: withdrawals also set answered_at but are the referrer's act. */
const ANSWERED = `r.status IN ('accepted', 'declined')`;

/**
 * Counts for reports, over the whole municipality (row-level security scopes every statement
 * to it; nothing here filters by agency or restriction: reports show counts, never content).
 * Every statement is one aggregate pass over an index range of the period, half-open
 * `from <= t < toExclusive`, so each record counts in exactly one period.
 */
@Injectable()
export class ReportingRepository {
  constructor(private readonly db: Db) {}

  /**
   * For this transaction only: a report's few large aggregates sort and hash in memory
   * rather than on disk, and skip JIT compilation, which costs more than it saves on
   * one-off statements.
   */
  async tuneForReport(): Promise<void> {
    await this.db.query(`SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)`);
  }

  agencies(): Promise<AgencyRow[]> {
    return this.db.query(`SELECT id, code, name, kind FROM agencies ORDER BY code, id`);
  }

  /**
   * Cases received in the period in one pass, grouped to roll up the total, channels, primary
   * concerns, intake agencies and their kinds (level 0) and concerns (level 1). A case is
   * handled by a CSW when a social_welfare_council agency took it in, leads it, is involved
   * in it, or accepted a referral of it.
   */
  caseGroups(from: Date, to: Date): Promise<CaseGroupRow[]> {
    return this.db.query(
      `WITH csw AS (SELECT id FROM agencies WHERE kind = 'social_welfare_council'),
       csw_cases AS (
         SELECT case_id FROM case_agencies WHERE agency_id IN (SELECT id FROM csw)
         UNION
         -- A referral is made after its case was received (receivedAt is never in the future),
         -- so those of the period's cases were all made since the period began.
         SELECT case_id FROM referrals WHERE created_at >= $1 AND to_agency_id IN (SELECT id FROM csw) AND status = 'accepted'
       ),
       received AS (
         SELECT c.intake_agency_id, c.channel, c.primary_concern, c.concerns,
                (c.intake_agency_id IN (SELECT id FROM csw) OR c.lead_agency_id IN (SELECT id FROM csw) OR h.case_id IS NOT NULL) AS csw
         FROM cases c LEFT JOIN csw_cases h ON h.case_id = c.id
         WHERE c.received_at >= $1 AND c.received_at < $2
       )
       SELECT GROUPING(intake_agency_id)::int AS level, intake_agency_id AS "intakeAgencyId", channel, primary_concern AS "primaryConcern", csw,
              concerns, count(*)::int AS count
       FROM received
       GROUP BY GROUPING SETS ((intake_agency_id, channel, primary_concern, csw), (concerns))`,
      [from, to],
    );
  }

  /**
   * Referrals made in the period per agency pair, by status, with re-routes: a referral made
   * on a case after an earlier referral of that case had been declined (the decline's answer
   * came before this referral was made, in this period or any earlier one).
   */
  referralPairs(from: Date, to: Date): Promise<ReferralPairRow[]> {
    return this.db.query(
      `SELECT r.from_agency_id AS "fromAgencyId", r.to_agency_id AS "toAgencyId", count(*)::int AS total,
              count(*) FILTER (WHERE r.status = 'pending')::int AS pending,
              count(*) FILTER (WHERE r.status = 'accepted')::int AS accepted,
              count(*) FILTER (WHERE r.status = 'declined')::int AS declined,
              count(*) FILTER (WHERE r.status = 'withdrawn')::int AS withdrawn,
              count(*) FILTER (WHERE d.first_declined_at < r.created_at)::int AS reroutes
       FROM referrals r
       LEFT JOIN (
         SELECT case_id, min(answered_at) AS first_declined_at FROM referrals
         WHERE status = 'declined' AND answered_at < $2 GROUP BY case_id
       ) d ON d.case_id = r.case_id
       WHERE r.created_at >= $1 AND r.created_at < $2
       GROUP BY r.from_agency_id, r.to_agency_id`,
      [from, to],
    );
  }

  /**
   * Referrals answered (accepted or declined) in the period: how many, the earliest made, and
   * the median time to answer in elapsed and in business hours on the given clock.
   */
  async answerTimes(from: Date, to: Date, clock: BusinessClock): Promise<AnswerTimesRow> {
    const rows = await this.db.query<AnswerTimesRow>(
      `SELECT count(*)::int AS answered, min(created_at) AS "firstCreatedAt",
              percentile_cont(0.5) WITHIN GROUP (ORDER BY (answered_at_ms - created_at_ms) / 3600000) AS "medianHours",
              percentile_cont(0.5) WITHIN GROUP (ORDER BY (${clockAt('answered_at')} - ${clockAt('created_at')}) / 3600000) AS "medianBusinessHours",
              count(*) FILTER (WHERE created_at_day < 1)::int AS "outsideClock"
       FROM (
         SELECT r.created_at, ${instants('r.created_at', 'r.answered_at')}
         FROM referrals r
         WHERE r.answered_at >= $1 AND r.answered_at < $2 AND ${ANSWERED}
         OFFSET 0
       ) answered`,
      [from, to, ...clockParams(clock)],
    );
    return rows[0];
  }

  /** Escalations in the period by what escalated (`referral`, `task`): one per escalated thing, not per agency told. */
  escalations(from: Date, to: Date): Promise<CodeCountRow[]> {
    return this.db.query(
      `SELECT source_type AS code, count(DISTINCT source_id)::int AS count
       FROM tasks WHERE kind = 'escalation' AND created_at >= $1 AND created_at < $2
       GROUP BY source_type`,
      [from, to],
    );
  }

  closures(from: Date, to: Date): Promise<CodeCountRow[]> {
    return this.db.query(
      `SELECT closure_reason AS code, count(*)::int AS count
       FROM cases WHERE closed_at >= $1 AND closed_at < $2
       GROUP BY closure_reason`,
      [from, to],
    );
  }

  conferences(from: Date, to: Date): Promise<CodeCountRow[]> {
    return this.db.query(
      `SELECT type AS code, count(*)::int AS count
       FROM conferences WHERE held_at >= $1 AND held_at < $2
       GROUP BY type`,
      [from, to],
    );
  }

  /**
   * Referrals made in the period per agency pair, per receiving agency and in total: answers,
   * escalations, business hours to answer (median, p90) and days from accepting a transfer to
   * first contact. The clock must cover every creation and answer time of the period's referrals.
   */
  handoffStats(from: Date, to: Date, clock: BusinessClock): Promise<HandoffStatsRow[]> {
    return this.db.query(
      `SELECT from_agency_id AS "fromAgencyId", to_agency_id AS "toAgencyId", GROUPING(from_agency_id, to_agency_id)::int AS level,
              count(*)::int AS referrals,
              count(*) FILTER (WHERE status = 'accepted')::int AS accepted,
              count(*) FILTER (WHERE status = 'declined')::int AS declined,
              count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'withdrawn')::int AS withdrawn,
              count(*) FILTER (WHERE escalated)::int AS escalated,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY business_hours) AS "medianBusinessHours",
              percentile_cont(0.9) WITHIN GROUP (ORDER BY business_hours) AS "p90BusinessHours",
              percentile_cont(0.5) WITHIN GROUP (ORDER BY days_to_contact) AS "medianDaysToFirstContact"
       FROM (
         SELECT from_agency_id, to_agency_id, status, escalated,
                CASE WHEN status IN ('accepted', 'declined') THEN (${clockAt('answered_at')} - ${clockAt('created_at')}) / 3600000 END AS business_hours,
                CASE WHEN kind = 'transfer' AND status = 'accepted' AND first_contact_at IS NOT NULL
                     THEN GREATEST(date_part('epoch', first_contact_at - answered_at), 0) / 86400 END AS days_to_contact
         FROM (
           SELECT r.from_agency_id, r.to_agency_id, r.kind, r.status, r.escalated_at IS NOT NULL AS escalated, r.answered_at, r.first_contact_at,
                  ${instants('r.created_at', 'r.answered_at')}
           FROM referrals r
           WHERE r.created_at >= $1 AND r.created_at < $2
           OFFSET 0
         ) made
       ) timed
       GROUP BY GROUPING SETS ((to_agency_id, from_agency_id), (to_agency_id), ())`,
      [from, to, ...clockParams(clock)],
    );
  }
}
