export * from './outcomes.service';
export * from './plans.module';
export * from './plans.service';
export * from './plans-http.module';
