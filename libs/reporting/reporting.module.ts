import { Module } from '@nestjs/common';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { HandoffSummaryService } from './handoff-summary.service';
import { IndicatorsService } from './indicators.service';
import { ReportingRepository } from './reporting.repository';

@Module({
  imports: [MunicipalitiesModule],
  providers: [ReportingRepository, IndicatorsService, HandoffSummaryService],
  exports: [IndicatorsService, HandoffSummaryService],
})
export class ReportingModule {}
