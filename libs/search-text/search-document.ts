import { searchGrams } from './grams';
import { normalizeForSearch } from './normalize';

/**
 * Joins normalised values in `SearchDocument.text`. A normalised value never contains a
 * space, and neither does a normalised query, so a `LIKE` recheck on the joined text can
 * never match across two values (山田 + 太郎 must not make a row match "田太").
 */
export const SEARCH_TEXT_SEPARATOR = ' ';

export interface SearchDocument {
  /** The normalised values joined by `SEARCH_TEXT_SEPARATOR`; the column the `LIKE` rechecks. */
  text: string;
  /** The union of each value's grams; the `text[]` column with the GIN index. */
  grams: string[];
}

/**
 * What to store for a row searched by several values (every member's name and kana, a
 * resource's name, kana and description). Grams are taken per value, never from the joined
 * text, so no bigram spans two values. Missing and blank values are skipped.
 */
export function buildSearchDocument(values: ReadonlyArray<string | null | undefined>): SearchDocument {
  const normalized: string[] = [];
  const grams = new Set<string>();
  for (const value of Array.isArray(values) ? values : []) {
    const text = normalizeForSearch(value as string);
    if (text === '') continue;
    normalized.push(text);
    for (const gram of searchGrams(text)) grams.add(gram);
  }
  return { text: normalized.join(SEARCH_TEXT_SEPARATOR), grams: [...grams] };
}
