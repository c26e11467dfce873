export * from './municipalities.module';
export * from './municipalities.service';
export * from './municipality-settings';
export type { Municipality } from './municipalities.repository';
export * from './calendar.service';
export * from './municipalities-http.module';
