import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureRedis, startEmbeddedPostgres, type ManagedService } from '@tsunagi/embedded';
import { runMigrations } from '@tsunagi/database';

const ROOT = path.resolve(__dirname, '../../../..');
const DATA = path.join(ROOT, '.data');
const log = (line: string) => process.stdout.write(`[tsunagi] ${line}\n`);

/** A JWT secret kept under .data so tokens survive a restart of the all-in-one. */
async function localJwtSecret(): Promise<string> {
  const file = path.join(DATA, 'jwt-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

function startChild(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', script)], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} exited (${signal ?? code}); stopping everything`);
      void shutdown(1);
    }
  });
  return child;
}

async function waitReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return true;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

let stopping = false;
const children: ChildProcess[] = [];
const services: ManagedService[] = [];

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stopping …');
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  for (const service of services.reverse()) await service.stop().catch(() => undefined);
  process.exit(code);
}

/**
 * `npm start`: everything on one machine with nothing configured. DATABASE_URL / REDIS_URL
 * when set, else an embedded PostgreSQL under .data/ and a local Redis; migrations, the demo
 * seed (once), then the api and the worker as child processes, each as in production.
 */
export async function runAllInOne(): Promise<void> {
  const started = Date.now();
  await mkdir(DATA, { recursive: true });
  await chmod(DATA, 0o755).catch(() => undefined);
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    log('DATABASE_URL not set: starting embedded PostgreSQL (data in .data/postgres)');
    const pg = await startEmbeddedPostgres({ dataDir: path.join(DATA, 'postgres'), persistent: true, log });
    services.push(pg);
    databaseUrl = pg.url;
  }
  const redis = await ensureRedis({ url: process.env.REDIS_URL, dataDir: path.join(DATA, 'redis'), mode: 'start', log });
  services.push(redis);

  await runMigrations(databaseUrl, log);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET ?? (await localJwtSecret()),
    NODE_ENV: process.env.NODE_ENV ?? 'development',
  };

  // Seeding goes through the same services as the api, in a process of its own.
  const { main, printDemoLogins } = await import('./main');
  const previous = { ...process.env };
  Object.assign(process.env, env);
  await main(['seed:demo']).finally(() => {
    for (const key of Object.keys(process.env)) if (!(key in previous)) delete process.env[key];
    Object.assign(process.env, previous);
  });

  const port = Number(env.PORT ?? 3000);
  children.push(startChild('api', 'apps/api/src/main.js', env));
  children.push(startChild('worker', 'apps/worker/src/main.js', env));
  if (!(await waitReady(`http://127.0.0.1:${port}/health/ready`, 60000))) {
    log('the api did not become ready within 60 s');
    return shutdown(1);
  }
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  log(`API:        http://localhost:${port}/api/v1`);
  log(`Swagger UI: http://localhost:${port}/api/docs`);
  printDemoLogins(log);
  log('press Ctrl+C to stop');
}
