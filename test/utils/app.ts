import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { AppConfig, loadConfig } from '@tsunagi/config';
import { ProvisioningService } from '@tsunagi/staff';
import { databaseUrl, ENV, TEST_DB_PREFIX } from '../test-env';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
export const PASSWORD = 'correct-horse-battery';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  databaseName: string;
  /** supertest agent on the in-process server */
  http: () => ReturnType<typeof request>;
  /** a superuser connection to this file's database (to inspect or tamper, never to act) */
  sql<T = any>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the e2e tests through jest's global setup`);
  return value;
}

/**
 * A fresh database cloned from the migrated template, and the api on it. With `logStream`
 * the api logs (at LOG_LEVEL, `silent` unless overridden) go there instead of nowhere.
 */
export async function startTestApp(overrides: Record<string, string> = {}, options: { logStream?: DestinationStream } = {}): Promise<TestApp> {
  const adminUrl = env(ENV.adminUrl);
  const databaseName = `${TEST_DB_PREFIX}${env(ENV.runId)}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${databaseName}" TEMPLATE "${env(ENV.template)}"`);
        break;
      } catch (error) {
        // Two files cloning at the same instant: the template is briefly "in use".
        if (attempt >= 20 || !/being accessed/.test((error as Error).message)) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl(adminUrl, databaseName),
    DATABASE_POOL_SIZE: '6',
    REDIS_URL: env(ENV.redisUrl),
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    QUEUE_PREFIX: `t-${databaseName.slice(TEST_DB_PREFIX.length)}`,
    LOG_LEVEL: 'silent',
    // A light argon2 cost: hashing dominates fixture set-up otherwise (production keeps 64 MiB).
    PASSWORD_HASH_MEMORY_KIB: '4096',
    ...overrides,
  });
  const app = await createApiApp(config, options.logStream ? { logStream: options.logStream } : { logger: false });
  const inspector = new Client({ connectionString: config.databaseUrl });
  await inspector.connect();
  return {
    app,
    config,
    databaseName,
    http: () => request(app.getHttpServer()),
    sql: async (text, params) => (await inspector.query(text, params as unknown[])).rows,
    close: async () => {
      await inspector.end().catch(() => undefined);
      await app.close();
    },
  };
}

export interface Tenant {
  municipalityId: string;
  code: string;
  adminToken: string;
}

let counter = 0;
/** A municipality with its first administrator (as `municipality:create` makes it), logged in. */
export async function createTenant(t: TestApp, code = `m${process.pid % 1000}-${++counter}-${randomBytes(2).toString('hex')}`): Promise<Tenant> {
  const { municipality } = await t.app.get(ProvisioningService).createMunicipality({ code, name: `テスト市 ${code}`, adminUsername: 'admin', adminPassword: PASSWORD });
  const adminToken = await login(t, code, 'admin');
  return { municipalityId: municipality.id, code, adminToken };
}

export async function login(t: TestApp, municipality: string, username: string, password = PASSWORD): Promise<string> {
  const res = await t.http().post('/api/v1/auth/login').send({ municipality, username, password });
  if (res.status !== 200) throw new Error(`login ${username}@${municipality} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
