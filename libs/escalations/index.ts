export * from './escalations.module';
export * from './escalations.service';
