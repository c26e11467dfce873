import { csvField, csvLine } from './indicators-csv';

describe('CSV for Excel', () => {
  it('quotes fields with commas, quotes and line breaks, and doubles quotes', () => {
    expect(csvField('来所')).toBe('来所');
    expect(csvField('債務・家賃、ローン,税')).toBe('"債務・家賃、ローン,税"');
    expect(csvField('"北部" センター')).toBe('"""北部"" センター"');
    expect(csvField('一行目\n二行目')).toBe('"一行目\n二行目"');
    expect(csvField(12)).toBe('12');
    expect(csvField(2.5)).toBe('2.5');
    expect(csvField(null)).toBe('');
  });

  it('keeps typed text from running as a formula', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+81 センター')).toBe("'+81 センター");
    expect(csvField('@team')).toBe("'@team");
  });

  it('ends every line with CRLF', () => {
    expect(csvLine(['相談経路', '来所', 12])).toBe('相談経路,来所,12\r\n');
  });
});
