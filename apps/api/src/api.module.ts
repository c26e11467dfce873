import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ClsModule } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import { AgenciesModule } from '@tsunagi/agencies';
import { AuditModule } from '@tsunagi/audit';
import { CasesModule } from '@tsunagi/cases';
import { ConferencesModule } from '@tsunagi/conferences';
import { AppConfig, ConfigModule } from '@tsunagi/config';
import { ProblemDetailsFilter } from '@tsunagi/common';
import { pinoHttpOptions } from '@tsunagi/common/logging';
import { DatabaseModule } from '@tsunagi/database';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { NotificationsModule } from '@tsunagi/notifications';
import { RedisModule } from '@tsunagi/redis';
import { ReferralsModule } from '@tsunagi/referrals';
import { StaffModule } from '@tsunagi/staff';
import { SupervisionModule } from '@tsunagi/supervision';
import { TasksModule } from '@tsunagi/tasks';
import { TimelineModule } from '@tsunagi/timeline';
import { HealthModule } from '@tsunagi/health';
import { IdempotencyModule } from '@tsunagi/idempotency';
import { MetaController } from './meta/meta.controller';

export class ApiModule {
  static forConfig(config: AppConfig) {
    @Module({
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({ pinoHttp: pinoHttpOptions(config), forRoutes: ['*path'] }),
        ClsModule.forRoot({
          global: true,
          middleware: { mount: true, generateId: true, idGenerator: (req: { id?: string }) => String(req.id ?? '') },
        }),
        DatabaseModule,
        RedisModule,
        AuditModule,
        MunicipalitiesModule,
        AgenciesModule,
        StaffModule,
        TimelineModule,
        IdempotencyModule,
        CasesModule,
        TasksModule,
        NotificationsModule,
        ConferencesModule,
        ReferralsModule,
        SupervisionModule,
        HealthModule,
      ],
      controllers: [MetaController],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    })
    class ConfiguredApiModule {}
    return ConfiguredApiModule;
  }
}
