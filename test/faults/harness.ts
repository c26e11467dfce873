import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { runMigrations } from '@tsunagi/database/data-source';
import { ensureRedis, freePort, startEmbeddedPostgres, type ManagedService } from '@tsunagi/embedded';

/**
 * What a fault test breaks: its own PostgreSQL (a persistent cluster, so it can be stopped
 * and started again with its data), its own redis-server (private, so FLUSHALL hurts nobody
 * else), and the built api and worker as child processes configured from their environment
 * only, exactly as they run in production. Nothing here is shared with other test files.
 */

const ROOT = path.resolve(__dirname, '..', '..');
/** The build the api, worker and CLI run from: `dist/` (npm run test:faults builds it), or TSUNAGI_DIST. */
export const DIST = path.resolve(ROOT, process.env.TSUNAGI_DIST ?? 'dist');
const JWT_SECRET = 'fault-test-secret-that-is-long-enough-for-hs256';
const PASSWORD = 'correct-horse-battery-staple';
/** Generous: on a busy machine a Nest application may take tens of seconds to boot. */
const START_TIMEOUT_MS = 120_000;
/** For the tests' own timeouts: set-up and a fault with its checks, on a busy machine. */
export const SETUP_TIMEOUT_MS = 240_000;
export const FAULT_TIMEOUT_MS = 300_000;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it answers true; false when `timeoutMs` passed first. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** 1200 → "1,200": the counts the tests print. */
export const n = (value: number) => value.toLocaleString('en-US');

/** An embedded PostgreSQL that keeps its data across stop() and start(), on one port. */
export class Postgres {
  private service?: ManagedService;
  url = '';

  constructor(
    private readonly dataDir: string,
    private readonly port: number,
  ) {}

  async start(): Promise<void> {
    this.service = await startEmbeddedPostgres({ dataDir: this.dataDir, port: this.port, persistent: true });
    this.url = this.service.url;
  }

  /** Fast shutdown (SIGINT): open sessions are cut, as in a restart by an operator or a failover. */
  async stop(): Promise<void> {
    await this.service?.stop();
    this.service = undefined;
  }
}

/** The built api or worker as a child process; `start()` again after a kill, on the same port. */
export class AppProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private readonly lines: string[] = [];
  readonly baseUrl: string;

  constructor(
    readonly app: 'api' | 'worker',
    private readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const main = path.join(DIST, 'apps', this.app, 'src', 'main.js');
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH ?? '', ...this.env, [this.app === 'api' ? 'PORT' : 'WORKER_PORT']: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) this.lines.push(line.slice(0, 4000));
      if (this.lines.length > 5000) this.lines.splice(0, this.lines.length - 5000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    // Never outlive the test process, whatever ends it.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        process.removeListener('exit', killOnExit);
        this.lines.push(`[the ${this.app} exited: ${signal ? `signal ${signal}` : `code ${code}`}]`);
        resolve();
      }),
    );
    const ready = await waitUntil(async () => {
      if (!this.alive) throw new Error(`the ${this.app} exited during start-up:\n${this.output()}`);
      return (await fetch(`${this.baseUrl}/health/ready`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined))?.status === 200;
    }, START_TIMEOUT_MS);
    if (!ready) throw new Error(`the ${this.app} was not ready within ${START_TIMEOUT_MS / 1000} s:\n${this.output()}`);
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill -9: no shutdown hook runs, open transactions are left to PostgreSQL to roll back. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  async ready(): Promise<number> {
    return (await fetch(`${this.baseUrl}/health/ready`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined))?.status ?? 0;
  }

  /** The last lines it wrote, or only those that mention one of `needles` (e.g. request ids). */
  output(needles?: string[]): string {
    return (needles ? this.lines.filter((line) => needles.some((needle) => line.includes(needle))) : this.lines.slice(-100)).join('\n');
  }
}

export interface Staff {
  token: string;
  agencyId: string;
  userId: string;
}

export interface Stack {
  postgres: Postgres;
  redis: Redis;
  api: AppProcess;
  worker: AppProcess;
  queuePrefix: string;
  /** the consultation desk (lead agency of every case the load opens) and a community support centre it refers to */
  desk: Staff;
  houkatsu: Staff;
  /** runs `fn` first when the stack closes (e.g. stops a load a failed test left running) */
  onClose(fn: () => Promise<unknown>): void;
  /** a superuser query on the application's database (a fresh connection: PostgreSQL may have restarted) */
  sql<T = any>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const DATA_PREFIX = 'faults-';
const STALE_AFTER_SECONDS = 6 * 3600;

/** A run killed before its clean-up leaves its folder behind (named faults-<epoch seconds>_…): remove old ones. */
async function sweepStale(): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const entries = await fs.readdir(path.join(ROOT, '.data')).catch(() => [] as string[]);
  for (const entry of entries) {
    const started = Number(/^faults-(\d+)_/.exec(entry)?.[1]);
    if (Number.isFinite(started) && now - started > STALE_AFTER_SECONDS) {
      await fs.rm(path.join(ROOT, '.data', entry), { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    }
  }
}

/** PostgreSQL, Redis, a migrated database, the api and worker, and a municipality with a desk and a centre. */
export async function startStack(name: string): Promise<Stack> {
  for (const app of ['api', 'worker', 'cli']) {
    const main = path.join(DIST, 'apps', app, 'src', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build (npm run test:faults does), or set TSUNAGI_DIST to a build`);
  }
  await sweepStale();
  const dataRoot = path.join(ROOT, '.data', `${DATA_PREFIX}${Math.floor(Date.now() / 1000)}_${process.pid}_${name}`);
  const stops: Array<() => Promise<unknown>> = [() => fs.rm(dataRoot, { recursive: true, force: true, maxRetries: 3 })];
  const close = async () => {
    while (stops.length) await stops.pop()!().catch(() => undefined);
  };
  try {
    const postgres = new Postgres(path.join(dataRoot, 'postgres'), await freePort());
    await postgres.start();
    stops.push(() => postgres.stop());
    const redisServer = await ensureRedis({ dataDir: path.join(dataRoot, 'redis'), mode: 'test' });
    stops.push(() => redisServer.stop());
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
    stops.push(async () => redis.disconnect());

    const admin = new Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE tsunagi ENCODING 'UTF8' TEMPLATE template0`).finally(() => admin.end());
    const databaseUrl = new URL(postgres.url);
    databaseUrl.pathname = '/tsunagi';
    await runMigrations(databaseUrl.toString());

    const queuePrefix = `faults-${name}`;
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: redisServer.url,
      AUTH_JWT_SECRET: JWT_SECRET,
      QUEUE_PREFIX: queuePrefix,
      LOG_LEVEL: 'warn',
      PASSWORD_HASH_MEMORY_KIB: '4096',
      WORKER_SWEEP_INTERVAL_MS: '1000',
      WORKER_RELAY_INTERVAL_MS: '100',
    };
    const api = new AppProcess('api', await freePort(), env);
    stops.push(() => api.stop());
    const worker = new AppProcess('worker', await freePort(), env);
    stops.push(() => worker.stop());
    await Promise.all([createMunicipality(env), api.start(), worker.start()]);
    const { desk, houkatsu } = await provision(api.baseUrl);

    const sql = async <T>(text: string, params: unknown[] = []): Promise<T[]> => {
      const client = new Client({ connectionString: databaseUrl.toString() });
      client.on('error', () => undefined);
      await client.connect();
      try {
        return (await client.query(text, params)).rows as T[];
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    const onClose = (fn: () => Promise<unknown>) => void stops.push(fn);
    return { postgres, redis, api, worker, queuePrefix, desk, houkatsu, onClose, sql, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** `municipality:create` through the built CLI, as an operator would; answers its id. */
function createMunicipality(env: Record<string, string>): Promise<string> {
  const cli = path.join(DIST, 'apps', 'cli', 'src', 'main.js');
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [cli, 'municipality:create', '--code', 'faults', '--name', '障害試験市', '--admin-username', 'admin'],
      { env: { PATH: process.env.PATH ?? '', ...env, ADMIN_PASSWORD: PASSWORD }, timeout: START_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const id = /\(([0-9a-f-]{36})\)/.exec(stdout)?.[1];
        if (error || !id) reject(new Error(`municipality:create failed: ${error?.message ?? stdout}\n${stderr}`));
        else resolve(id);
      },
    ),
  );
}

/** The administrator makes the desk and a community support centre, a user at each, and sets the intake agency. */
async function provision(baseUrl: string): Promise<{ desk: Staff; houkatsu: Staff }> {
  const call = async (method: string, route: string, body: unknown, token?: string, expected = [200, 201]) => {
    const res = await fetch(`${baseUrl}/api/v1${route}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const json = (await res.json().catch(() => undefined)) as any;
    if (!expected.includes(res.status)) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const login = async (username: string, password: string) => call('POST', '/auth/login', { municipality: 'faults', username, password });
  const admin = (await login('admin', PASSWORD)).accessToken as string;
  const staff = async (code: string, agencyName: string, kind: string, role: string): Promise<Staff> => {
    const agency = await call('POST', '/agencies', { code, name: agencyName, kind }, admin);
    const password = randomBytes(12).toString('base64url');
    const user = await call('POST', '/users', { username: code, displayName: `${agencyName} 職員`, agencyId: agency.id, roles: [role], password }, admin);
    return { token: (await login(code, password)).accessToken, agencyId: agency.id, userId: user.id };
  };
  const desk = await staff('desk', '福祉の総合相談窓口', 'consultation_desk', 'desk_staff');
  const houkatsu = await staff('houkatsu', '北部地域包括支援センター', 'community_support_centre', 'agency_staff');
  await call('PATCH', '/municipality/settings', { intakeAgencyId: desk.agencyId }, admin);
  return { desk, houkatsu };
}
