export * from './referrals.module';
export * from './referrals.service';
