import { Module } from '@nestjs/common';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { ReportRollups, ReportRollupsRepository } from './report-rollups';

/** What the worker needs to keep the indicators' running totals (ReportRollups). */
@Module({
  imports: [MunicipalitiesModule],
  providers: [ReportRollupsRepository, ReportRollups],
  exports: [ReportRollups],
})
export class ReportRollupsModule {}
