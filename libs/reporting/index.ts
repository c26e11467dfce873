export * from './reporting.module';
export * from './reporting-http.module';
export * from './indicators.service';
export * from './handoff-summary.service';
