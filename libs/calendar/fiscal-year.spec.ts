import {
  addDaysToDate,
  addMonthsToDate,
  fiscalYearOf,
  fiscalYearRange,
  isValidDateString,
  tokyoDate,
  tokyoToday,
  warekiFiscalYearLabel,
} from './fiscal-year';

describe('tokyoDate / tokyoToday', () => {
  it('gives the Asia/Tokyo date, which runs 9 hours ahead of UTC', () => {
    expect(tokyoDate(new Date('2026-06-04T14:59:59.999Z'))).toBe('2026-06-04');
    expect(tokyoDate(new Date('2026-06-04T15:00:00Z'))).toBe('2026-06-05');
    expect(tokyoDate(new Date('2026-12-31T15:00:00Z'))).toBe('2027-01-01');
    expect(tokyoDate(new Date('1969-12-31T15:00:00Z'))).toBe('1970-01-01');
    expect(tokyoDate(new Date('1969-12-31T14:59:59Z'))).toBe('1969-12-31');
  });

  it('agrees with Intl over a sweep of instants', () => {
    const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' });
    const mismatches: string[] = [];
    for (let ms = Date.parse('2019-01-01T00:00:00Z'); ms < Date.parse('2029-01-01T00:00:00Z'); ms += 7 * 3_600_000 + 13 * 60_000) {
      const d = new Date(ms);
      if (tokyoDate(d) !== fmt.format(d)) mismatches.push(d.toISOString());
    }
    expect(mismatches).toEqual([]);
  });

  it('tokyoToday uses the injected clock', () => {
    expect(tokyoToday(new Date('2026-03-31T15:00:00Z'))).toBe('2026-04-01');
    expect(isValidDateString(tokyoToday())).toBe(true);
  });

  it('rejects Invalid Date', () => {
    expect(() => tokyoDate(new Date('nope'))).toThrow(RangeError);
  });
});

describe('fiscalYearOf', () => {
  it('switches at Tokyo midnight on April 1, not UTC midnight', () => {
    expect(fiscalYearOf(new Date('2027-03-31T23:00:00+09:00'))).toBe(2026);
    expect(fiscalYearOf(new Date('2027-03-31T23:59:59.999+09:00'))).toBe(2026);
    expect(fiscalYearOf(new Date('2027-04-01T00:00:00+09:00'))).toBe(2027);
    // The same instant as above, written in UTC: still March 31 there, April 1 in Tokyo.
    expect(fiscalYearOf(new Date('2027-03-31T15:00:00Z'))).toBe(2027);
    expect(fiscalYearOf(new Date('2027-03-31T14:59:59Z'))).toBe(2026);
  });

  it('accepts dates', () => {
    expect(fiscalYearOf('2026-04-01')).toBe(2026);
    expect(fiscalYearOf('2027-03-31')).toBe(2026);
    expect(fiscalYearOf('2027-01-01')).toBe(2026);
    expect(fiscalYearOf('2026-12-31')).toBe(2026);
    expect(() => fiscalYearOf('2026-13-01')).toThrow(RangeError);
  });
});

describe('fiscalYearRange', () => {
  it('spans April 1 to March 31 with Tokyo-midnight instants', () => {
    const r = fiscalYearRange(2026);
    expect(r.startDate).toBe('2026-04-01');
    expect(r.endDate).toBe('2027-03-31');
    expect(r.from.toISOString()).toBe('2026-03-31T15:00:00.000Z');
    expect(r.toExclusive.toISOString()).toBe('2027-03-31T15:00:00.000Z');
    expect(fiscalYearOf(r.from)).toBe(2026);
    expect(fiscalYearOf(new Date(r.toExclusive.getTime() - 1))).toBe(2026);
    expect(fiscalYearOf(r.toExclusive)).toBe(2027);
  });

  it('ends on March 31 whatever the leap year', () => {
    expect(fiscalYearRange(2019).endDate).toBe('2020-03-31');
    expect(fiscalYearRange(2027).endDate).toBe('2028-03-31');
  });
});

describe('warekiFiscalYearLabel', () => {
  it('labels Reiwa and Heisei fiscal years', () => {
    expect(warekiFiscalYearLabel(2026)).toBe('令和8年度');
    expect(warekiFiscalYearLabel(2020)).toBe('令和2年度');
    expect(warekiFiscalYearLabel(2019)).toBe('令和元年度'); // began April 2019, before Reiwa (May 1)
    expect(warekiFiscalYearLabel(2018)).toBe('平成30年度');
    expect(warekiFiscalYearLabel(1989)).toBe('平成元年度');
  });

  it('labels Showa fiscal years', () => {
    expect(warekiFiscalYearLabel(1988)).toBe('昭和63年度');
    expect(warekiFiscalYearLabel(1970)).toBe('昭和45年度');
  });

  it('rejects non-integer years', () => {
    expect(() => warekiFiscalYearLabel(2026.5)).toThrow(RangeError);
  });
});

describe('addMonthsToDate / addDaysToDate', () => {
  it('clamps to the end of shorter months', () => {
    expect(addMonthsToDate('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonthsToDate('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonthsToDate('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonthsToDate('2026-08-31', 1)).toBe('2026-09-30');
  });

  it('crosses years both ways', () => {
    expect(addMonthsToDate('2026-11-15', 3)).toBe('2027-02-15');
    expect(addMonthsToDate('2026-02-15', -3)).toBe('2025-11-15');
    expect(addMonthsToDate('2026-04-01', 12)).toBe('2027-04-01');
    expect(addMonthsToDate('2026-04-01', 0)).toBe('2026-04-01');
  });

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDaysToDate('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDaysToDate('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDaysToDate('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDaysToDate('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDaysToDate('2026-01-01', 365)).toBe('2027-01-01');
  });

  it('rejects invalid input', () => {
    expect(() => addDaysToDate('2026-02-29', 1)).toThrow(RangeError);
    expect(() => addMonthsToDate('2026-01-31', 0.5)).toThrow(RangeError);
  });
});

describe('isValidDateString', () => {
  it('accepts strict real dates only', () => {
    expect(isValidDateString('2026-04-01')).toBe(true);
    expect(isValidDateString('2028-02-29')).toBe(true);
    expect(isValidDateString('2000-02-29')).toBe(true);
    for (const bad of ['2026-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '2026-4-1', '2026/04/01', '2026-04-01T00:00', ' 2026-04-01', '0000-01-01', '２０２６-04-01', '']) {
      expect([bad, isValidDateString(bad)]).toEqual([bad, false]);
    }
    expect(isValidDateString(undefined as unknown as string)).toBe(false);
  });
});
