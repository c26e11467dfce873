import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig, APP_CONFIG, ConfigModule } from '@tsunagi/config';
import { pinoHttpOptions } from '@tsunagi/common';
import { DatabaseModule } from '@tsunagi/database';
import { HealthModule } from '@tsunagi/health';
import { QUEUES, redisOptionsFromUrl } from '@tsunagi/jobs';
import { RedisModule } from '@tsunagi/redis';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { MaintenanceScheduler } from './maintenance/maintenance.scheduler';

/** Every processor class with the jobs it handles: checked against the registry at boot. */
export const PROCESSORS = [MaintenanceProcessor];

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
        BullModule.registerQueue({ name: QUEUES.maintenance }),
        HealthModule,
      ],
      providers: [...PROCESSORS, MaintenanceScheduler],
    })
    class ConfiguredWorkerModule {}
    return ConfiguredWorkerModule;
  }
}
