export * from './agencies.module';
export * from './agencies.service';
export type { Agency } from './agencies.repository';
export * from './agencies-http.module';
