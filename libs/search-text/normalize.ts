import { VARIANT_KANJI } from './variant-kanji';

const VARIANT_TO_COMMON: ReadonlyMap<string, string> = new Map(VARIANT_KANJI);

// Unpaired UTF-16 halves: PostgreSQL cannot store them (node-postgres would turn them into
// U+FFFD on one side only), so they are dropped before anything else.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Ideographic variation selectors (IVS, e.g. 辻󠄀 vs 辻) and standard variation selectors:
// 戸籍 systems export them, typists never type them, and they carry no meaning for search.
const VARIATION_SELECTORS = /[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu;

// Spacing voiced/semi-voiced marks (゛゜, what a typist gets for "ﾀﾞ" pasted as "タ゛") become
// the combining ones, so NFKC composes them with the kana before: タ゛ → ダ. Left alone, NFKC
// would turn them into a space plus a combining mark that then sits on nothing.
const SPACING_SOUND_MARKS = /[\u309B\u309C]/g;

/**
 * Whitespace of every kind (incl. U+3000), control and invisible format characters (NUL
 * cannot be stored in a PostgreSQL text; zero-width spaces come with copy-paste), and the
 * marks people write in a name or not as they please: middle dots (ジョン・スミス) and
 * hyphen-likes, including the long-vowel mark ー because ルーシー is typed with ー, -, ‐
 * or − depending on the keyboard and the older system it came from.
 */
const IGNORED = new RegExp(
  [
    '\\s',
    '\\p{Cc}',
    '\\p{Cf}',
    '[\\u00B7\\u0387\\u2022\\u2027\\u2219\\u22C5\\u30FB\\uFF65]', // middle dots
    '[\\u002D\\u058A\\u1806\\u2010-\\u2015\\u2043\\u2212\\u2E3A\\u2E3B\\u301C\\u30A0\\u30FC\\uFE58\\uFE63\\uFF0D\\uFF70]', // hyphens, dashes, ー
  ].join('|'),
  'gu',
);

// ァ (U+30A1) … ヶ (U+30F6) and ヽヾ sit exactly 0x60 above their hiragana (ぁ … ゖ, ゝゞ);
// ヴ → ゔ is inside that range.
const KATAKANA = /[\u30A1-\u30F6\u30FD\u30FE]/g;

/**
 * Normalises a name or text for search, identically at write time and at query time, so
 * that a query matches when `normalizeForSearch(query)` is a substring of
 * `normalizeForSearch(value)`: NFKC (half-width kana, full-width Latin and digits), no
 * whitespace, middle dots or hyphen-likes, lower-case, katakana as hiragana, variant kanji
 * folded (see `VARIANT_KANJI`). Never throws, whatever it is given; a non-string gives ''.
 */
export function normalizeForSearch(input: string): string {
  // Callers pass values straight from JSON and the database; null must not take a request down.
  if (typeof input !== 'string' || input.length === 0) return '';

  const text = input
    .replace(LONE_SURROGATE, '')
    .replace(VARIATION_SELECTORS, '')
    .replace(SPACING_SOUND_MARKS, (mark) => (mark === '\u309B' ? '\u3099' : '\u309A'))
    .normalize('NFKC')
    .replace(IGNORED, '')
    // After removing spaces: lower-casing is context-sensitive for a few letters (Greek
    // final sigma), and the query has no spaces either.
    .toLowerCase()
    .replace(KATAKANA, (kana) => String.fromCharCode(kana.charCodeAt(0) - 0x60));

  let folded = '';
  for (const char of text) folded += VARIANT_TO_COMMON.get(char) ?? char;
  // Removing characters can bring a base and a combining mark together; NFC composes them
  // so the stored text and the query meet in the same form.
  return folded.normalize('NFC');
}
