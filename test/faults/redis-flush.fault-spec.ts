import { QUEUES } from '@tsunagi/jobs';
import { FAULT_TIMEOUT_MS, n, SETUP_TIMEOUT_MS, sleep, startStack, type Stack, waitUntil } from './harness';
import { checkAcknowledged, checkWhole, countEscalations, describeDurability, describeEscalations, Load, makeDueWork } from './load';

/**
 * Redis forgets everything (FLUSHALL on the test's own redis-server) while due times wait in
 * it as delayed jobs: PostgreSQL is the source of truth, so the worker's sweep finds the due
 * work and escalates it, once; and work queued after the flush still goes through Redis.
 */
describe('Redis flushed under intake and referral load', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('redis-flush');
  }, SETUP_TIMEOUT_MS);
  afterAll(() => stack?.close(), 60_000);

  it('loses no escalation and doubles none', async () => {
    const delayedKey = `${stack.queuePrefix}:${QUEUES.dueTimes}:delayed`;
    const completedKey = `${stack.queuePrefix}:${QUEUES.dueTimes}:completed`;

    // Due in 8 s (at least 5 s after each is made): relayed to Redis as delayed jobs, then
    // flushed before they fall due.
    const flushedWork = await makeDueWork(stack, new Date(Date.now() + 8000), 40, 5, 5000);
    const load = new Load(stack).start();
    const relayed = await waitUntil(async () => {
      const [{ queued }] = await stack.sql<{ queued: number }>('SELECT count(*)::int AS queued FROM outbox WHERE entity_id = ANY($1::uuid[])', [[...flushedWork.tasks, ...flushedWork.referrals]]);
      return queued === 0;
    }, 10_000);
    const delayedBefore = await stack.redis.zcard(delayedKey);
    const flushedAt = Date.now();
    await stack.redis.flushall();
    const delayedAfter = await stack.redis.zcard(delayedKey);
    const [{ waiting }] = await stack.sql<{ waiting: number }>(
      'SELECT (SELECT count(*) FROM tasks WHERE id = ANY($1::uuid[]) AND due_at > $3) + (SELECT count(*) FROM referrals WHERE id = ANY($2::uuid[]) AND respond_by > $3) AS waiting',
      [flushedWork.tasks, flushedWork.referrals, new Date(flushedAt)],
    );

    // Queued after the flush: these must still be delivered by BullMQ.
    const laterWork = await makeDueWork(stack, new Date(Date.now() + 3000), 10, 2);
    const all = { tasks: [...flushedWork.tasks, ...laterWork.tasks], referrals: [...flushedWork.referrals, ...laterWork.referrals] };
    const done = await waitUntil(async () => (await countEscalations(stack, all)).missing === 0, 40_000, 250);
    await sleep(2500); // two more sweeps: nothing more may appear
    await load.stop();

    const escalations = await countEscalations(stack, all);
    const laterJobs = [...laterWork.tasks.map((id) => `task.due.${id}`), ...laterWork.referrals.map((id) => `referral.due.${id}`)];
    const deliveredByQueue = (await Promise.all(laterJobs.map((id) => stack.redis.zscore(completedKey, id)))).filter((score) => score !== null).length;
    const durability = await checkAcknowledged(stack, load.acked);
    const whole = await checkWhole(stack);

    process.stdout.write(
      `redis FLUSHALL: flushed ${n(delayedBefore)} delayed jobs (${n(flushedWork.tasks.length)} tasks and ${n(flushedWork.referrals.length)} referrals, ${n(Number(waiting))} of them not due yet), ` +
        `then queued ${n(laterWork.tasks.length)} tasks and ${n(laterWork.referrals.length)} referrals more (${n(deliveredByQueue)}/${n(laterJobs.length)} of their jobs run by BullMQ after the flush); ` +
        `${describeEscalations(escalations)}; under load: ${describeDurability(durability)}; ${n(whole.broken.length)} half-written\n`,
    );
    if (!done) process.stdout.write(`worker output:\n${stack.worker.output()}\n`);

    expect(relayed).toBe(true);
    expect(delayedBefore).toBeGreaterThanOrEqual(flushedWork.tasks.length + flushedWork.referrals.length);
    expect(delayedAfter).toBe(0);
    expect(Number(waiting)).toBeGreaterThan(0); // flushed while due work waited in Redis
    expect(escalations.missing).toBe(0);
    expect(escalations.doubled).toBe(0);
    expect(deliveredByQueue).toBe(laterJobs.length);
    expect(stack.worker.alive).toBe(true);
    expect(durability.acknowledged).toBeGreaterThan(0);
    expect(durability.lost).toEqual([]);
    expect(whole.broken).toEqual([]);
  }, FAULT_TIMEOUT_MS);
});
