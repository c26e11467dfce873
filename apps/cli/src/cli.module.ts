import { Module } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { AgenciesModule } from '@tsunagi/agencies';
import { AuditModule } from '@tsunagi/audit';
import { AppConfig, ConfigModule } from '@tsunagi/config';
import { DatabaseModule } from '@tsunagi/database';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { RedisModule } from '@tsunagi/redis';
import { StaffModule } from '@tsunagi/staff';
import { CasesModule } from '@tsunagi/cases';
import { ConferencesModule } from '@tsunagi/conferences';
import { IdempotencyModule } from '@tsunagi/idempotency';
import { OutboxModule } from '@tsunagi/outbox';
import { PlansModule } from '@tsunagi/plans';
import { ReferralsModule } from '@tsunagi/referrals';
import { ResourcesModule } from '@tsunagi/resources';
import { TimelineModule } from '@tsunagi/timeline';
import { DemoCases } from './seed/demo-cases';
import { DemoResources } from './seed/demo-resources';
import { DemoSeeder } from './seed/demo-seeder';

/** The services the administrative commands use, without HTTP. */
export class CliModule {
  static forConfig(config: AppConfig) {
    @Module({
      imports: [ConfigModule.forRoot(config), ClsModule.forRoot({ global: true }), DatabaseModule, RedisModule, AuditModule, MunicipalitiesModule, AgenciesModule, StaffModule, TimelineModule, IdempotencyModule, OutboxModule, CasesModule, ConferencesModule, ReferralsModule, PlansModule, ResourcesModule],
      providers: [DemoSeeder, DemoCases, DemoResources],
    })
    class ConfiguredCliModule {}
    return ConfiguredCliModule;
  }
}
