import { BusinessCalendar } from '@tsunagi/calendar';
import { businessClock, businessUsAt, calendarKey } from './business-clock';

const jst = (local: string) => new Date(`${local}+09:00`);
const us = (d: Date) => d.getTime() * 1000;

describe('businessClock', () => {
  const calendar = new BusinessCalendar({ extraHolidays: ['2026-06-10'], extraOpenDays: ['2026-05-04'] });
  const clock = businessClock(calendar, '2025-12-20', '2026-07-10');

  it('lays out every day with the business time before it and its opening instant', () => {
    const index = (date: string) => Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse('2025-12-20T00:00:00Z')) / 86400e3);
    expect(clock.beforeUs).toHaveLength(index('2026-07-10') + 1);
    expect(clock.firstDay).toBe(Date.parse('2025-12-20T00:00:00Z') / 86400e3);
    const i = index('2026-06-05');
    expect(clock.openFromUs[i]).toBe(us(jst('2026-06-05T08:30:00')));
    expect(clock.openFromUs[i + 1]).toBeNull(); // Saturday
    expect(clock.beforeUs[i + 3] - clock.beforeUs[i]).toBe(8.75 * 3600e6); // Fri open, Sat/Sun closed
    expect(clock.openFromUs[index('2026-06-10')]).toBeNull(); // the municipality's own holiday
    expect(clock.openFromUs[index('2026-05-04')]).toBe(us(jst('2026-05-04T08:30:00'))); // 休日開庁
    expect(clock.openFromUs[index('2026-01-02')]).toBeNull(); // 年末年始
    expect(clock.openUs).toBe(8.75 * 3600e6);
  });

  it('gives exactly BusinessCalendar.businessHoursBetween as a difference of two readings', () => {
    const pairs: [string, string][] = [
      ['2026-06-05T10:00:00', '2026-06-05T12:30:00'],
      ['2026-06-05T16:15:00', '2026-06-08T09:30:00'],
      ['2026-05-01T17:00:00', '2026-05-07T08:45:00'],
      ['2025-12-26T12:00:00', '2026-01-06T10:00:00'],
      ['2026-06-09T09:00:00', '2026-06-11T09:00:00'],
      ['2026-05-02T10:00:00', '2026-05-04T10:00:00'],
    ];
    for (const [a, b] of pairs) {
      const viaClock = (businessUsAt(clock, us(jst(b)))! - businessUsAt(clock, us(jst(a)))!) / 3600e6;
      expect([a, b, viaClock]).toEqual([a, b, calendar.businessHoursBetween(jst(a), jst(b))]);
    }
    // A pseudo-random sweep over the clock's span.
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const start = jst('2025-12-20T00:00:00').getTime();
    const span = jst('2026-07-10T23:59:59').getTime() - start;
    for (let n = 0; n < 500; n++) {
      const x = new Date(start + Math.floor(next() * span));
      const y = new Date(start + Math.floor(next() * span));
      const [a, b] = x < y ? [x, y] : [y, x];
      expect((businessUsAt(clock, us(b))! - businessUsAt(clock, us(a))!) / 3600e6).toBeCloseTo(calendar.businessHoursBetween(a, b), 9);
    }
  });

  it('reads the Tokyo date at midnight and null outside its days', () => {
    expect(businessUsAt(clock, us(jst('2025-12-20T00:00:00')))).toBe(0);
    expect(businessUsAt(clock, us(jst('2025-12-19T23:59:59')))).toBeNull();
    expect(businessUsAt(clock, us(jst('2026-07-10T23:59:59')))).not.toBeNull();
    expect(businessUsAt(clock, us(jst('2026-07-11T00:00:00')))).toBeNull();
  });

  it('reads a duration alike on clocks that start on different days', () => {
    const later = businessClock(calendar, '2026-03-01', '2026-07-10');
    const [a, b] = [us(jst('2026-05-01T17:00:00')) + 123_457, us(jst('2026-06-09T10:20:30')) + 999_999];
    expect(businessUsAt(later, b)! - businessUsAt(later, a)!).toBe(businessUsAt(clock, b)! - businessUsAt(clock, a)!);
    expect(Number.isInteger(businessUsAt(clock, b)! - businessUsAt(clock, a)!)).toBe(true);
  });
});

describe('calendarKey', () => {
  it('names what a calendar says about business time, not how it was built', () => {
    const plain = calendarKey(new BusinessCalendar());
    expect(plain).toMatch(/^[0-9a-f]{32}$/);
    expect(calendarKey(new BusinessCalendar({ openingTime: '08:30', closingTime: '17:15' }))).toBe(plain);
    // an ordinance holiday on a Sunday changes nothing; on a Wednesday it does
    expect(calendarKey(new BusinessCalendar({ extraHolidays: ['2026-06-07'] }))).toBe(plain);
    expect(calendarKey(new BusinessCalendar({ extraHolidays: ['2026-06-10'] }))).not.toBe(plain);
    expect(calendarKey(new BusinessCalendar({ extraOpenDays: ['2026-06-07'] }))).not.toBe(plain);
    expect(calendarKey(new BusinessCalendar({ closingTime: '17:30' }))).not.toBe(plain);
  });
});
