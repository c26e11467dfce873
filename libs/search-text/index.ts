export { VARIANT_KANJI } from './variant-kanji';
export { normalizeForSearch } from './normalize';
export { SEARCH_GRAMS_MAX_CHARS, searchGrams, queryGrams, likePattern } from './grams';
export { SEARCH_TEXT_SEPARATOR, buildSearchDocument } from './search-document';
export type { SearchDocument } from './search-document';
