export * from './conferences.module';
export * from './conferences.service';
