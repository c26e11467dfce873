export * from './conferences.module';
export * from './conferences.service';
export * from './conferences-http.module';
