import { createHash } from 'node:crypto';
import { addDaysToDate, BusinessCalendar } from '@tsunagi/calendar';

const US_PER_DAY = 86_400_000_000;
/** Asia/Tokyo has kept UTC+9 without daylight saving since 1951. */
const TOKYO_OFFSET_US = 9 * 3_600_000_000;

/**
 * The municipality calendar laid out day by day for SQL, in whole microseconds (the precision
 * of a timestamptz, so every reading is an exact integer). For each Tokyo date from `first`
 * to `last` (index i from 1, as SQL arrays count): the business microseconds of the clock's
 * days before it, and its opening instant in epoch µs (null when closed). Business time at
 * an instant t is then
 *   beforeUs[i] + clamp(t − openFromUs[i], 0, openUs),  i = tokyoDayNumber(t) − firstDay + 1
 * and business time between two instants is the difference of two readings: exact, and the
 * same whatever day the clock starts on, so a duration read on one clock equals the one read
 * on another. A report computes business hours for millions of referrals in one pass of
 * integer arithmetic, while which days are open still comes from BusinessCalendar alone
 * (national holidays, 12/29–1/3, the municipality's own closed and open days).
 */
export interface BusinessClock {
  first: string;
  last: string;
  /** day number (days since 1970-01-01) of `first` */
  firstDay: number;
  beforeUs: number[];
  openFromUs: Array<number | null>;
  /** length of a business day's opening window */
  openUs: number;
}

export function businessClock(calendar: BusinessCalendar, first: string, last: string): BusinessClock {
  const beforeUs: number[] = [];
  const openFromUs: Array<number | null> = [];
  const openUs = (calendar.closingInstant(first).getTime() - calendar.openingInstant(first).getTime()) * 1000;
  let sum = 0;
  for (let day = first; day <= last; day = addDaysToDate(day, 1)) {
    beforeUs.push(sum);
    if (calendar.isBusinessDay(day)) {
      openFromUs.push(calendar.openingInstant(day).getTime() * 1000);
      sum += openUs;
    } else {
      openFromUs.push(null);
    }
  }
  return { first, last, firstDay: Date.parse(`${first}T00:00:00Z`) / 86_400_000, beforeUs, openFromUs, openUs };
}

/** The clock read at an instant (epoch µs) exactly as the SQL reads it (null outside the clock's days). */
export function businessUsAt(clock: BusinessClock, epochUs: number): number | null {
  const i = Math.floor((epochUs + TOKYO_OFFSET_US) / US_PER_DAY) - clock.firstDay;
  if (i < 0 || i >= clock.beforeUs.length) return null;
  const openFrom = clock.openFromUs[i];
  return clock.beforeUs[i] + (openFrom === null ? 0 : Math.min(Math.max(epochUs - openFrom, 0), clock.openUs));
}

/** The days a calendar key covers: every business duration stored under a key lies within them. */
export const CALENDAR_KEY_FIRST = '1970-01-01';
export const CALENDAR_KEY_LAST = '2100-12-31';
const keys = new WeakMap<BusinessCalendar, string>();

/**
 * A name for what a calendar says about business time: its opening hours and which days from
 * 1970 to 2100 are open. Two calendars with the same key give every business duration in
 * those years alike, whatever settings or holiday data they were built from; any change that
 * moves one business hour (an ordinance holiday, 休日開庁, new opening hours, new national
 * holiday data) changes the key. Stored business durations carry it (answer_times.calendar).
 */
export function calendarKey(calendar: BusinessCalendar): string {
  let key = keys.get(calendar);
  if (key) return key;
  const from = Date.parse(`${CALENDAR_KEY_FIRST}T00:00:00Z`) / 86_400_000;
  const to = Date.parse(`${CALENDAR_KEY_LAST}T00:00:00Z`) / 86_400_000;
  const open = new Uint8Array(to - from + 1);
  // Whether each day is open, as business days in (noon the day before, noon that day]:
  // BusinessCalendar counts those from its per-year tables, without a date string per day.
  const noon = (day: number) => new Date(day * 86_400_000 + 3 * 3_600_000);
  let before = noon(from - 1);
  for (let day = from; day <= to; day++) {
    const at = noon(day);
    open[day - from] = calendar.businessDaysBetween(before, at);
    before = at;
  }
  key = createHash('sha256').update(`${calendar.settings.openingTime}-${calendar.settings.closingTime}:`).update(open).digest('hex').slice(0, 32);
  keys.set(calendar, key);
  return key;
}
