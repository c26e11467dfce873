import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from '@tsunagi/config';
import { checkJobHandlers } from '@tsunagi/jobs';
import { PROCESSORS, WorkerModule } from './worker.module';

/**
 * The worker: BullMQ processors plus a health server (no other HTTP routes). It never
 * migrates. On SIGTERM Nest closes the workers, which finish their running job first.
 */
export async function createWorkerApp(config: AppConfig, options: { logger?: boolean } = {}): Promise<NestFastifyApplication> {
  checkJobHandlers(PROCESSORS.map((p) => ({ handler: p.name, jobs: p.handles })));
  const app = await NestFactory.create<NestFastifyApplication>(WorkerModule.forConfig(config), new FastifyAdapter(), {
    bufferLogs: true,
    abortOnError: false,
    logger: options.logger === false ? false : undefined,
  });
  if (options.logger !== false) app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
  return app;
}
