import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { REDIS } from '@tsunagi/redis';
import { ParticipationsController } from './participations.controller';
import { PublicRateStorage } from './public-rate-storage';
import { PublicResourcesController } from './public-resources.controller';
import { ResourcesController } from './resources.controller';
import { ResourcesModule } from './resources.module';
import { UnmetNeedsController } from './unmet-needs.controller';

/**
 * The HTTP routes; the worker and the CLI import ResourcesModule alone. The throttler limits
 * only the public directory (its guard is on that route, not global): staff routes are
 * authenticated, and login has limits of its own.
 */
@Module({
  imports: [
    ResourcesModule,
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis) => ({
        throttlers: [{ name: 'default', ttl: config.publicRateWindowSeconds * 1000, limit: config.publicRateLimit }],
        storage: new PublicRateStorage(redis, config.queuePrefix),
      }),
    }),
  ],
  controllers: [ResourcesController, PublicResourcesController, ParticipationsController, UnmetNeedsController],
})
export class ResourcesHttpModule {}
