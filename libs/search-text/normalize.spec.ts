import { normalizeForSearch } from './normalize';

const finds = (query: string, value: string) => normalizeForSearch(value).includes(normalizeForSearch(query));

describe('normalizeForSearch', () => {
  it.each([
    ['山田 太郎', '山田太郎'],
    ['山田　太郎', '山田太郎'], // U+3000
    ['ヤマダ タロウ', 'やまだたろう'],
    ['ﾔﾏﾀﾞ ﾀﾛｳ', 'やまだたろう'], // half-width, voiced mark composed
    ['ヤマタ゛', 'やまだ'], // spacing voiced mark typed after the kana
    ['ﾊﾟﾊﾟ', 'ぱぱ'],
    ['ＡＢＣ ａｂｃ １２３', 'abcabc123'],
    ['John Smith', 'johnsmith'],
    ['ジョン・スミス', 'じょんすみす'],
    ['ｼﾞｮﾝ･ｽﾐｽ', 'じょんすみす'],
    ['ヴィッキー', 'ゔぃっき'], // ヴ → ゔ, small kana kept, long-vowel mark dropped
    ['ヵヶァィゥェォャュョッヮ', 'ゕゖぁぃぅぇぉゃゅょっゎ'],
    ['ルーシー', 'るし'],
    ['ル-シ-', 'るし'],
    ['ル‐シ−', 'るし'],
    ['髙橋', '高橋'],
    ['山﨑', '山崎'],
    ['渡邊', '渡辺'],
    ['渡邉', '渡辺'],
    ['齋藤', '斎藤'],
    ['𠮷田', '吉田'],
    ['辻\u{E0100}', '辻'], // IVS dropped
    ['神', '神'], // U+FA19 compatibility ideograph, folded by NFKC
    ['e\u0301', 'é'], // combining sequence composed
  ])('%j → %j', (input, expected) => {
    expect(normalizeForSearch(input)).toBe(expected);
  });

  describe('a query finds the name it should', () => {
    const name = '山田 太郎';
    const kana = 'ヤマダ タロウ';
    it.each([
      ['山田', name],
      ['山田太郎', name],
      ['山田　太郎', name],
      ['田', name],
      ['ヤマダ', kana],
      ['やまだ', kana],
      ['ﾔﾏﾀﾞ', kana],
      ['やまだ たろう', kana],
      ['たろう', kana],
      ['高橋', '髙橋 一郎'],
      ['髙橋', '高橋 一郎'],
      ['渡辺', '渡邊 花子'],
      ['渡邉', '渡辺 花子'],
      ['渡邊', '渡邉 花子'],
      ['ワタナベ', 'わたなべ はなこ'],
    ])('%j finds %j', (query, value) => {
      expect(finds(query, value)).toBe(true);
    });

    it('does not find what it should not', () => {
      expect(finds('山本', name)).toBe(false);
      expect(finds('やまだ', name)).toBe(false); // kanji and kana are separate values
      expect(finds('斉藤', '齋藤')).toBe(true);
      expect(finds('高橋', '高田')).toBe(false);
    });
  });

  describe('robustness: never throws, always a well-formed string', () => {
    const wellFormed = (s: string) => !/[\uD800-\uDFFF]/u.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));

    it.each([
      ['empty', ''],
      ['only spaces', ' \u3000\t\n'],
      ['lone high surrogate', '山\uD800田'],
      ['lone low surrogate', '\uDC00やまだ'],
      ['reversed pair', '\uDC00\uD800'],
      ['lone combining marks', '\u0301\u3099\u309A'],
      ['many combining marks', 'a' + '\u0301'.repeat(500)],
      ['NUL and controls', 'やま\u0000だ\u0007\u001B'],
      ['zero-width and BOM', '\uFEFF山\u200B田\u200D'],
      ['emoji and ZWJ', '👨‍👩‍👧 山田'],
      ['10,000 characters', 'ヤマダ'.repeat(3334)],
      ['10,000 mixed', Array.from({ length: 10_000 }, (_, i) => String.fromCharCode(i * 7 + 1)).join('')],
    ])('%s', (_label, input) => {
      const out = normalizeForSearch(input);
      expect(typeof out).toBe('string');
      expect(wellFormed(out)).toBe(true);
      expect(out).not.toMatch(/[\s\u0000]/u);
    });

    it('removes lone surrogates but keeps valid pairs', () => {
      expect(normalizeForSearch('山\uD800田')).toBe('山田');
      expect(normalizeForSearch('𠮷\uDC00')).toBe('吉');
    });

    it('turns non-strings into an empty string', () => {
      for (const value of [null, undefined, 42, {}, ['山田']]) {
        expect(normalizeForSearch(value as unknown as string)).toBe('');
      }
    });

    it('is idempotent, so stored text re-normalised at query time is unchanged', () => {
      // Deterministic pseudo-random strings across the ranges the steps touch.
      const ranges: Array<[number, number]> = [
        [0x20, 0x7e], [0xa0, 0x24f], [0x300, 0x36f], [0x370, 0x3ff], [0x2000, 0x206f], [0x2460, 0x24ff],
        [0x3000, 0x30ff], [0x3300, 0x33ff], [0x4e00, 0x9fff], [0xf900, 0xfaff], [0xfe00, 0xfe6f],
        [0xff00, 0xffef], [0xd800, 0xdfff], [0x20000, 0x20fff], [0xe0100, 0xe01ef],
      ];
      let seed = 20260401;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (let n = 0; n < 2000; n++) {
        let s = '';
        for (let i = 0; i < 1 + Math.floor(next() * 12); i++) {
          const [lo, hi] = ranges[Math.floor(next() * ranges.length)];
          const cp = lo + Math.floor(next() * (hi - lo + 1));
          s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
        }
        const once = normalizeForSearch(s);
        expect({ input: s, twice: normalizeForSearch(once) }).toEqual({ input: s, twice: once });
      }
    });
  });
});
