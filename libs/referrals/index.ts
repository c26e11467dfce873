export * from './referrals.module';
export * from './referrals.service';
export * from './referrals-http.module';
