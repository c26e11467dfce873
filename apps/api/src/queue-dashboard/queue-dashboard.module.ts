import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullBoardModule } from '@bull-board/nestjs';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { QUEUES, redisOptionsFromUrl } from '@tsunagi/jobs';
import { PrincipalResolver, StaffModule } from '@tsunagi/staff';
import { DashboardAccess } from './dashboard-access';

/** Where the dashboard is mounted, under the api's global prefix: `/api/v1/admin/queues`. */
export const QUEUE_DASHBOARD_ROUTE = '/admin/queues';

const DASHBOARD_QUEUES: Array<{ name: string; description: string }> = [
  { name: QUEUES.dueTimes, description: '期限の配達：エスカレーション・リマインダー (due times: escalations, reminders)' },
  { name: QUEUES.maintenance, description: '保守：監査ログのパーティション (maintenance: audit partitions)' },
];

/**
 * The BullMQ dashboard (@bull-board) for administrators, on the api's own server. It reads
 * the queues under QUEUE_PREFIX, as the worker writes them, and is read-only: due times live
 * in PostgreSQL and the worker's sweep re-delivers them, so there is nothing to retry, add or
 * remove by hand — and the queues are shared by every municipality. Its routes are guarded by
 * `DashboardAccess` (administrators only, tokens checked as on every api route).
 */
@Module({
  imports: [
    StaffModule,
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        prefix: config.queuePrefix,
        // Request-path use: fail fast while Redis is away instead of queueing commands.
        connection: { ...redisOptionsFromUrl(config.redisUrl), maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3000 },
      }),
    }),
    BullModule.registerQueue(...DASHBOARD_QUEUES.map(({ name }) => ({ name }))),
    BullBoardModule.forRoot({
      route: QUEUE_DASHBOARD_ROUTE,
      adapter: FastifyAdapter,
      boardOptions: { uiConfig: { boardTitle: 'tsunagi キュー (queues)' } },
    }),
    BullBoardModule.forFeature(
      ...DASHBOARD_QUEUES.map(({ name, description }) => ({ name, adapter: BullMQAdapter, options: { readOnlyMode: true, description } })),
    ),
  ],
})
export class QueueDashboardModule implements OnModuleInit {
  private readonly logger = new Logger(QueueDashboardModule.name);

  constructor(
    adapterHost: HttpAdapterHost,
    applicationConfig: ApplicationConfig,
    principals: PrincipalResolver,
    private readonly moduleRef: ModuleRef,
  ) {
    // Added while the app is being built, before the dashboard's Fastify plugin registers its
    // routes, so that every one of them gets the guard. The global prefix is read when the
    // routes register (it is set after the module graph is built).
    const access = new DashboardAccess(principals, () => `/${applicationConfig.getGlobalPrefix()}${QUEUE_DASHBOARD_ROUTE}`.replace(/\/{2,}/g, '/'));
    (adapterHost.httpAdapter.getInstance() as FastifyInstance).addHook('onRoute', access.protect);
  }

  onModuleInit(): void {
    for (const { name } of DASHBOARD_QUEUES) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      queue.on('error', (error: Error) => this.logger.warn({ queue: name, err: error.message }, 'queue connection error'));
    }
  }
}
