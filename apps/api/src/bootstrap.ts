import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import helmet from '@fastify/helmet';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '@tsunagi/config';
import { createValidationPipe, ProblemDetailsFilter, ProblemDto } from '@tsunagi/common';
import { ApiModule } from './api.module';

export const API_PREFIX = 'api/v1';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Swagger UI runs inline scripts; it gets its own policy, every other route a strict one. */
const DOCS_CSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";

/** Builds the api (Fastify), used by main.ts and by the e2e tests alike. */
export async function createApiApp(config: AppConfig, options: { logger?: boolean; logStream?: DestinationStream } = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // A caller's request id is kept when it is safe to log, else a new one is made. Set on
    // the raw request too, where the logger and the request context read it.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      (req as typeof req & { id?: string }).id = id;
      return id;
    },
    // A malformed URL or an over-long path parameter is refused before routing: as problem+json too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => new ProblemDetailsFilter().respond(error, request, reply),
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forConfig(config, { logStream: options.logStream }), adapter, {
    bufferLogs: true,
    abortOnError: false,
    logger: options.logger === false ? false : undefined,
  });
  if (options.logger !== false) app.useLogger(app.get(Logger));
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health/live', 'health/ready'] });
  app.useGlobalPipes(createValidationPipe());

  await app.register(helmet, {
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (request.url.startsWith('/api/docs')) reply.header('content-security-policy', DOCS_CSP);
  });

  setupOpenApi(app);
  app.enableShutdownHooks();
  await app.init();
  await fastify.ready();
  return app;
}

export function setupOpenApi(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('tsunagi API')
      .setDescription(
        'Case-referral workflow for consolidated consultation (断らない相談支援): cases, referrals (つなぎ), ' +
          'follow-up tasks, community resources and the audit trail. Errors are application/problem+json (RFC 9457). ' +
          'Lists take `limit` (default 50, max 200) and `cursor` and answer `{ items, nextCursor }`.',
      )
      .setVersion('1')
      .setLicense('UNLICENSED (municipal use under contract)', 'https://tsunagi.invalid/license')
      .addServer('http://localhost:3000', 'All-in-one default (npm start)')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
    { extraModels: [ProblemDto], operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` },
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json', useGlobalPrefix: false });
}
