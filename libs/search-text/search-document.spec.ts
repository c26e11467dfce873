import { queryGrams } from './grams';
import { normalizeForSearch } from './normalize';
import { buildSearchDocument, SEARCH_TEXT_SEPARATOR } from './search-document';

describe('buildSearchDocument', () => {
  const doc = buildSearchDocument(['山田 太郎', 'ヤマダ タロウ', null, '', '  ', undefined, '髙橋 花子']);

  it('joins the normalised values and skips blank ones', () => {
    expect(doc.text).toBe(['山田太郎', 'やまだたろう', '高橋花子'].join(SEARCH_TEXT_SEPARATOR));
  });

  it('serves every member by name or kana', () => {
    for (const query of ['山田', 'やまだ', 'ヤマダ', '高橋', '髙橋', '花', 'たろう']) {
      const q = normalizeForSearch(query);
      expect(doc.grams).toEqual(expect.arrayContaining(queryGrams(q)));
      expect(doc.text.includes(q)).toBe(true);
    }
  });

  it('never matches across two values', () => {
    // "郎" ends one value and "や" starts the next: no gram and no substring joins them.
    expect(doc.grams).not.toContain('郎や');
    expect(doc.text.includes(normalizeForSearch('郎や'))).toBe(false);
  });

  it('has distinct grams and copes with no values', () => {
    expect(new Set(doc.grams).size).toBe(doc.grams.length);
    expect(buildSearchDocument([])).toEqual({ text: '', grams: [] });
    expect(buildSearchDocument(null as unknown as string[])).toEqual({ text: '', grams: [] });
  });
});
