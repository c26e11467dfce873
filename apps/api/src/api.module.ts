import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ClsModule } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AgenciesHttpModule } from '@tsunagi/agencies';
import { AuditHttpModule, AuditModule } from '@tsunagi/audit';
import { CasesHttpModule } from '@tsunagi/cases';
import { ConferencesHttpModule } from '@tsunagi/conferences';
import { AppConfig, ConfigModule } from '@tsunagi/config';
import { ProblemDetailsFilter } from '@tsunagi/common';
import { pinoHttpOptions } from '@tsunagi/common/logging';
import { DatabaseModule } from '@tsunagi/database';
import { MunicipalitiesHttpModule } from '@tsunagi/municipalities';
import { NotificationsHttpModule } from '@tsunagi/notifications';
import { PlansHttpModule } from '@tsunagi/plans';
import { RedisModule } from '@tsunagi/redis';
import { ReferralsHttpModule } from '@tsunagi/referrals';
import { ReportingHttpModule } from '@tsunagi/reporting';
import { ResourcesHttpModule } from '@tsunagi/resources';
import { StaffModule } from '@tsunagi/staff';
import { SupervisionModule } from '@tsunagi/supervision';
import { TasksHttpModule } from '@tsunagi/tasks';
import { TimelineModule } from '@tsunagi/timeline';
import { HealthModule } from '@tsunagi/health';
import { IdempotencyModule } from '@tsunagi/idempotency';
import { OutboxModule } from '@tsunagi/outbox';
import { MetaController } from './meta/meta.controller';
import { QueueDashboardModule } from './queue-dashboard/queue-dashboard.module';

export class ApiModule {
  /** `logStream` sends the logs somewhere other than stdout (tests read them back). */
  static forConfig(config: AppConfig, options: { logStream?: DestinationStream } = {}) {
    @Module({
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({ pinoHttp: { ...pinoHttpOptions(config), stream: options.logStream }, forRoutes: ['*path'] }),
        ClsModule.forRoot({
          global: true,
          middleware: { mount: true, generateId: true, idGenerator: (req: { id?: string }) => String(req.id ?? '') },
        }),
        DatabaseModule,
        RedisModule,
        AuditModule,
        AuditHttpModule,
        MunicipalitiesHttpModule,
        AgenciesHttpModule,
        StaffModule,
        TimelineModule,
        IdempotencyModule,
        OutboxModule,
        CasesHttpModule,
        TasksHttpModule,
        NotificationsHttpModule,
        ConferencesHttpModule,
        ReferralsHttpModule,
        PlansHttpModule,
        SupervisionModule,
        ReportingHttpModule,
        ResourcesHttpModule,
        HealthModule,
        QueueDashboardModule,
      ],
      controllers: [MetaController],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    })
    class ConfiguredApiModule {}
    return ConfiguredApiModule;
  }
}
