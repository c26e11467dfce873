import path from 'node:path';
import { Client } from 'pg';
import { ensureRedis, startEmbeddedPostgres, type ManagedService } from '../libs/embedded';
import { runMigrations } from '../libs/database/data-source';
import { databaseUrl, ENV, TEST_DB_PREFIX } from './test-env';

declare global {
  // eslint-disable-next-line no-var
  var __tsunagiTest: { postgres?: ManagedService; redis?: ManagedService; adminUrl: string; runId: string; dataRoot: string } | undefined;
}

const STALE_AFTER_SECONDS = 3 * 3600;

/**
 * Once per `npm test`: PostgreSQL (DATABASE_URL, else an embedded throwaway server) and a
 * private Redis (REDIS_URL, else a redis-server of its own), then one template database
 * migrated once; each test file clones it (CREATE DATABASE … TEMPLATE, ~40 ms).
 */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const runId = `${Math.floor(Date.now() / 1000)}_${process.pid}`;
  const dataRoot = path.join(root, '.data', `test-${runId}`);

  let postgres: ManagedService | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    postgres = await startEmbeddedPostgres({ dataDir: path.join(dataRoot, 'postgres'), persistent: false });
    adminUrl = postgres.url;
  }
  const redis = await ensureRedis({ url: process.env.REDIS_URL, dataDir: path.join(dataRoot, 'redis'), mode: 'test' });
  globalThis.__tsunagiTest = { postgres, redis, adminUrl, runId, dataRoot };

  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // A run killed before its teardown leaves databases behind: sweep those of old runs.
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${TEST_DB_PREFIX}%`]);
    const now = Math.floor(Date.now() / 1000);
    for (const { datname } of rows) {
      const started = Number(datname.slice(TEST_DB_PREFIX.length).split('_')[0]);
      if (Number.isFinite(started) && now - started > STALE_AFTER_SECONDS) {
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
      }
    }
    const template = `${TEST_DB_PREFIX}${runId}_template`;
    await admin.query(`CREATE DATABASE "${template}" ENCODING 'UTF8' TEMPLATE template0 LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`).catch(async (error: Error) => {
      // Some servers lack the C.UTF-8 locale; UTF8 encoding is what matters for Japanese text.
      if (!/locale|collation/i.test(error.message)) throw error;
      await admin.query(`CREATE DATABASE "${template}" ENCODING 'UTF8' TEMPLATE template0`);
    });
    await runMigrations(databaseUrl(adminUrl, template));
    process.env[ENV.template] = template;
  } finally {
    await admin.end();
  }
  process.env[ENV.adminUrl] = adminUrl;
  process.env[ENV.redisUrl] = redis.url;
  process.env[ENV.runId] = runId;
}
