import { addDaysToDate, BusinessCalendar } from '@tsunagi/calendar';

const MS_PER_DAY = 86_400_000;
/** Asia/Tokyo has kept UTC+9 without daylight saving since 1951. */
const TOKYO_OFFSET_MS = 9 * 3_600_000;

/**
 * The municipality calendar laid out day by day for SQL. For each Tokyo date from `first` to
 * `last` (index i from 1, as SQL arrays count): the business milliseconds of the clock's days
 * before it, and its opening instant in epoch ms (Infinity when closed). Business time at
 * an instant t is then
 *   beforeMs[i] + clamp(t − openFromMs[i], 0, openMs),  i = tokyoDayNumber(t) − firstDay + 1
 * and business time between two instants is the difference of two readings: a report
 * computes business hours for millions of referrals in one pass of plain arithmetic, while
 * which days are open still comes from BusinessCalendar alone (national holidays, 12/29–1/3,
 * the municipality's own closed and open days).
 */
export interface BusinessClock {
  first: string;
  last: string;
  /** day number (days since 1970-01-01) of `first` */
  firstDay: number;
  beforeMs: number[];
  openFromMs: number[];
  /** length of a business day's opening window */
  openMs: number;
}

export function businessClock(calendar: BusinessCalendar, first: string, last: string): BusinessClock {
  const beforeMs: number[] = [];
  const openFromMs: number[] = [];
  const openMs = calendar.closingInstant(first).getTime() - calendar.openingInstant(first).getTime();
  let sum = 0;
  for (let day = first; day <= last; day = addDaysToDate(day, 1)) {
    beforeMs.push(sum);
    if (calendar.isBusinessDay(day)) {
      openFromMs.push(calendar.openingInstant(day).getTime());
      sum += openMs;
    } else {
      openFromMs.push(Infinity);
    }
  }
  return { first, last, firstDay: Date.parse(`${first}T00:00:00Z`) / MS_PER_DAY, beforeMs, openFromMs, openMs };
}

/** The clock read at an instant exactly as the SQL reads it (null outside the clock's days). */
export function businessMsAt(clock: BusinessClock, instant: Date): number | null {
  const ms = instant.getTime();
  const i = Math.floor((ms + TOKYO_OFFSET_MS) / MS_PER_DAY) - clock.firstDay;
  if (i < 0 || i >= clock.beforeMs.length) return null;
  return clock.beforeMs[i] + Math.min(Math.max(ms - clock.openFromMs[i], 0), clock.openMs);
}
