import holidayJp from '@holiday-jp/holiday_jp';
import { BusinessCalendar } from './business-calendar';
import { addDaysToDate } from './fiscal-year';

// Holiday names as @holiday-jp/holiday_jp 2.5.1 ships them; asserting the data first
// means a data change shows up here rather than as a puzzling calendar failure.
function holidayName(date: string): string | undefined {
  return (holidayJp.holidays as Record<string, { name: string }>)[date]?.name;
}

const jst = (local: string): Date => new Date(`${local}+09:00`);

describe('BusinessCalendar', () => {
  const cal = new BusinessCalendar();

  describe('holiday data from @holiday-jp/holiday_jp', () => {
    it('has the 2026 holidays the tests below rely on', () => {
      expect(holidayName('2026-04-29')).toBe('昭和の日');
      expect(holidayName('2026-05-03')).toBe('憲法記念日'); // a Sunday
      expect(holidayName('2026-05-04')).toBe('みどりの日');
      expect(holidayName('2026-05-05')).toBe('こどもの日');
      expect(holidayName('2026-05-06')).toBe('こどもの日 振替休日');
      expect(holidayName('2026-09-21')).toBe('敬老の日');
      expect(holidayName('2026-09-22')).toBe('休日'); // 国民の休日
      expect(holidayName('2026-09-23')).toBe('秋分の日');
      expect(holidayName('2025-11-23')).toBe('勤労感謝の日'); // a Sunday
      expect(holidayName('2025-11-24')).toBe('勤労感謝の日 振替休日');
      expect(holidayName('2027-01-01')).toBe('元日');
      for (const notHoliday of ['2026-04-30', '2026-05-01', '2026-05-07', '2026-09-24', '2026-12-28', '2027-01-04', '2027-01-05']) {
        expect(holidayName(notHoliday)).toBeUndefined();
      }
    });
  });

  describe('isBusinessDay', () => {
    it('is true on an ordinary weekday and false at weekends', () => {
      expect(cal.isBusinessDay('2026-06-05')).toBe(true); // Friday
      expect(cal.isBusinessDay('2026-06-06')).toBe(false); // Saturday
      expect(cal.isBusinessDay('2026-06-07')).toBe(false); // Sunday
      expect(cal.isBusinessDay('2026-06-08')).toBe(true); // Monday
    });

    it('closes 12/29–1/3 even on weekdays that are not national holidays', () => {
      expect(cal.isBusinessDay('2026-12-28')).toBe(true);
      for (const d of ['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03']) {
        expect(cal.isBusinessDay(d)).toBe(false);
      }
      expect(cal.isBusinessDay('2027-01-04')).toBe(true);
    });

    it('follows Golden Week 2026 including the substitute holiday for Sunday 5/3', () => {
      const expected: Record<string, boolean> = {
        '2026-04-28': true,
        '2026-04-29': false, // 昭和の日
        '2026-04-30': true,
        '2026-05-01': true,
        '2026-05-02': false, // Saturday
        '2026-05-03': false, // Sunday, 憲法記念日
        '2026-05-04': false, // みどりの日
        '2026-05-05': false, // こどもの日
        '2026-05-06': false, // 振替休日
        '2026-05-07': true,
      };
      for (const [date, open] of Object.entries(expected)) expect([date, cal.isBusinessDay(date)]).toEqual([date, open]);
    });

    it('follows Silver Week 2026 including the 国民の休日 on 9/22', () => {
      expect(cal.isBusinessDay('2026-09-18')).toBe(true);
      for (const d of ['2026-09-19', '2026-09-20', '2026-09-21', '2026-09-22', '2026-09-23']) expect(cal.isBusinessDay(d)).toBe(false);
      expect(cal.isBusinessDay('2026-09-24')).toBe(true);
    });

    it('closes the Monday substitute for a Sunday holiday', () => {
      expect(cal.isBusinessDay('2025-11-24')).toBe(false);
      expect(cal.isBusinessDay('2025-11-25')).toBe(true);
    });

    it('applies extraHolidays and lets extraOpenDays (休日開庁) win over every closure', () => {
      const custom = new BusinessCalendar({
        extraHolidays: ['2026-06-10', '2026-03-29'],
        extraOpenDays: ['2026-03-29', '2026-04-05', '2026-05-04', '2026-12-29'],
      });
      expect(custom.isBusinessDay('2026-06-10')).toBe(false);
      expect(cal.isBusinessDay('2026-06-10')).toBe(true);
      expect(custom.isBusinessDay('2026-03-29')).toBe(true); // Sunday, in both lists: open wins
      expect(custom.isBusinessDay('2026-04-05')).toBe(true); // Sunday
      expect(custom.isBusinessDay('2026-05-04')).toBe(true); // national holiday
      expect(custom.isBusinessDay('2026-12-29')).toBe(true); // year-end
      expect(custom.addBusinessDays('2026-06-09', 1)).toBe('2026-06-11');
    });

    it('rejects malformed dates and settings', () => {
      expect(() => cal.isBusinessDay('2026-02-30')).toThrow(RangeError);
      expect(() => cal.isBusinessDay('2026-6-5')).toThrow(RangeError);
      expect(() => new BusinessCalendar({ extraHolidays: ['2026/06/10'] })).toThrow(RangeError);
      expect(() => new BusinessCalendar({ closingTime: '25:00' })).toThrow(RangeError);
      expect(() => new BusinessCalendar({ openingTime: '17:00', closingTime: '09:00' })).toThrow(RangeError);
    });
  });

  describe('nextBusinessDayOnOrAfter and addBusinessDays', () => {
    it('returns the date itself when it is open, else the next open one', () => {
      expect(cal.nextBusinessDayOnOrAfter('2026-06-05')).toBe('2026-06-05');
      expect(cal.nextBusinessDayOnOrAfter('2026-05-02')).toBe('2026-05-07');
      expect(cal.nextBusinessDayOnOrAfter('2026-12-29')).toBe('2027-01-04');
    });

    it('counts across the year-end closure: 3 business days from Fri 2026-12-25', () => {
      // 12/28 (1), closed 12/29–1/3, 1/4 (2), 1/5 (3)
      expect(cal.addBusinessDays('2026-12-25', 1)).toBe('2026-12-28');
      expect(cal.addBusinessDays('2026-12-25', 2)).toBe('2027-01-04');
      expect(cal.addBusinessDays('2026-12-25', 3)).toBe('2027-01-05');
    });

    it('counts across Golden Week and Silver Week', () => {
      expect(cal.addBusinessDays('2026-04-28', 1)).toBe('2026-04-30');
      expect(cal.addBusinessDays('2026-05-01', 1)).toBe('2026-05-07');
      expect(cal.addBusinessDays('2026-09-18', 1)).toBe('2026-09-24');
      expect(cal.addBusinessDays('2026-09-17', 3)).toBe('2026-09-25');
    });

    it('counts strictly after `from`, also when `from` is closed; 0 days means on or after', () => {
      expect(cal.addBusinessDays('2026-06-06', 1)).toBe('2026-06-08'); // from a Saturday
      expect(cal.addBusinessDays('2026-06-06', 0)).toBe('2026-06-08');
      expect(cal.addBusinessDays('2026-06-05', 0)).toBe('2026-06-05');
      expect(() => cal.addBusinessDays('2026-06-05', -1)).toThrow(RangeError);
      expect(() => cal.addBusinessDays('2026-06-05', 1.5)).toThrow(RangeError);
    });
  });

  describe('instants', () => {
    it('places opening and closing times in Asia/Tokyo (UTC+9)', () => {
      expect(cal.openingInstant('2026-06-05').toISOString()).toBe('2026-06-04T23:30:00.000Z');
      expect(cal.closingInstant('2026-06-05').toISOString()).toBe('2026-06-05T08:15:00.000Z');
    });

    it('dueAtForDate: a Saturday falls due at closing time on the next business day', () => {
      expect(cal.dueAtForDate('2026-06-05').toISOString()).toBe(jst('2026-06-05T17:15:00').toISOString());
      expect(cal.dueAtForDate('2026-06-06')).toEqual(jst('2026-06-08T17:15:00'));
      expect(cal.dueAtForDate('2026-05-02')).toEqual(jst('2026-05-07T17:15:00')); // Saturday before Golden Week
    });

    it('dueAfterBusinessDays from an act on Friday evening', () => {
      const fridayEvening = jst('2026-06-05T19:30:00');
      expect(cal.dueAfterBusinessDays(fridayEvening, 1)).toEqual(jst('2026-06-08T17:15:00'));
      expect(cal.dueAfterBusinessDays(fridayEvening, 3)).toEqual(jst('2026-06-10T17:15:00'));
      // Cached result is a fresh Date each time: callers may mutate what they get.
      const first = cal.dueAfterBusinessDays(fridayEvening, 3);
      first.setTime(0);
      expect(cal.dueAfterBusinessDays(fridayEvening, 3)).toEqual(jst('2026-06-10T17:15:00'));
    });

    it('dueAfterBusinessDays uses the Tokyo date of the act, not the UTC date', () => {
      // Friday 00:30 in Tokyo is still Thursday in UTC.
      const act = new Date('2026-06-04T15:30:00Z');
      expect(cal.dueAfterBusinessDays(act, 1)).toEqual(jst('2026-06-08T17:15:00'));
      // Thursday 23:59 in Tokyo.
      expect(cal.dueAfterBusinessDays(new Date('2026-06-04T14:59:00Z'), 1)).toEqual(jst('2026-06-05T17:15:00'));
    });

    it('honours a custom closing time', () => {
      const custom = new BusinessCalendar({ openingTime: '09:00', closingTime: '17:00' });
      expect(custom.dueAtForDate('2026-06-06').toISOString()).toBe('2026-06-08T08:00:00.000Z');
      expect(custom.dueAfterBusinessDays(jst('2026-06-05T19:30:00'), 3)).toEqual(jst('2026-06-10T17:00:00'));
      expect(custom.openingInstant('2026-06-08')).toEqual(jst('2026-06-08T09:00:00'));
      expect(custom.businessHoursBetween(jst('2026-06-08T00:00:00'), jst('2026-06-09T00:00:00'))).toBe(8);
    });
  });

  describe('businessDaysBetween', () => {
    it('counts business days after the from-date up to and including the to-date', () => {
      expect(cal.businessDaysBetween(jst('2026-06-05T10:00:00'), jst('2026-06-05T16:00:00'))).toBe(0);
      expect(cal.businessDaysBetween(jst('2026-06-05T10:00:00'), jst('2026-06-08T09:00:00'))).toBe(1);
      expect(cal.businessDaysBetween(jst('2026-06-05T10:00:00'), jst('2026-06-07T09:00:00'))).toBe(0);
      expect(cal.businessDaysBetween(jst('2026-12-25T10:00:00'), jst('2027-01-05T10:00:00'))).toBe(3);
      expect(cal.businessDaysBetween(jst('2026-04-28T10:00:00'), jst('2026-05-07T10:00:00'))).toBe(3); // 4/30, 5/1, 5/7
    });

    it('is 0 when to <= from', () => {
      expect(cal.businessDaysBetween(jst('2026-06-10T10:00:00'), jst('2026-06-05T10:00:00'))).toBe(0);
      expect(cal.businessDaysBetween(jst('2026-06-10T10:00:00'), jst('2026-06-10T10:00:00'))).toBe(0);
    });

    it('uses Tokyo dates at the midnight boundary', () => {
      // 2026-06-07T15:00Z is Monday 00:00 in Tokyo, still Sunday in UTC.
      expect(cal.businessDaysBetween(jst('2026-06-05T10:00:00'), new Date('2026-06-07T15:00:00Z'))).toBe(1);
      expect(cal.businessDaysBetween(jst('2026-06-05T10:00:00'), new Date('2026-06-07T14:59:59Z'))).toBe(0);
    });

    it('matches a day-by-day count over multi-year spans', () => {
      const from = jst('2025-11-20T12:00:00');
      const to = jst('2028-02-03T08:00:00');
      let expected = 0;
      for (let d = '2025-11-21'; d <= '2028-02-03'; d = addDaysToDate(d, 1)) if (cal.isBusinessDay(d)) expected++;
      expect(cal.businessDaysBetween(from, to)).toBe(expected);
      expect(expected).toBeGreaterThan(500);
    });
  });

  describe('businessHoursBetween', () => {
    it('counts only opening hours (08:30–17:15 = 8.75 h) on business days', () => {
      expect(cal.businessHoursBetween(jst('2026-06-05T10:00:00'), jst('2026-06-05T12:30:00'))).toBe(2.5);
      expect(cal.businessHoursBetween(jst('2026-06-05T07:00:00'), jst('2026-06-05T20:00:00'))).toBe(8.75);
      // Friday 16:15 → Monday 09:30: 1 h Friday + nothing at the weekend + 1 h Monday.
      expect(cal.businessHoursBetween(jst('2026-06-05T16:15:00'), jst('2026-06-08T09:30:00'))).toBe(2);
      // Whole Golden Week: closed 5/2–5/6.
      expect(cal.businessHoursBetween(jst('2026-05-01T17:00:00'), jst('2026-05-07T08:45:00'))).toBe(0.5);
      // Three full business days between (Tue–Thu) plus partial Monday and Friday.
      expect(cal.businessHoursBetween(jst('2026-06-08T17:00:00'), jst('2026-06-12T09:00:00'))).toBeCloseTo(0.25 + 3 * 8.75 + 0.5, 10);
    });

    it('is 0 outside opening hours, on closed days and when to <= from', () => {
      expect(cal.businessHoursBetween(jst('2026-06-05T18:00:00'), jst('2026-06-08T08:00:00'))).toBe(0);
      expect(cal.businessHoursBetween(jst('2026-05-04T10:00:00'), jst('2026-05-04T15:00:00'))).toBe(0);
      expect(cal.businessHoursBetween(jst('2026-06-05T12:00:00'), jst('2026-06-05T10:00:00'))).toBe(0);
    });
  });

  // A loose guard against pathological regressions (e.g. scanning the holiday list per
  // call); outside Jest this loop takes well under 0.5 s.
  it('keeps up in a hot path (hundreds of thousands of due dates)', () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const t0 = Date.now();
    let last = 0;
    for (let i = 0; i < 300_000; i++) {
      const act = new Date(start + (i % 20_000) * 1_800_000); // spread over ~14 months
      last = cal.dueAfterBusinessDays(act, 3).getTime() + cal.dueAtForDate('2026-07-18').getTime();
    }
    expect(last).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
