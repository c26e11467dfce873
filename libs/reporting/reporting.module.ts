import { Module } from '@nestjs/common';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { HandoffSummaryService } from './handoff-summary.service';
import { IndicatorsService } from './indicators.service';
import { ParticipationIndicators, ParticipationIndicatorsRepository } from './participation-indicators';
import { PlanIndicators, PlanIndicatorsRepository } from './plan-indicators';
import { ReportingRepository } from './reporting.repository';

@Module({
  imports: [MunicipalitiesModule],
  providers: [ReportingRepository, IndicatorsService, HandoffSummaryService, ParticipationIndicatorsRepository, ParticipationIndicators, PlanIndicatorsRepository, PlanIndicators],
  exports: [IndicatorsService, HandoffSummaryService],
})
export class ReportingModule {}
