import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError, FieldError } from './domain-error';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? (/^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`) : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      out.push({ field, message: message.replace(/^property (\S+) should not exist$/, 'unknown field') });
    }
    if (error.children?.length) out.push(...flatten(error.children, field));
  }
  return out;
}

/** The deepest nesting a request value may have; no DTO comes near it. */
export const MAX_INPUT_DEPTH = 32;

/** Half of a surrogate pair without its other half: not text, and validator.js's encodeURI throws on it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What a value holds that no DTO may: nesting deeper than MAX_INPUT_DEPTH, NUL characters
 * (PostgreSQL text cannot store them), and lone surrogates. Walked without recursion.
 */
function unstorable(value: unknown): { tooDeep: boolean; fields: FieldError[] } {
  const fields: FieldError[] = [];
  const pending: Array<[unknown, string, number]> = [[value, '', 0]];
  while (pending.length && fields.length < 20) {
    const [item, field, depth] = pending.pop()!;
    if (typeof item === 'string') {
      if (item.includes('\u0000')) fields.push({ field, message: 'must not contain NUL characters' });
      else if (LONE_SURROGATE.test(item)) fields.push({ field, message: 'must be well-formed Unicode text' });
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) return { tooDeep: true, fields };
    for (const [key, child] of Object.entries(item)) {
      pending.push([child, Array.isArray(item) ? `${field}[${key}]` : field ? `${field}.${key}` : key, depth + 1]);
    }
  }
  return { tooDeep: false, fields };
}

/**
 * class-transformer and class-validator recurse into every nested array and object, so a
 * body nested a few thousand levels deep would exhaust the stack, and some validators throw
 * on lone surrogates: refuse such input first, as PostgreSQL would refuse a NUL later.
 */
class BoundedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const { tooDeep, fields } = unstorable(value);
      if (tooDeep) throw new DomainError('validation', 'VALIDATION_FAILED', `The request nests values deeper than ${MAX_INPUT_DEPTH} levels`);
      if (fields.length) {
        const named = fields.map((e) => ({ field: e.field || metadata.data || metadata.type, message: e.message }));
        throw new DomainError('validation', 'VALIDATION_FAILED', named.map((e) => `${e.field}: ${e.message}`).join('; '), named);
      }
    }
    return super.transform(value, metadata);
  }
}

/**
 * The one ValidationPipe: unknown fields are refused (not silently dropped), values are
 * transformed to their DTO types, and failures become a 400 problem naming each field.
 */
export function createValidationPipe(): ValidationPipe {
  return new BoundedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new DomainError('validation', 'VALIDATION_FAILED', fields.map((e) => `${e.field}: ${e.message}`).join('; ') || 'The request is not valid', fields);
    },
  });
}
