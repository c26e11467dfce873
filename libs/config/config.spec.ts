import { ConfigError, loadConfig } from './config';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/tsunagi',
  AUTH_JWT_SECRET: 'x'.repeat(40),
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.port).toBe(3000);
    expect(config.workerPort).toBe(3001);
    expect(config.queuePrefix).toBe('tsunagi');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.apiProcesses).toBe(1);
  });

  it.each([
    [{ ...base, PORT: 'abc' }, 'PORT'],
    [{ ...base, PORT: '70000' }, 'PORT'],
    [{ ...base, API_PROCESSES: '0' }, 'API_PROCESSES'],
    [{ ...base, DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ ...base, DATABASE_URL: undefined }, 'DATABASE_URL'],
    [{ ...base, AUTH_JWT_SECRET: undefined }, 'AUTH_JWT_SECRET'],
    [{ ...base, AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET'],
    [{ ...base, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ...base, REDIS_URL: 'http://x' }, 'REDIS_URL'],
  ])('names the bad variable', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
  });
});
