import { rm } from 'node:fs/promises';
import { Client } from 'pg';
import { TEST_DB_PREFIX } from './test-env';

/** Drops this run's databases, stops what the setup started, removes its data: nothing left behind. */
export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__tsunagiTest;
  if (!state) return;
  const admin = new Client({ connectionString: state.adminUrl });
  try {
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${TEST_DB_PREFIX}${state.runId}_%`]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end().catch(() => undefined);
  }
  await state.redis?.stop();
  await state.postgres?.stop();
  await rm(state.dataRoot, { recursive: true, force: true });
}
