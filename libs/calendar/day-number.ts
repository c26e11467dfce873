// Internal date arithmetic on "day numbers" (days since 1970-01-01, proleptic Gregorian).
// Pure integer maths, no Date parsing and no Intl, because these run in hot paths.
// Asia/Tokyo is UTC+9 all year (no DST since 1951), so a fixed offset is exact.

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;
export const TOKYO_OFFSET_MS = 9 * MS_PER_HOUR;

/** Days since 1970-01-01 for a civil date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Civil [year, month, day] for a day number (inverse of daysFromCivil). */
export function civilFromDays(dayNumber: number): [number, number, number] {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** 0 = Sunday … 6 = Saturday. 1970-01-01 was a Thursday. */
export function weekdayOfDay(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/** Day number of a strict 'YYYY-MM-DD' real date (year 0001–9999), or NaN. */
export function tryParseDay(s: string): number {
  if (typeof s !== 'string' || s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const y0 = digit(s, 0), y1 = digit(s, 1), y2 = digit(s, 2), y3 = digit(s, 3);
  const m0 = digit(s, 5), m1 = digit(s, 6), d0 = digit(s, 8), d1 = digit(s, 9);
  if ((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1) < 0) return NaN;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  return daysFromCivil(year, month, day);
}

// Parsed and formatted dates are cached: the set of distinct dates an application
// touches is small (tens of thousands at most), while calls number in the millions.
const parseCache = new Map<string, number>();
const formatCache = new Map<number, string>();

/** Day number of a 'YYYY-MM-DD' date; throws RangeError when it is not a real date. */
export function parseDay(s: string): number {
  const cached = parseCache.get(s);
  if (cached !== undefined) return cached;
  const n = tryParseDay(s);
  if (Number.isNaN(n)) throw new RangeError(`Invalid date (expected YYYY-MM-DD): ${String(s)}`);
  parseCache.set(s, n);
  return n;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** 'YYYY-MM-DD' for a day number. */
export function formatDay(dayNumber: number): string {
  const cached = formatCache.get(dayNumber);
  if (cached !== undefined) return cached;
  const [y, m, d] = civilFromDays(dayNumber);
  if (y < 1 || y > 9999) throw new RangeError(`Date out of range: year ${y}`);
  const s = `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
  formatCache.set(dayNumber, s);
  return s;
}

/** Epoch milliseconds of a Date, rejecting Invalid Date rather than propagating NaN. */
export function instantMs(instant: Date): number {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('Invalid Date');
  return ms;
}

/** Tokyo day number of an epoch-millisecond instant. */
export function tokyoDayOfMs(ms: number): number {
  return Math.floor((ms + TOKYO_OFFSET_MS) / MS_PER_DAY);
}

/** Epoch milliseconds of a Tokyo wall-clock time (minutes after midnight) on a day. */
export function tokyoMsAt(dayNumber: number, minutesOfDay: number): number {
  return dayNumber * MS_PER_DAY + minutesOfDay * MS_PER_MINUTE - TOKYO_OFFSET_MS;
}
