// Tokyo dates and Japanese fiscal years (年度, April 1 – March 31, Asia/Tokyo).
import {
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  formatDay,
  instantMs,
  parseDay,
  tokyoDayOfMs,
  tokyoMsAt,
  tryParseDay,
} from './day-number';

/** 'YYYY-MM-DD' of an instant in Asia/Tokyo. */
export function tokyoDate(instant: Date): string {
  return formatDay(tokyoDayOfMs(instantMs(instant)));
}

/** Today's date in Asia/Tokyo (`now` is injectable for tests and fixed clocks). */
export function tokyoToday(now: Date = new Date()): string {
  return tokyoDate(now);
}

/**
 * Fiscal year (年度) of an instant (taken in Asia/Tokyo) or of a 'YYYY-MM-DD' date:
 * the calendar year in which its April–March period starts.
 */
export function fiscalYearOf(instantOrDate: Date | string): number {
  const day = typeof instantOrDate === 'string' ? parseDay(instantOrDate) : tokyoDayOfMs(instantMs(instantOrDate));
  const [year, month] = civilFromDays(day);
  return month >= 4 ? year : year - 1;
}

function assertFiscalYear(fy: number): void {
  if (!Number.isInteger(fy) || fy < 1 || fy > 9998) throw new RangeError(`Invalid fiscal year: ${fy}`);
}

/**
 * Dates and instants bounding a fiscal year. `from`/`toExclusive` are Tokyo midnights,
 * so a half-open query `from <= t < toExclusive` counts each instant in exactly one year.
 */
export function fiscalYearRange(fy: number): { startDate: string; endDate: string; from: Date; toExclusive: Date } {
  assertFiscalYear(fy);
  const start = daysFromCivil(fy, 4, 1);
  const next = daysFromCivil(fy + 1, 4, 1);
  return {
    startDate: formatDay(start),
    endDate: formatDay(next - 1),
    from: new Date(tokyoMsAt(start, 0)),
    toExclusive: new Date(tokyoMsAt(next, 0)),
  };
}

// Eras by the calendar year in which they began, newest first.
const ERAS: ReadonlyArray<{ name: string; firstYear: number }> = [
  { name: '令和', firstYear: 2019 },
  { name: '平成', firstYear: 1989 },
  { name: '昭和', firstYear: 1926 },
  { name: '大正', firstYear: 1912 },
  { name: '明治', firstYear: 1868 },
];

/**
 * 和暦 label of a fiscal year, e.g. 2026 → '令和8年度'.
 * A fiscal year takes the era that began in (or before) its starting calendar year,
 * which is how municipalities label them: FY2019 (from April 2019, a month before
 * Reiwa began) is 令和元年度, FY2018 is 平成30年度, and FY1988 stayed 昭和63年度
 * although Heisei began in its final quarter.
 */
export function warekiFiscalYearLabel(fy: number): string {
  assertFiscalYear(fy);
  const era = ERAS.find((e) => e.firstYear <= fy);
  if (!era) throw new RangeError(`No supported era for fiscal year ${fy}`);
  const n = fy - era.firstYear + 1;
  return `${era.name}${n === 1 ? '元' : n}年度`;
}

/** Adds calendar months (may be negative), clamping to month end: 2026-01-31 + 1 → 2026-02-28. */
export function addMonthsToDate(date: string, months: number): string {
  if (!Number.isInteger(months)) throw new RangeError(`months must be an integer: ${months}`);
  const [y, m, d] = civilFromDays(parseDay(date));
  const monthIndex = y * 12 + (m - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  return formatDay(daysFromCivil(year, month, Math.min(d, daysInMonth(year, month))));
}

/** Adds calendar days (may be negative). */
export function addDaysToDate(date: string, days: number): string {
  if (!Number.isInteger(days)) throw new RangeError(`days must be an integer: ${days}`);
  return formatDay(parseDay(date) + days);
}

/** True for a strict 'YYYY-MM-DD' string naming a real date (no time part, no 2026-02-30). */
export function isValidDateString(s: string): boolean {
  return !Number.isNaN(tryParseDay(s));
}
