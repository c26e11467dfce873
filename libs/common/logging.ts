import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';
import type { AppConfig } from '@tsunagi/config';

/**
 * Paths pino removes from every log line. Case content never belongs in a log: requests are
 * logged by method and path only (no query string: `q` carries names), bodies never, and
 * anything that slips into an object under these keys is censored.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.accessToken',
  '*.token',
  '*.name',
  '*.nameKana',
  '*.address',
  '*.phone',
  '*.summary',
  '*.body',
  '*.notes',
  '*.q',
];

/** The path of a request without its query string (names searched with `q` stay out of logs). */
export function pathOnly(url: string | undefined): string {
  if (!url) return '';
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}

export function pinoHttpOptions(config: Pick<AppConfig, 'logLevel'>): Options {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    genReqId: (req: IncomingMessage) => String((req as IncomingMessage & { id?: string }).id ?? ''),
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health/') },
    serializers: {
      req: (req: { id?: string; method?: string; url?: string; raw?: IncomingMessage }) => ({ id: req.id, method: req.method, path: pathOnly(req.url) }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  };
}
