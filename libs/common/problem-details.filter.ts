import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { DomainError, FieldError } from './domain-error';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** PostgreSQL SQLSTATEs that mean "the database is not answering", not "the client erred". */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08003', '08006', '08001', '08004', '57014', '55P03', '40P01', '40001']);
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

export function problemType(code: string): string {
  return `urn:tsunagi:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

export function problem(status: number, code: string, detail: string, errors?: FieldError[], extra?: Record<string, unknown>): ProblemDetails {
  return {
    type: problemType(code),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors && errors.length ? { errors } : {}),
    ...(extra ?? {}),
  };
}

/**
 * The one exception filter: every error leaves as RFC 9457 problem+json. Client errors keep
 * their status; anything unexpected becomes a 500 carrying only the request id (the cause is
 * logged, without driver details that may hold row values).
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    this.respond(exception, ctx.getRequest<FastifyRequest>(), ctx.getResponse<FastifyReply>());
  }

  /** Also answers Fastify's own refusals before any route runs (its `frameworkErrors` hook). */
  respond(exception: unknown, request: FastifyRequest | undefined, reply: FastifyReply): void {
    const body = this.toProblem(exception);
    body.requestId = String(request?.id ?? '');
    if (body.status >= 500) {
      this.logger.error({ err: describe(exception), requestId: body.requestId }, 'request failed');
    }
    if (body.status === 401) reply.header('WWW-Authenticate', 'Bearer');
    reply.status(body.status).header('content-type', 'application/problem+json; charset=utf-8').send(body);
  }

  toProblem(exception: unknown): ProblemDetails {
    if (exception instanceof DomainError) {
      return problem(exception.status, exception.code, exception.message, exception.errors, exception.extra);
    }
    if (exception instanceof ThrottlerException) {
      return problem(429, 'TOO_MANY_REQUESTS', 'Too many requests; try again later');
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 413) return problem(413, 'BODY_TOO_LARGE', 'The request body is larger than the limit');
      const code = status === 404 ? 'NOT_FOUND' : (HttpStatus[status] ?? 'ERROR');
      const detail = status === 404 ? 'No such resource' : messageOf(exception.getResponse()) ?? exception.message;
      return problem(status, String(code), detail);
    }
    if (exception instanceof QueryFailedError) {
      const sqlState = (exception.driverError as { code?: string } | undefined)?.code;
      if (sqlState && UNAVAILABLE_SQLSTATES.has(sqlState)) return unavailable();
      // The connection died under the query (PostgreSQL shutting down): no SQLSTATE then.
      if (isConnectionLoss(exception.driverError)) return unavailable();
      return problem(500, 'INTERNAL', 'Unexpected error');
    }
    // PostgreSQL refusing a new connection ("the database system is starting up", 57P03;
    // "too many clients", 53300) reaches us from the pool as a bare driver error.
    if (exception instanceof DatabaseError && exception.code && UNAVAILABLE_SQLSTATES.has(exception.code)) return unavailable();
    const err = exception as { statusCode?: number; code?: string; message?: string } | undefined;
    if (isConnectionLoss(err)) return unavailable();
    if (err?.code === 'FST_ERR_BAD_URL') return problem(400, 'MALFORMED_URL', 'The request path is not validly percent-encoded');
    if (err?.code === 'FST_ERR_MAX_PARAM_LENGTH') return problem(400, 'MALFORMED_URL', 'A path segment is longer than any identifier');
    // Fastify's own errors (body parser, content type, size) carry a 4xx statusCode.
    if (typeof err?.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      const status = err.statusCode;
      if (status === 413) return problem(413, 'BODY_TOO_LARGE', 'The request body is larger than the limit');
      if (status === 415) return problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send JSON with Content-Type: application/json');
      if (status === 400) return problem(400, 'MALFORMED_BODY', 'The request body is not valid JSON');
      return problem(status, 'BAD_REQUEST', 'The request could not be processed');
    }
    return problem(500, 'INTERNAL', 'Unexpected error');
  }
}

/** The driver's own errors when PostgreSQL or Redis cannot be reached or the connection dies. */
function isConnectionLoss(err: { code?: string; message?: string } | undefined): boolean {
  if (err?.code && UNAVAILABLE_NODE_CODES.has(err.code)) return true;
  return !!err?.message && /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Connection is closed/i.test(err.message);
}

function unavailable(): ProblemDetails {
  return problem(503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; retry shortly');
}

function messageOf(response: string | object): string | undefined {
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return undefined;
}

/** What we log about an unexpected error: its kind and stack, never a driver's row details. */
function describe(exception: unknown): Record<string, unknown> {
  if (exception instanceof QueryFailedError) {
    const driver = exception.driverError as { code?: string; constraint?: string; table?: string } | undefined;
    return { type: 'QueryFailedError', sqlState: driver?.code, constraint: driver?.constraint, table: driver?.table };
  }
  if (exception instanceof Error) return { type: exception.name, message: exception.message, stack: exception.stack };
  return { type: typeof exception };
}
