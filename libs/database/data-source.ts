import { DataSource, DataSourceOptions } from 'typeorm';
import type { AppConfig } from '@tsunagi/config';
import { MIGRATIONS } from '../../migrations';

/**
 * The role every pooled application connection runs as. It owns nothing and is not a
 * superuser, so PostgreSQL's row-level security applies to it. Migrations create it.
 */
export const APP_ROLE = 'tsunagi_app';

type DbConfig = Pick<AppConfig, 'databaseUrl' | 'databasePoolSize' | 'databaseStatementTimeoutMs'>;

/**
 * Options for the application's pool. The role is a startup option, not a `SET ROLE` after
 * connecting: TypeORM opens its first connection inside initialize(), before any hook could
 * run, and that connection would otherwise act as the (often superuser) login role.
 */
export function appDataSourceOptions(config: DbConfig, applicationName = 'tsunagi'): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.databaseUrl,
    migrations: [],
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName,
    extra: {
      max: config.databasePoolSize,
      // Fail fast (503) when PostgreSQL is unreachable instead of waiting forever.
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
      options: `-c role=${APP_ROLE} -c statement_timeout=${config.databaseStatementTimeoutMs} -c lock_timeout=${Math.min(config.databaseStatementTimeoutMs, 10000)} -c TimeZone=UTC`,
    },
  };
}

/** Options for migrations and administrative commands: the login role, no RLS role. */
export function adminDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: false,
    applicationName: 'tsunagi-admin',
    extra: { max: 2, connectionTimeoutMillis: 10000, options: '-c TimeZone=UTC' },
  };
}

/** Applies pending migrations under an advisory lock, so concurrent starters run them once. */
export async function runMigrations(databaseUrl: string, log: (line: string) => void = () => undefined): Promise<string[]> {
  const dataSource = new DataSource(adminDataSourceOptions(databaseUrl));
  await dataSource.initialize();
  try {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock(7271001)');
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      for (const migration of applied) log(`applied migration ${migration.name}`);
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock(7271001)').catch(() => undefined);
      await runner.release();
    }
  } finally {
    await dataSource.destroy();
  }
}
