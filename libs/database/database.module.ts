import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { appDataSourceOptions } from './data-source';
import { Db } from './db.service';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...appDataSourceOptions(config),
        autoLoadEntities: true,
        // Boot fails fast when the database is down instead of retrying for minutes.
        retryAttempts: 2,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [Db],
  exports: [Db],
})
export class DatabaseModule {}
