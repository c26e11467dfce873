import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { runMigrations } from '@tsunagi/database/data-source';
import { ensureRedis, freePort, startEmbeddedPostgres } from '@tsunagi/embedded';

/**
 * What the benchmark runs against, set up the way production is: PostgreSQL (DATABASE_URL,
 * else an embedded throwaway cluster), a private Redis, a fresh migrated database, a
 * municipality made by the CLI, an agency and a desk user made over HTTP by its
 * administrator, and the built api as a child process configured from its environment only.
 * Everything started is stopped again, in reverse order, by `Cleanup.run()`.
 */

/**
 * The build the api, worker and CLI are started from: the one this file was compiled into
 * (`dist/` for `npm run bench`), or `TSUNAGI_DIST`. A build outside `dist/` (e.g.
 * `npx swc apps libs migrations bench --config-file .swcrc --out-dir .data/bench-dist --copy-files`)
 * lets the bench run while other work uses `dist/`.
 */
const BUILT_INTO = path.resolve(__dirname, '..');
export const DIST = path.resolve(process.env.TSUNAGI_DIST ?? BUILT_INTO);
/** The repository (results and throwaway data go under it): the nearest folder above the build with a package.json. */
export const ROOT = ((): string => {
  for (let dir = path.dirname(BUILT_INTO); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
})();
export const BENCH_DB_PREFIX = 'tsunagi_bench_';
const STALE_AFTER_SECONDS = 6 * 3600;

export class Cleanup {
  private readonly steps: Array<{ what: string; fn: () => Promise<void> }> = [];

  push(what: string, fn: () => Promise<void>): void {
    this.steps.push({ what, fn });
  }

  async run(log: (line: string) => void): Promise<void> {
    while (this.steps.length) {
      const { what, fn } = this.steps.pop()!;
      try {
        await fn();
        log(`cleanup: ${what}`);
      } catch (error) {
        log(`cleanup: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

export interface Services {
  adminUrl: string;
  redisUrl: string;
  embedded: boolean;
  dataRoot: string;
}

export async function startServices(stamp: string, cleanup: Cleanup, log: (line: string) => void): Promise<Services> {
  const dataRoot = path.join(ROOT, '.data', `bench-${stamp}`);
  // registered first, so it runs last: after PostgreSQL and Redis have stopped
  cleanup.push(`removed ${path.relative(ROOT, dataRoot)}`, () => fs.rm(dataRoot, { recursive: true, force: true, maxRetries: 3 }));
  let adminUrl = process.env.DATABASE_URL;
  const embedded = !adminUrl;
  if (!adminUrl) {
    const postgres = await startEmbeddedPostgres({ dataDir: path.join(dataRoot, 'postgres'), persistent: false });
    cleanup.push('stopped the embedded PostgreSQL', () => postgres.stop());
    adminUrl = postgres.url;
    log(`embedded PostgreSQL started (${redactUrl(adminUrl)})`);
  } else {
    log(`using DATABASE_URL ${redactUrl(adminUrl)}`);
  }
  const redis = await ensureRedis({ url: process.env.REDIS_URL, dataDir: path.join(dataRoot, 'redis'), mode: 'test' });
  cleanup.push('stopped Redis', () => redis.stop());
  log(redis.started ? `private redis-server started (${redis.url})` : `using REDIS_URL ${redactUrl(redis.url)}`);
  return { adminUrl, redisUrl: redis.url, embedded, dataRoot };
}

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** A fresh database, migrated by the project's own runner, dropped by the cleanup. */
export async function createDatabase(adminUrl: string, name: string, cleanup: Cleanup, log: (line: string) => void): Promise<string> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Runs killed before their cleanup leave databases behind on a shared server.
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${BENCH_DB_PREFIX}%`]);
    const now = Math.floor(Date.now() / 1000);
    for (const { datname } of rows) {
      const started = Number(datname.slice(BENCH_DB_PREFIX.length).split('_')[0]);
      if (Number.isFinite(started) && now - started > STALE_AFTER_SECONDS) {
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
        log(`dropped ${datname}, left behind by an earlier run`);
      }
    }
    await admin.query(`CREATE DATABASE "${name}" ENCODING 'UTF8' TEMPLATE template0 LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`).catch(async (error: Error) => {
      if (!/locale|collation/i.test(error.message)) throw error;
      await admin.query(`CREATE DATABASE "${name}" ENCODING 'UTF8' TEMPLATE template0`);
    });
  } finally {
    await admin.end();
  }
  cleanup.push(`dropped database ${name}`, async () => {
    const c = new Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });
  const url = databaseUrl(adminUrl, name);
  const t0 = performance.now();
  const applied = await runMigrations(url);
  log(`database ${name} created, ${applied.length} migrations applied in ${Math.round(performance.now() - t0)} ms`);
  return url;
}

/** `municipality:create` through the built CLI, as an operator would; returns the municipality id. */
export async function createMunicipality(dbUrl: string, redisUrl: string, code: string, name: string, adminPassword: string): Promise<string> {
  const cli = path.join(DIST, 'apps', 'cli', 'src', 'main.js');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, 'municipality:create', '--code', code, '--name', name, '--admin-username', 'admin'],
      { env: { ...process.env, DATABASE_URL: dbUrl, REDIS_URL: redisUrl, ADMIN_PASSWORD: adminPassword, LOG_LEVEL: 'warn' }, timeout: 60_000 },
      (error, out, err) => (error ? reject(new Error(`municipality:create failed: ${error.message}\n${err}`)) : resolve(out)),
    );
  });
  const id = /\(([0-9a-f-]{36})\)/.exec(stdout)?.[1];
  if (!id) throw new Error(`municipality:create printed no id: ${stdout}`);
  return id;
}

export interface ApiProcess {
  pid: number;
  baseUrl: string;
  child: ChildProcess;
  output(): string;
  /** With --profile: starts or stops the CPU profiler preloaded into the api; stop answers the file written. */
  profile(action: 'start' | 'stop', name?: string): Promise<string | null>;
  stop(): Promise<void>;
}

/** The built api (`node dist/apps/api/src/main.js`), ready once GET /health/ready answers 200. */
export function startApi(env: Record<string, string>, preload: string[], ipc: boolean, cleanup: Cleanup): Promise<ApiProcess> {
  return startBuilt('api', 'PORT', env, preload, ipc, cleanup);
}

/**
 * The built worker (`node dist/apps/worker/src/main.js`: BullMQ processors, the due-time sweep
 * and relay, the audit chain sealer), ready once its health server answers 200. `stop()`
 * ends it early; the cleanup stops it otherwise.
 */
export function startWorker(env: Record<string, string>, cleanup: Cleanup): Promise<ApiProcess> {
  return startBuilt('worker', 'WORKER_PORT', env, [], false, cleanup);
}

async function startBuilt(app: 'api' | 'worker', portVariable: string, env: Record<string, string>, preload: string[], ipc: boolean, cleanup: Cleanup): Promise<ApiProcess> {
  const port = await freePort();
  const lines: string[] = [];
  const child = spawn(process.execPath, [...preload.flatMap((p) => ['--require', p]), path.join(DIST, 'apps', app, 'src', 'main.js')], {
    env: { ...process.env, ...env, [portVariable]: String(port) },
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line.slice(0, 500));
    if (lines.length > 50) lines.splice(0, lines.length - 50);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      lines.push(`[the ${app} exited: ${signal ? `signal ${signal}` : `code ${code}`}]`);
      resolve();
    }),
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  cleanup.push(`stopped the ${app}`, stop);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the ${app} exited with ${child.exitCode}:\n${lines.join('\n')}`);
    try {
      const res = await fetch(`${baseUrl}/health/ready`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the ${app} was not ready within 60 s:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const profile = (action: 'start' | 'stop', name?: string) =>
    new Promise<string | null>((resolve, reject) => {
      if (!child.send) return reject(new Error(`the ${app} was started without an IPC channel`));
      const timer = setTimeout(() => reject(new Error(`the api's profiler did not answer ${action}`)), 30_000);
      const onMessage = (message: { profiling?: boolean; profiled?: string | null }) => {
        if (action === 'start' ? message.profiling : message.profiled !== undefined) {
          clearTimeout(timer);
          child.removeListener('message', onMessage);
          resolve(message.profiled ?? null);
        }
      };
      child.on('message', onMessage);
      child.send({ profile: action, name });
    });
  return { pid: child.pid!, baseUrl, child, output: () => lines.join('\n'), profile, stop };
}

export async function http<T = unknown>(baseUrl: string, method: string, route: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, body: body as T };
}

export async function expectStatus<T>(what: string, call: Promise<{ status: number; body: T }>, status: number): Promise<T> {
  const res = await call;
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return res.body;
}

export interface Staff {
  municipalityCode: string;
  agencyId: string;
  userId: string;
  token: string;
}

/** POST /auth/login; the token and the user's id. */
export function signIn(baseUrl: string, municipalityCode: string, username: string, password: string): Promise<{ accessToken: string; user: { id: string } }> {
  return expectStatus(`login ${username}`, http(baseUrl, 'POST', '/api/v1/auth/login', { body: { municipality: municipalityCode, username, password } }), 200);
}

/** The administrator makes the consultation desk and a desk_staff user there, who signs in. */
export async function provisionDesk(baseUrl: string, municipalityCode: string, adminPassword: string): Promise<Staff> {
  const login = (username: string, password: string) => signIn(baseUrl, municipalityCode, username, password);
  const admin = await login('admin', adminPassword);
  const agency = await expectStatus<{ id: string }>(
    'create agency',
    http(baseUrl, 'POST', '/api/v1/agencies', { token: admin.accessToken, body: { code: 'desk', name: 'ベンチ市 福祉総合相談窓口', kind: 'consultation_desk', area: '市内全域' } }),
    201,
  );
  const password = randomBytes(12).toString('base64url');
  await expectStatus(
    'create user',
    http(baseUrl, 'POST', '/api/v1/users', { token: admin.accessToken, body: { username: 'desk', displayName: '窓口 一郎', agencyId: agency.id, roles: ['desk_staff'], password } }),
    201,
  );
  const desk = await login('desk', password);
  return { municipalityCode, agencyId: agency.id, userId: desk.user.id, token: desk.accessToken };
}
