import { Module } from '@nestjs/common';
import { HandoffSummaryController } from './handoff-summary.controller';
import { ReportingModule } from './reporting.module';
import { ReportsController } from './reports.controller';

/** The HTTP routes of reports: the indicators and the hand-off summary. */
@Module({ imports: [ReportingModule], controllers: [ReportsController, HandoffSummaryController] })
export class ReportingHttpModule {}
