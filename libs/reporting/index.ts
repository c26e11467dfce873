export * from './reporting.module';
export * from './reporting-http.module';
export * from './indicators.service';
export * from './handoff-summary.service';
export * from './report-rollups.module';
export { ReportRollups } from './report-rollups';
