export * from './resources.module';
export * from './resources-http.module';
export * from './resources.service';
export * from './resources.repository';
export * from './participations.service';
export * from './unmet-needs.service';
export * from './public-directory.service';
