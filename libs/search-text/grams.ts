/**
 * Character grams for the index behind Japanese partial search (STYLE.md "Japanese
 * search"): PostgreSQL trigrams cannot serve one- or two-character patterns such as 山田
 * or やまだ, and pg_bigm is not available, so each normalised value is stored with its
 * distinct unigrams and bigrams in a `text[]` column with a GIN index. A query is served by
 * `grams @> queryGrams(q)` to find candidates and `normalized LIKE likePattern(q)` to
 * recheck them (bigrams being present does not mean they are adjacent in that order).
 *
 * Grams are counted in code points, not UTF-16 units, so 𠮷 (outside the BMP) is one
 * character.
 */

/**
 * Only the first 200 characters of a value are indexed. Names and kana are far shorter;
 * long free text (a resource's description) would otherwise add up to two index entries per
 * character to every write and bloat the GIN index. The `LIKE` recheck still reads the whole
 * text, but a phrase that starts beyond this point cannot be found through the index.
 */
export const SEARCH_GRAMS_MAX_CHARS = 200;

/** Distinct unigrams and bigrams of a normalised value (its first `maxChars` characters). */
export function searchGrams(normalized: string, maxChars: number = SEARCH_GRAMS_MAX_CHARS): string[] {
  const chars = codePoints(normalized, maxChars);
  const grams = new Set<string>();
  for (let i = 0; i < chars.length; i++) {
    grams.add(chars[i]);
    if (i + 1 < chars.length) grams.add(chars[i] + chars[i + 1]);
  }
  return [...grams];
}

/**
 * The grams a value must contain to match a normalised query: its distinct bigrams when it
 * has two characters or more, else its one unigram; [] for an empty query (no filter).
 * Bigrams are taken from the first `SEARCH_GRAMS_MAX_CHARS` characters only: fewer keys
 * never lose a match (the `LIKE` recheck decides), and a long pasted query stays cheap.
 */
export function queryGrams(normalizedQuery: string): string[] {
  const chars = codePoints(normalizedQuery, SEARCH_GRAMS_MAX_CHARS);
  if (chars.length === 0) return [];
  if (chars.length === 1) return [chars[0]];
  const grams = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) grams.add(chars[i] + chars[i + 1]);
  return [...grams];
}

/**
 * A `LIKE` pattern matching the normalised query anywhere, with `%`, `_` and `\` escaped
 * (PostgreSQL's default LIKE escape character is the backslash), so a query of "%" does
 * not match everything.
 */
export function likePattern(normalizedQuery: string): string {
  const text = typeof normalizedQuery === 'string' ? normalizedQuery : '';
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function codePoints(text: string, max: number): string[] {
  if (typeof text !== 'string') return [];
  const chars: string[] = [];
  for (const char of text) {
    if (chars.length >= max) break;
    chars.push(char);
  }
  return chars;
}
