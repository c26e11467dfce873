import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '@tsunagi/embedded';
import { startTestApp, TestApp } from '../utils/app';

const API = path.resolve(__dirname, '../../dist/apps/api/src/main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Live processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[1]) === pid && fields[0] !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * API_PROCESSES: the built api keeps that many processes on one port, replaces one that
 * dies, and stops them all on SIGTERM.
 */
describe('api with API_PROCESSES=2', () => {
  let t: TestApp;
  let api: ChildProcess;
  let port: number;
  let listening = 0;

  beforeAll(async () => {
    if (!existsSync(API)) throw new Error(`${API} is missing: run npm run build (npm test does)`);
    t = await startTestApp();
    port = await freePort();
    api = spawn(process.execPath, [API], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: t.config.databaseUrl,
        REDIS_URL: t.config.redisUrl,
        AUTH_JWT_SECRET: t.config.jwtSecret,
        PORT: String(port),
        API_PROCESSES: '2',
        DATABASE_POOL_SIZE: '2',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    api.stdout!.on('data', (d: Buffer) => (listening += (String(d).match(/tsunagi api listening/g) ?? []).length));
  });
  afterAll(async () => {
    if (api.exitCode === null) {
      for (const child of childrenOf(api.pid!)) process.kill(child, 'SIGKILL');
      api.kill('SIGKILL');
    }
    await t?.close();
  });

  const ready = async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
    } catch {
      return false;
    }
  };

  it('serves from two processes, replaces one killed, and stops them all on SIGTERM', async () => {
    for (let i = 0; i < 300 && listening < 2; i++) await sleep(100);
    expect(listening).toBe(2);
    expect(await ready()).toBe(true);
    let processes = childrenOf(api.pid!);
    expect(processes).toHaveLength(2);
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.status)));
    expect(answers.every((s) => s === 200)).toBe(true);

    // a process that dies after it listened is replaced (one dying before that stops the api instead)
    const [victim] = processes;
    process.kill(victim, 'SIGKILL');
    for (let i = 0; i < 200; i++) {
      processes = childrenOf(api.pid!);
      if (listening === 3 && processes.length === 2 && !processes.includes(victim)) break;
      await sleep(100);
    }
    expect(processes).toHaveLength(2);
    expect(processes).not.toContain(victim);
    expect(listening).toBe(3);
    expect(await ready()).toBe(true);

    const exited = new Promise<number | null>((resolve) => api.once('exit', (code) => resolve(code)));
    api.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(processes.filter((pid) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '))).toEqual([]);
  }, 60_000);
});
