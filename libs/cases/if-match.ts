import { DomainError } from '@tsunagi/common';

/**
 * The version an `If-Match` header names: `"3"`, `W/"3"` or `3`. Missing is 428; a value that
 * is not one of our ETags can never match, so it is 412.
 */
export function parseIfMatch(header: string | undefined): number {
  if (header === undefined || header.trim() === '') {
    throw new DomainError('precondition_required', 'IF_MATCH_REQUIRED', 'Send If-Match with the ETag from your last read');
  }
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) throw new DomainError('precondition_failed', 'VERSION_MISMATCH', 'If-Match does not match the current version');
  return Number(match[1]);
}

export const etag = (version: number) => `"${version}"`;
