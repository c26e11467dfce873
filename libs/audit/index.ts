export * from './audit.module';
export * from './audit.service';
export * from './audit-chain';
export * from './audit-http.module';
