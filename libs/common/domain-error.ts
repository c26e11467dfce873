/**
 * Domain errors carry a stable code; the HTTP status for each kind is decided here, in one
 * place, and the exception filter turns them into problem+json.
 */
export type ErrorKind =
  | 'validation' // 400
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'precondition_failed' // 412
  | 'rule' // 422
  | 'precondition_required' // 428
  | 'too_many' // 429
  | 'unavailable'; // 503

export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  rule: 422,
  precondition_required: 428,
  too_many: 429,
  unavailable: 503,
};

export interface FieldError {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return STATUS_OF_KIND[this.kind];
  }
}

export const notFound = (what: string) => new DomainError('not_found', 'NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'Your role may not do this') => new DomainError('forbidden', 'FORBIDDEN', message);
export const conflict = (code: string, message: string, extra?: Record<string, unknown>) =>
  new DomainError('conflict', code, message, undefined, extra);
export const ruleViolation = (code: string, message: string, field?: string) =>
  new DomainError('rule', code, message, field ? [{ field, message }] : undefined);
export const badRequest = (code: string, message: string, field?: string) =>
  new DomainError('validation', code, message, field ? [{ field, message }] : undefined);
