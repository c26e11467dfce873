import { likePattern, queryGrams, SEARCH_GRAMS_MAX_CHARS, searchGrams } from './grams';
import { normalizeForSearch } from './normalize';

// What the database does: GIN `grams @> queryGrams` for candidates, then the LIKE recheck.
const matches = (query: string, value: string) => {
  const q = normalizeForSearch(query);
  const v = normalizeForSearch(value);
  const grams = new Set(searchGrams(v));
  return queryGrams(q).every((gram) => grams.has(gram)) && v.includes(q);
};

describe('searchGrams', () => {
  it('gives the distinct unigrams and bigrams', () => {
    expect(searchGrams('やまだ')).toEqual(['や', 'やま', 'ま', 'まだ', 'だ']);
    expect(searchGrams('ああ')).toEqual(['あ', 'ああ']);
    expect(searchGrams('山')).toEqual(['山']);
    expect(searchGrams('')).toEqual([]);
  });

  it('counts characters by code point', () => {
    expect(searchGrams('𠮷田')).toEqual(['𠮷', '𠮷田', '田']);
  });

  it(`indexes only the first ${SEARCH_GRAMS_MAX_CHARS} characters`, () => {
    const long = Array.from({ length: 10_000 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    const grams = searchGrams(long);
    expect(grams).toHaveLength(SEARCH_GRAMS_MAX_CHARS * 2 - 1);
    expect(grams).not.toContain(String.fromCodePoint(0x4e00 + SEARCH_GRAMS_MAX_CHARS));
    expect(searchGrams(long, 3)).toHaveLength(5);
  });
});

describe('queryGrams', () => {
  it('gives bigrams for two characters or more, the unigram for one, nothing for none', () => {
    expect(queryGrams('山田')).toEqual(['山田']);
    expect(queryGrams('やまだ')).toEqual(['やま', 'まだ']);
    expect(queryGrams('ああああ')).toEqual(['ああ']);
    expect(queryGrams('田')).toEqual(['田']);
    expect(queryGrams('𠮷')).toEqual(['𠮷']);
    expect(queryGrams('')).toEqual([]);
  });

  it('stays bounded for a long pasted query', () => {
    expect(queryGrams('あい'.repeat(5_000)).length).toBeLessThanOrEqual(SEARCH_GRAMS_MAX_CHARS);
  });

  it.each([
    ['山田', '山田 太郎'],
    ['ヤマダ', 'ヤマダ タロウ'],
    ['やまだ', 'ヤマダ タロウ'],
    ['ﾔﾏﾀﾞ', 'ヤマダ タロウ'],
    ['ﾔﾏﾀﾞ ﾀﾛｳ', 'やまだ たろう'],
    ['田太', '山田太郎'],
    ['田', '山田 太郎'], // one-character query
    ['ま', 'ヤマダ タロウ'],
    ['高橋', '髙橋 一郎'],
    ['髙橋', '高橋 一郎'],
    ['渡辺', '渡邊 花子'],
    ['渡邉', '渡辺 花子'],
    ['渡邊', '渡邉 花子'],
    ['山崎', '山﨑 健'],
    ['斎藤', '齋藤 実'],
  ])('%j matches %j through the index and the recheck', (query, value) => {
    expect(matches(query, value)).toBe(true);
  });

  it('rejects through the recheck what the grams alone would let through', () => {
    // Both bigrams are present, but not adjacent in this order.
    expect(searchGrams('やまのまだ')).toEqual(expect.arrayContaining(queryGrams('やまだ')));
    expect(matches('やまだ', 'やまのまだ')).toBe(false);
  });
});

describe('likePattern', () => {
  it('escapes LIKE wildcards and the escape character', () => {
    expect(likePattern('やまだ')).toBe('%やまだ%');
    expect(likePattern('100%')).toBe('%100\\%%');
    expect(likePattern('a_b\\c')).toBe('%a\\_b\\\\c%');
  });
});
