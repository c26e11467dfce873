// Business days (開庁日) and due times for a municipality, in Asia/Tokyo.
import holidayJp from '@holiday-jp/holiday_jp';
import {
  MS_PER_HOUR,
  MS_PER_MINUTE,
  civilFromDays,
  daysFromCivil,
  formatDay,
  instantMs,
  isLeapYear,
  parseDay,
  tokyoDayOfMs,
  tokyoMsAt,
  weekdayOfDay,
} from './day-number';

export interface CalendarSettings {
  /** The municipality's own closed days (by ordinance), 'YYYY-MM-DD'. */
  extraHolidays: string[];
  /** Days it opens though they would be closed (休日開庁), 'YYYY-MM-DD'; these win over every closure. */
  extraOpenDays: string[];
  /** 'HH:MM' Asia/Tokyo. */
  openingTime: string;
  /** 'HH:MM' Asia/Tokyo; due dates fall due at this time. */
  closingTime: string;
}

export const DEFAULT_CALENDAR_SETTINGS: Readonly<CalendarSettings> = Object.freeze({
  extraHolidays: [],
  extraOpenDays: [],
  openingTime: '08:30',
  closingTime: '17:15',
});

// National holidays (祝日, 振替休日, 国民の休日) come only from @holiday-jp/holiday_jp.
// Its isHoliday() scans every key per call, so index the data once as day numbers.
const NATIONAL_HOLIDAYS: ReadonlySet<number> = new Set(Object.keys(holidayJp.holidays).map(parseDay));

function parseTime(value: string, field: string): number {
  const match = typeof value === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value) : null;
  if (!match) throw new RangeError(`${field} must be 'HH:MM' (00:00–23:59): ${String(value)}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function parseDays(values: readonly string[], field: string): Set<number> {
  if (!Array.isArray(values)) throw new RangeError(`${field} must be an array of 'YYYY-MM-DD' dates`);
  return new Set(values.map(parseDay));
}

/**
 * A municipality's business calendar. Immutable once built; results are cached per
 * date, so build one per settings version and reuse it.
 *
 * National holiday data covers the years @holiday-jp/holiday_jp ships (1970–2050 in
 * 2.5.1); outside them only weekends, 12/29–1/3 and the settings apply.
 */
export class BusinessCalendar {
  readonly settings: Readonly<CalendarSettings>;

  private readonly openingMinutes: number;
  private readonly closingMinutes: number;
  private readonly openMsPerDay: number;
  private readonly extraHolidayDays: ReadonlySet<number>;
  private readonly extraOpenDayNumbers: ReadonlySet<number>;

  private readonly businessDayCache = new Map<number, boolean>();
  private readonly nextOnOrAfterCache = new Map<number, number>();
  // Per calendar year: prefix[i] = business days among the year's first i days.
  private readonly yearPrefixCache = new Map<number, Int32Array>();
  // (Tokyo day, N) → closing-time ms of the Nth business day after it.
  private readonly dueAfterCache = new Map<number, number>();

  constructor(settings: Partial<CalendarSettings> = {}) {
    const merged: CalendarSettings = {
      extraHolidays: [...(settings.extraHolidays ?? DEFAULT_CALENDAR_SETTINGS.extraHolidays)],
      extraOpenDays: [...(settings.extraOpenDays ?? DEFAULT_CALENDAR_SETTINGS.extraOpenDays)],
      openingTime: settings.openingTime ?? DEFAULT_CALENDAR_SETTINGS.openingTime,
      closingTime: settings.closingTime ?? DEFAULT_CALENDAR_SETTINGS.closingTime,
    };
    this.openingMinutes = parseTime(merged.openingTime, 'openingTime');
    this.closingMinutes = parseTime(merged.closingTime, 'closingTime');
    if (this.openingMinutes >= this.closingMinutes) {
      throw new RangeError(`openingTime (${merged.openingTime}) must be before closingTime (${merged.closingTime})`);
    }
    this.openMsPerDay = (this.closingMinutes - this.openingMinutes) * MS_PER_MINUTE;
    this.extraHolidayDays = parseDays(merged.extraHolidays, 'extraHolidays');
    this.extraOpenDayNumbers = parseDays(merged.extraOpenDays, 'extraOpenDays');
    this.settings = Object.freeze({
      ...merged,
      extraHolidays: Object.freeze(merged.extraHolidays) as string[],
      extraOpenDays: Object.freeze(merged.extraOpenDays) as string[],
    });
  }

  isBusinessDay(date: string): boolean {
    return this.isBusinessDayNumber(parseDay(date));
  }

  nextBusinessDayOnOrAfter(date: string): string {
    return formatDay(this.nextOnOrAfter(parseDay(date)));
  }

  /** The Nth business day strictly after `from` (days >= 1); 0 gives nextBusinessDayOnOrAfter(from). */
  addBusinessDays(from: string, days: number): string {
    return formatDay(this.addBusinessDayNumbers(parseDay(from), days));
  }

  openingInstant(date: string): Date {
    return new Date(tokyoMsAt(parseDay(date), this.openingMinutes));
  }

  closingInstant(date: string): Date {
    return new Date(tokyoMsAt(parseDay(date), this.closingMinutes));
  }

  /** A due date falls due at closing time that day, or on the next business day when it is closed. */
  dueAtForDate(date: string): Date {
    return new Date(tokyoMsAt(this.nextOnOrAfter(parseDay(date)), this.closingMinutes));
  }

  /** "N business days" from an act: closing time of the Nth business day after the act's Tokyo date. */
  dueAfterBusinessDays(act: Date, days: number): Date {
    const actDay = tokyoDayOfMs(instantMs(act));
    // Small N (the common 1–5) is cached by day; arbitrary N is computed each time.
    const key = Number.isInteger(days) && days >= 0 && days < 1024 ? actDay * 1024 + days : undefined;
    if (key !== undefined) {
      const cached = this.dueAfterCache.get(key);
      if (cached !== undefined) return new Date(cached);
    }
    const ms = tokyoMsAt(this.addBusinessDayNumbers(actDay, days), this.closingMinutes);
    if (key !== undefined) this.dueAfterCache.set(key, ms);
    return new Date(ms);
  }

  /** Business days d with tokyoDate(from) < d <= tokyoDate(to); 0 when to <= from. */
  businessDaysBetween(from: Date, to: Date): number {
    const fromMs = instantMs(from);
    const toMs = instantMs(to);
    if (toMs <= fromMs) return 0;
    return this.countBusinessDays(tokyoDayOfMs(fromMs), tokyoDayOfMs(toMs));
  }

  /** Hours (fractional) within opening hours on business days between the two instants; 0 when to <= from. */
  businessHoursBetween(from: Date, to: Date): number {
    const fromMs = instantMs(from);
    const toMs = instantMs(to);
    if (toMs <= fromMs) return 0;
    const firstDay = tokyoDayOfMs(fromMs);
    const lastDay = tokyoDayOfMs(toMs);
    let ms: number;
    if (firstDay === lastDay) {
      ms = this.openOverlapMs(firstDay, fromMs, toMs);
    } else {
      // Whole days in between are counted, not walked, so long spans stay cheap.
      ms =
        this.openOverlapMs(firstDay, fromMs, Infinity) +
        this.countBusinessDays(firstDay, lastDay - 1) * this.openMsPerDay +
        this.openOverlapMs(lastDay, -Infinity, toMs);
    }
    return ms / MS_PER_HOUR;
  }

  private isBusinessDayNumber(day: number): boolean {
    const cached = this.businessDayCache.get(day);
    if (cached !== undefined) return cached;
    const result = this.computeIsBusinessDay(day);
    this.businessDayCache.set(day, result);
    return result;
  }

  private computeIsBusinessDay(day: number): boolean {
    if (this.extraOpenDayNumbers.has(day)) return true;
    const weekday = weekdayOfDay(day);
    if (weekday === 0 || weekday === 6) return false;
    if (NATIONAL_HOLIDAYS.has(day) || this.extraHolidayDays.has(day)) return false;
    const [, month, dayOfMonth] = civilFromDays(day);
    // Year-end and New Year closure (年末年始, 12/29–1/3) under local-government holiday ordinances.
    if ((month === 12 && dayOfMonth >= 29) || (month === 1 && dayOfMonth <= 3)) return false;
    return true;
  }

  private nextOnOrAfter(day: number): number {
    const cached = this.nextOnOrAfterCache.get(day);
    if (cached !== undefined) return cached;
    let d = day;
    while (!this.isBusinessDayNumber(d)) d++;
    this.nextOnOrAfterCache.set(day, d);
    return d;
  }

  private addBusinessDayNumbers(from: number, days: number): number {
    if (!Number.isInteger(days) || days < 0) throw new RangeError(`days must be a non-negative integer: ${days}`);
    if (days === 0) return this.nextOnOrAfter(from);
    let d = from;
    for (let remaining = days; remaining > 0; ) {
      d++;
      if (this.isBusinessDayNumber(d)) remaining--;
    }
    return d;
  }

  private yearPrefix(year: number): Int32Array {
    let prefix = this.yearPrefixCache.get(year);
    if (prefix) return prefix;
    const start = daysFromCivil(year, 1, 1);
    const length = isLeapYear(year) ? 366 : 365;
    prefix = new Int32Array(length + 1);
    for (let i = 0; i < length; i++) prefix[i + 1] = prefix[i] + (this.isBusinessDayNumber(start + i) ? 1 : 0);
    this.yearPrefixCache.set(year, prefix);
    return prefix;
  }

  /** Business days d with afterDay < d <= throughDay. */
  private countBusinessDays(afterDay: number, throughDay: number): number {
    if (throughDay <= afterDay) return 0;
    const [yearA] = civilFromDays(afterDay);
    const [yearB] = civilFromDays(throughDay);
    const prefixA = this.yearPrefix(yearA);
    const indexA = afterDay - daysFromCivil(yearA, 1, 1) + 1; // days of yearA up to and including afterDay
    const prefixB = yearA === yearB ? prefixA : this.yearPrefix(yearB);
    const indexB = throughDay - daysFromCivil(yearB, 1, 1) + 1;
    if (yearA === yearB) return prefixB[indexB] - prefixA[indexA];
    let count = prefixA[prefixA.length - 1] - prefixA[indexA] + prefixB[indexB];
    for (let y = yearA + 1; y < yearB; y++) {
      const p = this.yearPrefix(y);
      count += p[p.length - 1];
    }
    return count;
  }

  /** Milliseconds of [startMs, endMs) that fall within opening hours on `day`. */
  private openOverlapMs(day: number, startMs: number, endMs: number): number {
    if (!this.isBusinessDayNumber(day)) return 0;
    const open = tokyoMsAt(day, this.openingMinutes);
    const close = tokyoMsAt(day, this.closingMinutes);
    return Math.max(0, Math.min(endMs, close) - Math.max(startMs, open));
  }
}
