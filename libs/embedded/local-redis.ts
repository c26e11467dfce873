import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, constants as fsConstants } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Redis from 'ioredis';
import type { ManagedService } from './embedded-postgres';
import { freePort } from './free-port';
import { isRunning, LineBuffer, terminate, track } from './process-guard';

export interface EnsureRedisOptions {
  /** REDIS_URL: used as is once it answers PING */
  url?: string;
  /** working folder of a spawned redis-server (nothing is saved there: --save "") */
  dataDir: string;
  /** start: share 127.0.0.1:6379, spawning it if nobody listens; test: always a private server */
  mode: 'start' | 'test';
  log?: (line: string) => void;
}

const DEFAULT_PORT = 6379;
const READY_TIMEOUT_MS = 10_000;

export async function ensureRedis(opts: EnsureRedisOptions): Promise<ManagedService> {
  const log = opts.log ?? (() => undefined);
  const dataDir = path.resolve(opts.dataDir);

  if (opts.url) {
    await pingUrl(opts.url);
    return { url: opts.url, started: false, stop: async () => undefined };
  }

  if (opts.mode === 'start') {
    let probe = await probePing(DEFAULT_PORT);
    // A Redis still loading its dump answers -LOADING: give it the same time as one we spawn.
    for (const deadline = Date.now() + READY_TIMEOUT_MS; probe.kind === 'loading' && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      probe = await probePing(DEFAULT_PORT);
    }
    if (probe.kind === 'pong') {
      log(`using the Redis already listening on 127.0.0.1:${DEFAULT_PORT}`);
      return { url: `redis://127.0.0.1:${DEFAULT_PORT}`, started: false, stop: async () => undefined };
    }
    if (probe.kind === 'other') throw notRedis(DEFAULT_PORT, probe.reply);
    if (probe.kind === 'loading') throw notRedis(DEFAULT_PORT, 'still -LOADING');
  }

  const binary = await findOnPath('redis-server');
  if (!binary) {
    throw new Error(
      (opts.mode === 'start' ? `No Redis answers on 127.0.0.1:${DEFAULT_PORT} and ` : '') +
        'redis-server is not on PATH. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`; ' +
        'macOS: `brew install redis`), or set REDIS_URL to a Redis you already run, e.g. REDIS_URL=redis://127.0.0.1:6379.',
    );
  }

  // Only remove a folder on stop() that we created or that was empty: it is the caller's path.
  const removable = opts.mode === 'test' && (await isMissingOrEmpty(dataDir));
  await fs.mkdir(dataDir, { recursive: true });

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = opts.mode === 'start' ? DEFAULT_PORT : await freePort();
    const output = new LineBuffer(log);
    const child = spawn(
      binary,
      [
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--dir', dataDir,
        '--save', '',
        '--appendonly', 'no',
        '--daemonize', 'no',
        '--protected-mode', 'yes',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    // Kept attached: an unhandled 'error' event (spawn or kill failure) would crash the caller.
    let spawnError: Error | undefined;
    child.on('error', (error) => (spawnError ??= error));

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        untrack();
        await terminate(child, 'SIGTERM', 5_000);
        if (removable) await fs.rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
      })());
    const untrack = track(child, 'SIGTERM', stop);

    const t0 = Date.now();
    const ready = await waitForPong(port, child, () => spawnError);
    if (ready === true) {
      log(`redis-server ready on 127.0.0.1:${port} in ${Date.now() - t0} ms`);
      return { url: `redis://127.0.0.1:${port}`, started: true, stop };
    }

    await terminate(child, 'SIGKILL', 1_000);
    untrack();
    output.flush();
    const text = output.text();
    if (/Address already in use|Could not create server TCP listening socket/i.test(text)) {
      if (opts.mode === 'start') {
        // Someone started a Redis on 6379 meanwhile: use it like we would have at first.
        const probe = await probePing(DEFAULT_PORT);
        if (probe.kind === 'pong') return { url: `redis://127.0.0.1:${DEFAULT_PORT}`, started: false, stop: async () => undefined };
        throw notRedis(DEFAULT_PORT, probe.kind === 'other' ? probe.reply : 'port in use');
      }
      lastError = new Error(`redis-server could not listen on 127.0.0.1:${port}: port in use`);
      continue; // lost a race for a free port: pick another
    }
    if (removable) await fs.rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
    throw new Error(`redis-server (${binary}) did not start: ${ready.message}\n${text}`);
  }
  if (removable) await fs.rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
  throw lastError ?? new Error('redis-server did not start');
}

/** true once PING answers PONG; else why not (exited, spawn error, timeout). */
async function waitForPong(port: number, child: ChildProcess, spawnError: () => Error | undefined): Promise<true | Error> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const failure = spawnError();
    if (failure) return failure;
    if (!isRunning(child) && child.pid !== undefined) {
      return new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    }
    if ((await probePing(port)).kind === 'pong') return isRunning(child) ? true : new Error('exited');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return spawnError() ?? new Error(`no PONG within ${READY_TIMEOUT_MS / 1000} s`);
}

type Probe = { kind: 'pong' } | { kind: 'loading' } | { kind: 'closed' } | { kind: 'other'; reply: string };

/** Sends an inline PING to 127.0.0.1:port: no client library, no reconnect loop, one second. */
async function probePing(port: number): Promise<Probe> {
  return new Promise<Probe>((resolve) => {
    let connected = false;
    let reply = '';
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (probe: Probe) => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(probe);
    };
    socket.setTimeout(1000, () => done(connected ? { kind: 'other', reply: reply || 'no reply' } : { kind: 'closed' }));
    socket.once('connect', () => {
      connected = true;
      socket.write('PING\r\n');
    });
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      const end = reply.indexOf('\r\n');
      if (end >= 0) {
        const line = reply.slice(0, end);
        if (line.startsWith('+PONG')) done({ kind: 'pong' });
        else if (line.startsWith('-LOADING')) done({ kind: 'loading' });
        else done({ kind: 'other', reply: line.slice(0, 200) });
      }
    });
    socket.once('error', () => done(connected ? { kind: 'other', reply: reply || 'connection error' } : { kind: 'closed' }));
    socket.once('close', () => done(connected ? { kind: 'other', reply: reply || 'connection closed' } : { kind: 'closed' }));
  });
}

function notRedis(port: number, reply: string): Error {
  return new Error(
    `Something listens on 127.0.0.1:${port} but does not answer PING (${reply}). ` +
      `If it is a Redis that needs a password, set REDIS_URL=redis://:PASSWORD@127.0.0.1:${port}; ` +
      'otherwise stop that program or set REDIS_URL to another Redis.',
  );
}

/** PING through ioredis, since a REDIS_URL may carry a password, a database or TLS (rediss://). */
async function pingUrl(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null, // one attempt: a wrong URL should fail now, not retry forever
    enableOfflineQueue: false,
  });
  // connect() only says "Connection is closed."; the 'error' event has the cause (ECONNREFUSED, NOAUTH…).
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error));
  try {
    await client.connect();
    const reply = await client.ping();
    if (reply !== 'PONG') throw new Error(`answered ${reply}`);
  } catch (error) {
    const reason = cause?.message ?? (error instanceof Error ? error.message : String(error));
    throw new Error(`REDIS_URL ${redact(url)} does not answer PING: ${reason}`);
  } finally {
    client.disconnect();
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

async function isMissingOrEmpty(dir: string): Promise<boolean> {
  try {
    return (await fs.readdir(dir)).length === 0;
  } catch {
    return true;
  }
}
