export * from './staff.module';
export * from './users.service';
export type { User } from './users.repository';
export * from './provisioning.service';
export * from './principals';
