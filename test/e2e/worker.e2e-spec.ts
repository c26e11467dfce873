import { createWorkerApp } from '../../apps/worker/src/bootstrap';
import { startTestApp, TestApp } from '../utils/app';

describe('worker', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('starts, connects to Redis, runs its scheduled housekeeping, reports ready and shuts down', async () => {
    // Drop next-next month's partition so the job has something to create.
    const target = await t.sql(`SELECT to_char(date_trunc('month', now()) + interval '2 months', 'YYYYMM') AS m`);
    const partition = `audit_events_${target[0].m}`;
    await t.sql(`DROP TABLE IF EXISTS ${partition}`);

    const worker = await createWorkerApp(t.config, { logger: false });
    await worker.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = worker.getHttpServer().address() as { port: number };
      const ready = await fetch(`http://127.0.0.1:${address.port}/health/ready`);
      expect(ready.status).toBe(200);

      const deadline = Date.now() + 10000;
      let exists = false;
      while (!exists && Date.now() < deadline) {
        exists = (await t.sql(`SELECT to_regclass($1) IS NOT NULL AS e`, [partition]))[0].e;
        if (!exists) await new Promise((r) => setTimeout(r, 100));
      }
      expect(exists).toBe(true);
    } finally {
      await worker.close();
    }
  });
});
