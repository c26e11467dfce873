import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { addDaysToDate, BusinessCalendar, tokyoToday } from '@tsunagi/calendar';
import { Db } from '@tsunagi/database';
import { CalendarService } from '@tsunagi/municipalities';
import { BusinessClock, businessClock, calendarKey } from './business-clock';

/** Answers made before this day keep no stored business time: a report computes theirs. */
export const STORED_CLOCK_FIRST = '2000-01-01';
/** (municipality, fiscal year) groups compacted per pass */
const YEARS_PER_PASS = 50;
/** answer times reset or timed per municipality and pass (one short transaction each) */
export const ANSWER_TIMES_PER_PASS = 5000;

/** The worker's side of the indicators' running totals (the ReportingRollups migration). */
@Injectable()
export class ReportRollupsRepository {
  constructor(private readonly db: Db) {}

  /** Business times of the transaction's municipality stored under another calendar are forgotten (to be timed again). */
  async resetAnswerTimes(municipalityId: string, calendar: string, limit: number): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(`SELECT reset_answer_times($1, $2, $3) AS n`, [municipalityId, calendar, limit]);
    return row.n;
  }

  /** Business times of answers not timed yet, on the clock given (answers outside it stay with the reports). */
  async fillAnswerTimes(municipalityId: string, calendar: string, clock: BusinessClock, limit: number): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(`SELECT fill_answer_times($1, $2, $3, $4, $5, $6, $7) AS n`, [
      municipalityId, calendar, clock.firstDay, clock.beforeUs, clock.openFromUs, clock.openUs, limit,
    ]);
    return row.n;
  }
}

/**
 * Keeps the indicators' running totals small and their business times stored: in each
 * municipality, times the answers not timed yet on its calendar as it is now, after forgetting
 * those timed on a calendar it no longer has; then compacts the rows the triggers and the
 * timing appended (every municipality, one fiscal year at a time). Reports are exact whatever this has done or not
 * done yet; it only makes them cheaper.
 */
@Injectable()
export class ReportRollups {
  private readonly clocks = new WeakMap<BusinessCalendar, BusinessClock>();

  constructor(
    private readonly db: Db,
    private readonly dataSource: DataSource,
    private readonly calendars: CalendarService,
    private readonly repo: ReportRollupsRepository,
  ) {}

  /** One pass over every municipality, compaction last (timing appends rows too); true when more work is waiting right away. */
  async pass(limit = ANSWER_TIMES_PER_PASS): Promise<boolean> {
    let busy = false;
    const municipalities: Array<{ id: string }> = await this.dataSource.query('SELECT id FROM municipality_ids()');
    for (const { id } of municipalities) {
      const done = await this.db.forMunicipality(id, async () => {
        const { calendar } = await this.calendars.current();
        const key = calendarKey(calendar);
        const reset = await this.repo.resetAnswerTimes(id, key, limit);
        return reset + (await this.repo.fillAnswerTimes(id, key, this.clockOf(calendar), limit));
      });
      if (done >= limit) busy = true;
    }
    const [{ n: compacted }] = await this.dataSource.query(`SELECT compact_report_tallies($1) AS n`, [YEARS_PER_PASS]);
    return busy || compacted >= YEARS_PER_PASS;
  }

  /** From STORED_CLOCK_FIRST to tomorrow (an answer is never later than now). */
  private clockOf(calendar: BusinessCalendar): BusinessClock {
    const last = addDaysToDate(tokyoToday(), 1);
    let clock = this.clocks.get(calendar);
    if (!clock || clock.last !== last) this.clocks.set(calendar, (clock = businessClock(calendar, STORED_CLOCK_FIRST, last)));
    return clock;
  }
}
