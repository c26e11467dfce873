import { AGENCY_KINDS } from '@tsunagi/vocabularies';
import type { AgencyRow } from './reporting.repository';

/**
 * The order agencies appear in in every report: by kind as the vocabulary lists them (the
 * desk first), then by code. Tables of one municipality then read alike year after year.
 */
export function agencyOrder(agencies: AgencyRow[]): (a: string, b: string) => number {
  const kindRank = (kind: string) => {
    const i = (AGENCY_KINDS as readonly string[]).indexOf(kind);
    return i < 0 ? AGENCY_KINDS.length : i;
  };
  const sorted = [...agencies].sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const rank = new Map(sorted.map((a, i) => [a.id, i]));
  return (a, b) => (rank.get(a) ?? sorted.length) - (rank.get(b) ?? sorted.length);
}
