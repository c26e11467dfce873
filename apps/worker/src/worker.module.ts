import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from '@tsunagi/audit';
import { AppConfig, APP_CONFIG, ConfigModule } from '@tsunagi/config';
import { pinoHttpOptions } from '@tsunagi/common';
import { DatabaseModule } from '@tsunagi/database';
import { EscalationsModule } from '@tsunagi/escalations';
import { HealthModule } from '@tsunagi/health';
import { IdempotencyModule } from '@tsunagi/idempotency';
import { QUEUES, redisOptionsFromUrl } from '@tsunagi/jobs';
import { NotificationsModule } from '@tsunagi/notifications';
import { OutboxModule } from '@tsunagi/outbox';
import { RedisModule } from '@tsunagi/redis';
import { ReportRollupsModule } from '@tsunagi/reporting';
import { ResourcesModule } from '@tsunagi/resources';
import { TimelineModule } from '@tsunagi/timeline';
import { AuditSealer } from './audit/audit-sealer';
import { EmailDispatcher } from './notifications/email-dispatcher';
import { DueSweeper } from './due-times/due-sweeper';
import { DueTimesProcessor } from './due-times/due-times.processor';
import { OutboxRelay } from './due-times/outbox-relay';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { MaintenanceScheduler } from './maintenance/maintenance.scheduler';
import { ReportRollupsKeeper } from './reporting/report-rollups-keeper';
import { ResourceVerificationSweeper } from './resources/resource-verification-sweeper';

/** Every processor class with the jobs it handles: checked against the registry at boot. */
export const PROCESSORS = [MaintenanceProcessor, DueTimesProcessor];

export class WorkerModule {
  static forConfig(config: AppConfig) {
    @Module({
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({ pinoHttp: pinoHttpOptions(config) }),
        ClsModule.forRoot({ global: true }),
        DatabaseModule,
        RedisModule,
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({
            prefix: c.queuePrefix,
            // Workers block on Redis: commands must wait for a reconnect, never give up.
            connection: { ...redisOptionsFromUrl(c.redisUrl), maxRetriesPerRequest: null },
            defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000, attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
          }),
        }),
        BullModule.registerQueue({ name: QUEUES.maintenance }, { name: QUEUES.dueTimes }),
        AuditModule,
        TimelineModule,
        OutboxModule,
        IdempotencyModule,
        EscalationsModule,
        NotificationsModule,
        ResourcesModule,
        ReportRollupsModule,
        HealthModule,
      ],
      providers: [...PROCESSORS, MaintenanceScheduler, OutboxRelay, DueSweeper, AuditSealer, EmailDispatcher, ResourceVerificationSweeper, ReportRollupsKeeper],
    })
    class ConfiguredWorkerModule {}
    return ConfiguredWorkerModule;
  }
}
