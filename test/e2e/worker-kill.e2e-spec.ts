import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '@tsunagi/embedded';
import { bearer, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const WORKER = path.resolve(__dirname, '../../dist/apps/worker/src/main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A worker killed with SIGKILL in the middle of its work, then restarted: no escalation is
 * lost and none is doubled. Runs the built worker (npm test builds first) as a real process.
 */
describe('worker killed with SIGKILL', () => {
  let t: TestApp;
  let city: City;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run npm run build (npm test does)`);
    t = await startTestApp({ REDIS_URL: `${process.env.TSUNAGI_TEST_REDIS_URL}/6` });
    city = await buildCity(t);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await t?.close();
  });

  async function startWorker(): Promise<ChildProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [WORKER], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: t.config.databaseUrl,
        REDIS_URL: t.config.redisUrl,
        AUTH_JWT_SECRET: t.config.jwtSecret,
        QUEUE_PREFIX: t.config.queuePrefix,
        WORKER_PORT: String(port),
        WORKER_SWEEP_INTERVAL_MS: '1000',
        WORKER_RELAY_INTERVAL_MS: '100',
        LOG_LEVEL: 'silent',
      },
      stdio: 'ignore',
    });
    children.push(child);
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200) return child;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error('worker did not become ready');
  }

  it('loses and doubles nothing across a kill -9 and a restart', async () => {
    const caseRes = await t.http().post('/api/v1/cases').set(bearer(city.tokens.desk)).send({ channel: 'phone', summary: 'kill -9' });
    const dueAt = new Date(Date.now() + 3000).toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await t.http().post(`/api/v1/cases/${caseRes.body.id}/tasks`).set(bearer(city.tokens.desk)).send({ kind: 'custom', title: `確認 ${i}`, dueAt });
      ids.push(res.body.id);
    }
    const first = await startWorker();
    // Kill it as soon as the first escalations land: mid-batch.
    const escalated = async () => (await t.sql(`SELECT count(*)::int AS n FROM tasks WHERE kind = 'escalation' AND source_id = ANY($1::uuid[])`, [ids]))[0].n as number;
    for (let i = 0; i < 150 && (await escalated()) === 0; i++) await sleep(50);
    first.kill('SIGKILL');
    const atKill = await escalated();
    await new Promise((r) => first.once('exit', r));

    await startWorker();
    for (let i = 0; i < 200 && (await escalated()) < ids.length; i++) await sleep(100);
    await sleep(2500); // a couple more sweeps: nothing more may appear
    const counts = await t.sql(`SELECT source_id, count(*)::int AS n FROM tasks WHERE kind = 'escalation' AND source_id = ANY($1::uuid[]) GROUP BY source_id`, [ids]);
    process.stdout.write(`kill -9: ${ids.length} tasks due, ${atKill} escalated before the kill, ${counts.length} escalated in the end, ${counts.filter((c) => c.n > 1).length} doubled\n`);
    expect(counts).toHaveLength(ids.length);
    expect(counts.every((c) => c.n === 1)).toBe(true);
  });
});
