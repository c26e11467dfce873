/**
 * What the global setup hands to every test file (through the environment, which Jest's
 * workers inherit). Imports here stay relative: global setup runs outside Jest's module map.
 */
export const ENV = {
  adminUrl: 'TSUNAGI_TEST_ADMIN_URL',
  template: 'TSUNAGI_TEST_TEMPLATE',
  redisUrl: 'TSUNAGI_TEST_REDIS_URL',
  runId: 'TSUNAGI_TEST_RUN_ID',
} as const;

/** Test databases are named tsunagi_test_<epoch seconds>_<pid>_…, so stale ones can be swept by age. */
export const TEST_DB_PREFIX = 'tsunagi_test_';

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
