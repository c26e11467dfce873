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
 * A fiscal year's counts from report_tallies (see the ReportingRollups migration), as the
 * report shows them: cases by `intake` agency (key), `channel`, `primary` concern, `csw`
 * (handled by a CSW); `concern`; `closure` reason; `conference` type; referrals by `pair` of
 * agencies (key → otherKey) with their statuses and re-routes.
 */
export interface TallyRow {
  count: 'intake' | 'channel' | 'primary' | 'csw' | 'concern' | 'closure' | 'conference' | 'pair';
  key: string | null;
  otherKey: string | null;
  n: number;
  pending: number;
  accepted: number;
  declined: number;
  withdrawn: number;
  reroutes: number;
}

export interface CodeCountRow {
  code: string;
  count: number;
}

/** The middle of a year's answer times in µs: the values at positions ⌊(n−1)/2⌋ and ⌊n/2⌋ (equal when n is odd). */
export interface MiddleRow {
  /** answered referrals of the year */
  answered: number;
  lo: string | null;
  hi: string | null;
}

/** The middle of a year's business times to answer, from the stored times and the few still pending. */
export interface BusinessMiddleRow extends MiddleRow {
  /** answers with a business time on the calendar asked for, stored or computed now: all of them when it equals `answered` */
  counted: number;
  /** pending answers made before the clock's first day (their business time could not be read) */
  outsideClock: number;
  firstCreatedUs: string | null;
}

export interface AnswerTimesRow {
  answered: number;
  firstCreatedUs: string | null;
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
 * Reading the business clock (business-clock.ts) in SQL, in whole µs. `instants(...)` turns
 * timestamps into epoch µs and the index of their Tokyo date on the clock (integer
 * arithmetic: UTC+9, no daylight saving; instants from 1970), each computed once per row: the
 * OFFSET 0 keeps PostgreSQL from inlining the projection back into every place that reads it.
 * `clockAt` then reads the business µs at that instant. Parameters: $3 the clock's first day
 * number, $4 business µs before each day, $5 each day's opening (epoch µs, NULL when closed),
 * $6 the opening window. NULL outside the clock. The same reading as clock_reading() in SQL
 * (the worker's), so a business time computed here equals the stored one.
 */
function instants(...columns: string[]): string {
  return columns.map((c) => `epoch_us(${c}) AS ${alias(c)}_us, ((epoch_us(${c}) + 32400000000) / 86400000000)::int - $3::int + 1 AS ${alias(c)}_day`).join(', ');
}
function clockAt(column: string): string {
  const a = alias(column);
  // (SELECT $n) makes each array an init-plan value read in place: a bare parameter costs several times more per subscript.
  return `((SELECT $4::bigint[])[${a}_day] + LEAST(GREATEST(${a}_us - (SELECT $5::bigint[])[${a}_day], 0), $6::bigint))`;
}
const alias = (column: string) => column.replace(/^[rt]\./, '');
const clockParams = (clock: BusinessClock) => [clock.firstDay, clock.beforeUs, clock.openFromUs, clock.openUs];
/** µs to hours in float8, as percentile_cont reads them */
const HOURS = '::float8 / 3600000000';

/** The width of a histogram bucket of answer times, µs (tally_bucket() in SQL). */
const BUCKET_US = 600_000_000;
/** Answer times in whole minutes are counted by value in report_tallies, not indexed (tally_minute() in SQL). */
const MINUTE_US = 60_000_000;

/**
 * The middle values of a year's answer times from a histogram (`buckets`: bucket, n) and the
 * values in it (`values`: v and its weight w, a query with `span` in scope): the histogram says
 * which bucket(s) hold positions ⌊(n−1)/2⌋ and ⌊n/2⌋, and only their values are read and
 * ordered — times in whole minutes as one row per value, weighted by how many there are.
 */
function middleOf(buckets: string, values: string): string {
  return `buckets AS (${buckets}),
       placed AS (SELECT bucket, n, (sum(n) OVER (ORDER BY bucket) - n)::bigint AS before FROM buckets),
       total AS (SELECT coalesce(sum(n), 0)::bigint AS n FROM buckets),
       positions AS (SELECT (n - 1) / 2 AS lo, n / 2 AS hi FROM total WHERE n > 0),
       span AS (
         SELECT min(bucket) AS first, max(bucket) AS last, min(bucket)::bigint * ${BUCKET_US} AS low, (max(bucket)::bigint + 1) * ${BUCKET_US} AS high,
                min(before) AS before
         FROM placed, positions WHERE (lo >= before AND lo < before + n) OR (hi >= before AND hi < before + n)
       ),
       ranked AS (
         SELECT v, w, sum(w) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - w + (SELECT before FROM span) AS first_position
         FROM (${values}) x
       )`;
}
const MIDDLE = `(SELECT v FROM ranked, positions WHERE positions.lo >= first_position AND positions.lo < first_position + w)::text AS lo,
              (SELECT v FROM ranked, positions WHERE positions.hi >= first_position AND positions.hi < first_position + w)::text AS hi`;
/** The times in whole minutes of the span, from report_tallies (`measure` and any other condition). */
const exactInSpan = (condition: string) =>
  `SELECT exact_minute::bigint * ${MINUTE_US} AS v, sum(n) AS w FROM report_tallies
   WHERE ${condition} AND exact_minute IS NOT NULL AND bucket BETWEEN (SELECT first FROM span) AND (SELECT last FROM span)
   GROUP BY exact_minute HAVING sum(n) <> 0`;

/** Answered by the receiver: withdrawals also set answered_at but are the referrer's act. */
const ANSWERED = `r.status IN ('accepted', 'declined')`;

/**
 * Counts for reports, over the whole municipality (row-level security scopes every statement
 * to it; nothing here filters by agency or restriction: reports show counts, never content).
 * The fiscal-year indicators read the running totals the database keeps as records change
 * (report_tallies, answer_times: see the ReportingRollups migration), a few thousand rows a
 * year whatever the size of the city; what has no totals (escalations, the hand-off summary
 * over any period, business times when the calendar has just changed) is one aggregate pass
 * over an index range of the period, half-open `from <= t < toExclusive`, so each record
 * counts in exactly one period.
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
   * Every count of a fiscal year but escalations, from its tallies: a few thousand rows read,
   * a few hundred answered (one per agency pair, channel, concern …), whatever the size of the year.
   */
  tallies(fiscalYear: number): Promise<TallyRow[]> {
    return this.db.query(
      `WITH counted AS (
         SELECT measure, agency_id, other_agency_id, code, detail, flag, sum(n)::int AS n
         FROM report_tallies WHERE fiscal_year = $1 AND measure IN ('case', 'concern', 'closure', 'conference', 'referral')
         GROUP BY measure, agency_id, other_agency_id, code, detail, flag HAVING sum(n) <> 0
       ), cases AS (
         -- GROUPING: 7 by intake agency, 11 by channel, 13 by primary concern, 14 by CSW flag
         SELECT GROUPING(agency_id, code, detail, flag) AS grouped, agency_id, code, detail, flag, sum(n)::int AS n
         FROM counted WHERE measure = 'case'
         GROUP BY GROUPING SETS ((agency_id), (code), (detail), (flag))
       )
       SELECT CASE grouped WHEN 7 THEN 'intake' WHEN 11 THEN 'channel' WHEN 13 THEN 'primary' ELSE 'csw' END AS count,
              CASE grouped WHEN 7 THEN agency_id::text WHEN 11 THEN code WHEN 13 THEN detail END AS key,
              NULL AS "otherKey", n, 0 AS pending, 0 AS accepted, 0 AS declined, 0 AS withdrawn, 0 AS reroutes
       FROM cases WHERE (grouped <> 13 OR detail IS NOT NULL) AND (grouped <> 14 OR flag)
       UNION ALL
       SELECT measure, code, NULL, sum(n)::int, 0, 0, 0, 0, 0 FROM counted WHERE measure IN ('concern', 'closure', 'conference') GROUP BY measure, code
       UNION ALL
       SELECT 'pair', agency_id::text, other_agency_id::text, sum(n)::int,
              COALESCE(sum(n) FILTER (WHERE code = 'pending'), 0)::int, COALESCE(sum(n) FILTER (WHERE code = 'accepted'), 0)::int,
              COALESCE(sum(n) FILTER (WHERE code = 'declined'), 0)::int, COALESCE(sum(n) FILTER (WHERE code = 'withdrawn'), 0)::int,
              COALESCE(sum(n) FILTER (WHERE flag), 0)::int
       FROM counted WHERE measure = 'referral' GROUP BY agency_id, other_agency_id`,
      [fiscalYear],
    );
  }

  /**
   * The referrals answered in a fiscal year without a stored business time, up to `limit`
   * (an index range of pending rows only). Read apart from the times themselves so that the
   * report joins exactly these rows whatever the table's statistics say: right after a bulk
   * load they still count every answer as pending, and a join would read the whole table.
   */
  async untimedAnswers(fiscalYear: number, limit: number): Promise<string[]> {
    const [row] = await this.db.query<{ ids: string[] }>(
      `SELECT coalesce(array_agg(referral_id), '{}') AS ids FROM (SELECT referral_id FROM answer_times WHERE fiscal_year = $1 AND business_us IS NULL LIMIT $2) pending`,
      [fiscalYear, limit],
    );
    return row.ids;
  }

  /** The middle elapsed times (µs) of the referrals answered (accepted or declined) in a fiscal year. */
  async elapsedMiddle(fiscalYear: number): Promise<MiddleRow> {
    const rows = await this.db.query<MiddleRow>(
      `WITH ${middleOf(
        `SELECT bucket, sum(n) AS n FROM report_tallies WHERE fiscal_year = $1 AND measure = 'answer_elapsed' GROUP BY bucket HAVING sum(n) <> 0`,
        `SELECT elapsed_us AS v, 1 AS w FROM answer_times
         WHERE fiscal_year = $1 AND elapsed_us % ${MINUTE_US} <> 0 AND elapsed_us >= (SELECT low FROM span) AND elapsed_us < (SELECT high FROM span)
         UNION ALL
         ${exactInSpan(`fiscal_year = $1 AND measure = 'answer_elapsed'`)}`,
      )}
       SELECT (SELECT n FROM total)::int AS answered, ${MIDDLE}`,
      [fiscalYear],
    );
    return rows[0];
  }

  /**
   * The middle business times (µs) of the referrals answered in a fiscal year on a calendar:
   * those the worker stored under its key, and those still pending computed here on the clock
   * given. When `counted` falls short of `answered`, times stored under another calendar remain
   * (it changed and the worker is not done): use `answerTimes` instead. `pending`: the answers
   * of the year without a stored time (untimedAnswers), all of them.
   */
  async businessMiddle(fiscalYear: number, calendarKey: string, clock: BusinessClock, pending: string[]): Promise<BusinessMiddleRow> {
    const rows = await this.db.query<BusinessMiddleRow>(
      `WITH pending AS (
         SELECT created_at_us, ${clockAt('answered_at')} - ${clockAt('created_at')} AS v
         FROM (
           SELECT ${instants('r.created_at', 'r.answered_at')}
           FROM unnest($7::uuid[]) t (referral_id) JOIN referrals r ON r.id = t.referral_id
           OFFSET 0
         ) p
       ),
       ${middleOf(
         `SELECT bucket, sum(n) AS n FROM (
            SELECT bucket, n FROM report_tallies WHERE fiscal_year = $1 AND measure = 'answer_business' AND code = $2
            UNION ALL SELECT tally_bucket(v), 1 FROM pending WHERE v IS NOT NULL
          ) b GROUP BY bucket HAVING sum(n) <> 0`,
         `SELECT business_us AS v, 1 AS w FROM answer_times
          WHERE calendar = $2 AND fiscal_year = $1 AND business_us IS NOT NULL AND business_us % ${MINUTE_US} <> 0
            AND business_us >= (SELECT low FROM span) AND business_us < (SELECT high FROM span)
          UNION ALL
          ${exactInSpan(`fiscal_year = $1 AND measure = 'answer_business' AND code = $2`)}
          UNION ALL
          SELECT v, 1 FROM pending WHERE v >= (SELECT low FROM span) AND v < (SELECT high FROM span)`,
       )}
       SELECT (SELECT coalesce(sum(n), 0) FROM report_tallies WHERE fiscal_year = $1 AND measure = 'answer_elapsed')::int AS answered,
              (SELECT n FROM total)::int AS counted,
              (SELECT count(*) FROM pending WHERE v IS NULL)::int AS "outsideClock",
              (SELECT min(created_at_us) FROM pending)::text AS "firstCreatedUs",
              ${MIDDLE}`,
      [fiscalYear, calendarKey, ...clockParams(clock), pending],
    );
    return rows[0];
  }

  /**
   * Referrals answered (accepted or declined) in the period, all read: how many, the earliest
   * made, and the median time to answer in business hours on the given clock. For when stored
   * business times are not on the current calendar.
   */
  async answerTimes(from: Date, to: Date, clock: BusinessClock): Promise<AnswerTimesRow> {
    const rows = await this.db.query<AnswerTimesRow>(
      `SELECT count(*)::int AS answered, min(created_at_us)::text AS "firstCreatedUs",
              percentile_cont(0.5) WITHIN GROUP (ORDER BY (${clockAt('answered_at')} - ${clockAt('created_at')})${HOURS}) AS "medianBusinessHours",
              count(*) FILTER (WHERE created_at_day < 1)::int AS "outsideClock"
       FROM (
         SELECT ${instants('r.created_at', 'r.answered_at')}
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
                CASE WHEN status IN ('accepted', 'declined') THEN (${clockAt('answered_at')} - ${clockAt('created_at')})${HOURS} END AS business_hours,
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
