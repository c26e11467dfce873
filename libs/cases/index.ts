export * from './case-access.service';
export * from './cases.module';
export * from './cases.repository';
export * from './cases.service';
export * from './if-match';
export * from './cases-http.module';
