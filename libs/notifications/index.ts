export * from './notifications.module';
export * from './notifications.service';
export * from './notifications-http.module';
export * from './email-channel';
