import { BusinessCalendar } from '@tsunagi/calendar';
import { businessClock, businessMsAt } from './business-clock';

const jst = (local: string) => new Date(`${local}+09:00`);

describe('businessClock', () => {
  const calendar = new BusinessCalendar({ extraHolidays: ['2026-06-10'], extraOpenDays: ['2026-05-04'] });
  const clock = businessClock(calendar, '2025-12-20', '2026-07-10');

  it('lays out every day with the business time before it and its opening instant', () => {
    const index = (date: string) => Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse('2025-12-20T00:00:00Z')) / 86400e3);
    expect(clock.beforeMs).toHaveLength(index('2026-07-10') + 1);
    expect(clock.firstDay).toBe(Date.parse('2025-12-20T00:00:00Z') / 86400e3);
    const i = index('2026-06-05');
    expect(clock.openFromMs[i]).toBe(jst('2026-06-05T08:30:00').getTime());
    expect(clock.openFromMs[i + 1]).toBe(Infinity); // Saturday
    expect(clock.beforeMs[i + 3] - clock.beforeMs[i]).toBe(8.75 * 3600e3); // Fri open, Sat/Sun closed
    expect(clock.openFromMs[index('2026-06-10')]).toBe(Infinity); // the municipality's own holiday
    expect(clock.openFromMs[index('2026-05-04')]).toBe(jst('2026-05-04T08:30:00').getTime()); // 休日開庁
    expect(clock.openFromMs[index('2026-01-02')]).toBe(Infinity); // 年末年始
    expect(clock.openMs).toBe(8.75 * 3600e3);
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
      const viaClock = (businessMsAt(clock, jst(b))! - businessMsAt(clock, jst(a))!) / 3600e3;
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
      expect((businessMsAt(clock, b)! - businessMsAt(clock, a)!) / 3600e3).toBeCloseTo(calendar.businessHoursBetween(a, b), 9);
    }
  });

  it('reads the Tokyo date at midnight and null outside its days', () => {
    expect(businessMsAt(clock, jst('2025-12-20T00:00:00'))).toBe(0);
    expect(businessMsAt(clock, jst('2025-12-19T23:59:59'))).toBeNull();
    expect(businessMsAt(clock, jst('2026-07-10T23:59:59'))).not.toBeNull();
    expect(businessMsAt(clock, jst('2026-07-11T00:00:00'))).toBeNull();
  });
});
