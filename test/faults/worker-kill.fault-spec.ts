import { FAULT_TIMEOUT_MS, n, SETUP_TIMEOUT_MS, sleep, startStack, type Stack, waitUntil } from './harness';
import { checkAcknowledged, checkWhole, countEscalations, describeDurability, describeEscalations, Load, makeDueWork } from './load';

/**
 * The worker killed with SIGKILL while it escalates a burst of due work (a backlog that fell
 * due while it was stopped), then started again:
 * what it had committed stays, what it had not is done by the next worker (its sweep, or
 * BullMQ's stalled-job recovery), and nothing is escalated twice.
 */
describe('worker killed with SIGKILL mid-job under intake and referral load', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('worker-kill');
  }, SETUP_TIMEOUT_MS);
  afterAll(() => stack?.close(), 60_000);

  it('loses no escalation and doubles none', async () => {
    // A backlog that is all due when the worker comes back: a burst of escalations to kill it in.
    await stack.worker.stop();
    const due = await makeDueWork(stack, new Date(), 150, 20);
    const load = new Load(stack).start();
    await sleep(Math.max(0, due.last.getTime() - Date.now()));
    // It starts on the backlog while still booting: watch from the moment it is spawned.
    const booting = stack.worker.start().catch(() => undefined);

    // Kill it as soon as the first escalations are committed: the rest of the burst is in its hands.
    const started = await waitUntil(async () => (await countEscalations(stack, due)).escalated > 0, 120_000, 20);
    await stack.worker.kill();
    await booting;
    const atKill = await countEscalations(stack, due);
    await sleep(500);
    await stack.worker.start();
    const restartedAt = Date.now();
    const done = await waitUntil(async () => (await countEscalations(stack, due)).missing === 0, 60_000, 250);
    const doneMs = Date.now() - restartedAt;
    await sleep(2500); // two more sweeps: nothing more may appear
    await load.stop();

    const escalations = await countEscalations(stack, due);
    const durability = await checkAcknowledged(stack, load.acked);
    const whole = await checkWhole(stack);

    process.stdout.write(
      `worker kill -9: ${n(due.tasks.length)} tasks and ${n(due.referrals.length)} referrals due at once; killed with ${n(atKill.escalated)} of ${n(atKill.expected)} escalations made; ` +
        `the restarted worker, once ready, made the rest within ${(doneMs / 1000).toFixed(1)} s; ${describeEscalations(escalations)}; under load: ${describeDurability(durability)}; ${n(whole.broken.length)} half-written\n`,
    );
    if (!done) process.stdout.write(`worker output:\n${stack.worker.output()}\n`);

    expect(started).toBe(true);
    expect(atKill.missing).toBeGreaterThan(0); // killed mid-burst, not after it
    expect(escalations.missing).toBe(0);
    expect(escalations.doubled).toBe(0);
    expect(durability.acknowledged).toBeGreaterThan(0);
    expect(durability.lost).toEqual([]);
    expect(whole.broken).toEqual([]);
  }, FAULT_TIMEOUT_MS);
});
