/**
 * Typed, validated configuration. Every process (api, worker, cli) reads its environment
 * once at boot through `loadConfig`; a bad or missing value throws `ConfigError` naming the
 * variable, and the process stops before it listens or touches the database.
 */
export interface AppConfig {
  nodeEnv: 'production' | 'development' | 'test';
  databaseUrl: string;
  databasePoolSize: number;
  /** Per-statement limit: a stuck query fails fast instead of holding a pooled connection. */
  databaseStatementTimeoutMs: number;
  redisUrl: string;
  port: number;
  /** Node processes of the api sharing its port (node:cluster); one per core beside PostgreSQL. */
  apiProcesses: number;
  workerPort: number;
  jwtSecret: string;
  /** Lifetime of an access token in seconds (short-lived: the console logs in again). */
  jwtTtlSeconds: number;
  queuePrefix: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Request body limit in bytes (413 above it). */
  bodyLimitBytes: number;
  /** Login attempts per account (municipality + username) per window. */
  loginMaxPerAccount: number;
  /** Login attempts per client address per window: high, a whole city hall may share one address. */
  loginMaxPerAddress: number;
  loginWindowSeconds: number;
  /** Trust X-Forwarded-For from a load balancer in front of the api. */
  trustProxy: boolean;
  /** How often the worker sweeps for due work Redis may have lost (ms; ≤ 60 s). */
  sweepIntervalMs: number;
  /** How often the worker relays the outbox to Redis when it is idle (ms). */
  relayIntervalMs: number;
  /** Due-time jobs a worker process runs at once (handed to the database in batches, so hundreds cost little). */
  workerConcurrency: number;
  /** SMTP server for e-mailed notifications (smtp:// or smtps://); unset: no e-mail is sent. */
  smtpUrl: string | null;
  /** Sender of notification e-mails. */
  smtpFrom: string;
  /** argon2id memory cost in KiB (default 65536, the library's; tests lower it to save time). */
  passwordHashMemoryKib: number;
  /** How often the worker looks for stale resources without a verification task (ms; ≤ 60 s). */
  resourceSweepIntervalMs: number;
  /** Requests to the public directory per client address per window (then 429). */
  publicRateLimit: number;
  publicRateWindowSeconds: number;
  /** How long a public directory answer is cached (Cache-Control max-age and in process; 0: not cached). */
  publicCacheSeconds: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NODE_ENVS = ['production', 'development', 'test'] as const;
const MIN_SECRET_LENGTH = 32;

function str(env: Env, name: string, fallback?: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(name, 'is required');
  }
  return value.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: string[], fallback?: string): string {
  const value = str(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = oneOf(env, 'NODE_ENV', NODE_ENVS, 'production');
  const jwtSecret = str(env, 'AUTH_JWT_SECRET');
  if (jwtSecret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError('AUTH_JWT_SECRET', `must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return {
    nodeEnv,
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 20, 1, 500),
    databaseStatementTimeoutMs: int(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 15000, 100, 3600000),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
    port: int(env, 'PORT', 3000, 1, 65535),
    apiProcesses: int(env, 'API_PROCESSES', 1, 1, 64),
    workerPort: int(env, 'WORKER_PORT', 3001, 1, 65535),
    jwtSecret,
    jwtTtlSeconds: int(env, 'AUTH_JWT_TTL_SECONDS', 1800, 60, 86400),
    queuePrefix: str(env, 'QUEUE_PREFIX', 'tsunagi'),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1048576, 1024, 52428800),
    loginMaxPerAccount: int(env, 'LOGIN_MAX_PER_ACCOUNT', 10, 1, 100000),
    loginMaxPerAddress: int(env, 'LOGIN_MAX_PER_ADDRESS', 1000, 1, 1000000),
    loginWindowSeconds: int(env, 'LOGIN_WINDOW_SECONDS', 300, 1, 86400),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    sweepIntervalMs: int(env, 'WORKER_SWEEP_INTERVAL_MS', 10000, 100, 60000),
    relayIntervalMs: int(env, 'WORKER_RELAY_INTERVAL_MS', 250, 10, 10000),
    workerConcurrency: int(env, 'WORKER_CONCURRENCY', 200, 1, 1000),
    smtpUrl: env.SMTP_URL?.trim() ? url(env, 'SMTP_URL', ['smtp:', 'smtps:']) : null,
    smtpFrom: str(env, 'SMTP_FROM', 'tsunagi <no-reply@tsunagi.invalid>'),
    passwordHashMemoryKib: int(env, 'PASSWORD_HASH_MEMORY_KIB', 65536, 1024, 4194304),
    resourceSweepIntervalMs: int(env, 'WORKER_RESOURCE_SWEEP_INTERVAL_MS', 30000, 100, 60000),
    publicRateLimit: int(env, 'PUBLIC_RATE_LIMIT', 120, 1, 1000000),
    publicRateWindowSeconds: int(env, 'PUBLIC_RATE_WINDOW_SECONDS', 60, 1, 86400),
    publicCacheSeconds: int(env, 'PUBLIC_CACHE_SECONDS', 60, 0, 3600),
  };
}

/** Reads the configuration or stops the process with the message naming the variable. */
export function loadConfigOrExit(env: Env = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
