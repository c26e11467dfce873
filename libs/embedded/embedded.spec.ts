import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { ensureRedis, isPortOpen, startEmbeddedPostgres } from './index';

jest.setTimeout(60_000);

const isRoot = process.getuid?.() === 0;
// Under os.tmpdir() (1777) rather than mkdtemp (0700), which the postgres user could not enter.
const scratch = (name: string) => path.join(os.tmpdir(), `tsunagi-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
const exists = (p: string) => fs.access(p).then(() => true, () => false);
const portOf = (url: string) => Number(new URL(url).port);

describe('embedded services', () => {
  it('runs a throwaway UTF-8 PostgreSQL and removes it on stop', async () => {
    const dataDir = scratch('pg');
    const lines: string[] = [];
    const t0 = Date.now();
    const pg = await startEmbeddedPostgres({ dataDir, persistent: false, log: (line) => lines.push(line) });
    const started = Date.now() - t0;
    try {
      expect(pg.started).toBe(true);
      expect(pg.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
      expect(portOf(pg.url)).not.toBe(5432);

      const client = new Client({ connectionString: pg.url });
      await client.connect();
      try {
        expect((await client.query('SHOW server_encoding')).rows[0].server_encoding).toBe('UTF8');
        expect((await client.query("select length('山田') as n")).rows[0].n).toBe(2);
      } finally {
        await client.end();
      }
    } finally {
      const t1 = Date.now();
      await pg.stop();
      await pg.stop(); // idempotent
      console.log(`throwaway PostgreSQL: initdb+start ${started} ms, stop ${Date.now() - t1} ms\n${lines.filter((l) => / in \d+ ms/.test(l)).join('\n')}`);
    }
    expect(await exists(dataDir)).toBe(false);
    expect(await isPortOpen('127.0.0.1', portOf(pg.url))).toBe(false);
  });

  it('keeps a persistent cluster across restarts, past a stale postmaster.pid', async () => {
    const base = scratch('pgdata');
    const dataDir = path.join(base, 'postgres');
    try {
      const first = await startEmbeddedPostgres({ dataDir, persistent: true });
      const c1 = new Client({ connectionString: first.url });
      await c1.connect();
      await c1.query("create table kept (name text); insert into kept values ('山田')");
      await c1.end();
      await first.stop();
      expect(await exists(path.join(dataDir, 'PG_VERSION'))).toBe(true);

      // As after a killed run whose pid now belongs to another process (here: ourselves' parent).
      await fs.writeFile(path.join(dataDir, 'postmaster.pid'), `${process.ppid}\n${dataDir}\n0\n${portOf(first.url)}\n\n127.0.0.1\n0 0\nready\n`);
      const second = await startEmbeddedPostgres({ dataDir, persistent: true });
      try {
        expect(second.started).toBe(true);
        expect(second.url).toBe(first.url); // same remembered port and password
        const c2 = new Client({ connectionString: second.url });
        await c2.connect();
        expect((await c2.query('select name from kept')).rows).toEqual([{ name: '山田' }]);
        await c2.end();
      } finally {
        await second.stop();
      }
      expect(await exists(path.join(dataDir, 'PG_VERSION'))).toBe(true);
      expect(await isPortOpen('127.0.0.1', portOf(second.url))).toBe(false);
    } finally {
      await fs.rm(base, { recursive: true, force: true });
    }
  });

  it('runs a private test Redis and removes it on stop', async () => {
    const dataDir = scratch('redis');
    const t0 = Date.now();
    const redis = await ensureRedis({ dataDir, mode: 'test' });
    const started = Date.now() - t0;
    expect(redis.started).toBe(true);
    expect(portOf(redis.url)).not.toBe(6379);
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
    const t1 = Date.now();
    await redis.stop();
    await redis.stop();
    console.log(`test Redis: start ${started} ms, stop ${Date.now() - t1} ms`);
    expect(await exists(dataDir)).toBe(false);
    expect(await isPortOpen('127.0.0.1', portOf(redis.url))).toBe(false);
  });

  (isRoot ? it : it.skip)('refuses, with a plain message, a data dir the postgres user cannot reach', async () => {
    const locked = await fs.mkdtemp(path.join(os.tmpdir(), 'tsunagi-locked-')); // 0700
    try {
      const dataDir = path.join(locked, 'pg');
      await expect(startEmbeddedPostgres({ dataDir, persistent: false })).rejects.toThrow(
        new RegExp(`cannot reach ${locked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(mode 0700\\).*chmod o\\+x.*DATABASE_URL`),
      );
      expect(await exists(dataDir)).toBe(false); // nothing was started or initialised
    } finally {
      await fs.rm(locked, { recursive: true, force: true });
    }
  });
});
