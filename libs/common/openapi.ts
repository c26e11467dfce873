import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'household.members[0].birthDate' }) field: string;
  @ApiProperty({ example: 'must not be in the future' }) message: string;
}

/** RFC 9457 problem details, as every error of this API is sent. */
export class ProblemDto {
  @ApiProperty({ example: 'urn:tsunagi:problem:validation-failed' }) type: string;
  @ApiProperty({ example: 'Bad Request' }) title: string;
  @ApiProperty({ example: 400 }) status: number;
  @ApiProperty({ example: 'channel: channel must be one of …' }) detail: string;
  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable machine-readable code' }) code: string;
  @ApiPropertyOptional({ description: 'Request id, also in the X-Request-Id header' }) requestId?: string;
  @ApiPropertyOptional({ type: [FieldErrorDto] }) errors?: FieldErrorDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON, failed validation or unknown fields',
  401: 'No token, or a bad or expired one',
  403: 'The role may not do this',
  404: 'Not found, or not visible to the caller',
  409: 'The resource is not in a state that allows this',
  412: 'If-Match does not match the current version',
  413: 'The body is over the size limit',
  422: 'A domain rule refuses the request',
  428: 'If-Match is required',
  429: 'Too many requests',
  503: 'The database or Redis is not reachable',
};

/** Declares the error statuses of an operation, each as application/problem+json. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}

/** A list response `{ items, nextCursor }` whose items are of the given DTO. */
export function pageSchema(itemRef: string) {
  return {
    type: 'object' as const,
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array' as const, items: { $ref: itemRef } },
      nextCursor: { type: 'string' as const, nullable: true },
    },
  };
}
