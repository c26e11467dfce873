import { FAULT_TIMEOUT_MS, n, SETUP_TIMEOUT_MS, sleep, startStack, type Stack, waitUntil } from './harness';
import { checkAcknowledged, checkWhole, describeDurability, Load, type Sent } from './load';

/** How long PostgreSQL stays down. */
const DOWN_MS = 3000;
/** A request made while PostgreSQL is down is answered within this (connection and statement timeouts). */
const FAST_MS = 2500;
/** After PostgreSQL is back, the api serves again by itself within this, without a restart. */
const RECOVERY_MS = 10_000;

const failed = (s: Sent) => s.status === undefined || s.status >= 300;
const isUnavailable = (s: Sent) => s.status === 503 && !!s.contentType?.startsWith('application/problem+json') && s.code === 'SERVICE_UNAVAILABLE';

describe('PostgreSQL restarted under intake and referral load', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('pg-restart');
  }, SETUP_TIMEOUT_MS);
  afterAll(() => stack?.close(), 60_000);

  it('answers 503 problem+json fast while it is down, recovers by itself, keeps every acknowledged write', async () => {
    const load = new Load(stack).start();
    await load.warmUp();
    const stoppingAt = Date.now();
    await stack.postgres.stop();
    const downAt = Date.now();
    await sleep(DOWN_MS / 2);
    const readyWhileDown = await stack.api.ready();
    await sleep(DOWN_MS / 2);
    const startingAt = Date.now();
    await stack.postgres.start();
    const upAt = Date.now();

    // Keep the load on until two seconds of nothing but successes since the last failure.
    const lastFailureEnd = () => Math.max(0, ...load.sent.filter(failed).map((s) => s.endedAt));
    const firstSuccessAfter = (t: number) => load.sent.find((s) => !failed(s) && s.startedAt >= t);
    const recovered = await waitUntil(() => !!firstSuccessAfter(lastFailureEnd()) && Date.now() - lastFailureEnd() >= 2000, RECOVERY_MS + 5000);
    await load.stop();
    // Serving again: the first success after the last failure, counted from PostgreSQL being back.
    const recoveryMs = Math.max(0, (firstSuccessAfter(lastFailureEnd())?.endedAt ?? Infinity) - upAt);
    const workerReady = await waitUntil(async () => (await stack.worker.ready()) === 200, RECOVERY_MS);

    const failures = load.sent.filter(failed);
    const unavailable = failures.filter(isUnavailable);
    const other = failures.filter((s) => !isUnavailable(s));
    // Sent and answered while PostgreSQL was down: every one of them a fast 503.
    const whileDown = load.sent.filter((s) => s.startedAt >= downAt && s.endedAt < startingAt);
    const slowest = (list: Sent[]) => Math.max(0, ...list.map((s) => s.endedAt - s.startedAt));
    const durability = await checkAcknowledged(stack, load.acked);
    const whole = await checkWhole(stack);

    process.stdout.write(
      `postgres restart: PostgreSQL down for ${((upAt - stoppingAt) / 1000).toFixed(1)} s under ${n(load.sent.length)} requests; ` +
        `${n(whileDown.length)} sent and answered while it was down (slowest ${slowest(whileDown)} ms), ${n(unavailable.length)} answered 503 problem+json in all (slowest ${slowest(unavailable)} ms), ${n(other.length)} other failures; ` +
        `api serving again ${(recoveryMs / 1000).toFixed(1)} s after PostgreSQL was back, without a restart; ` +
        `${describeDurability(durability)}; ${n(whole.cases)} cases and ${n(whole.referrals)} referrals checked, ${n(whole.broken.length)} half-written\n`,
    );
    if (other.length) {
      process.stdout.write(`other failures: ${JSON.stringify(other.slice(0, 5).map((s) => ({ op: s.op, status: s.status, code: s.code, error: s.error })))}\n`);
      process.stdout.write(`their api log:\n${stack.api.output(other.flatMap((s) => (s.requestId ? [s.requestId] : [])))}\n`);
    }
    if (!recovered) process.stdout.write(`api output:\n${stack.api.output()}\n`);

    expect(readyWhileDown).toBe(503);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(whileDown.every(isUnavailable)).toBe(true);
    expect(other).toEqual([]);
    expect(slowest(whileDown)).toBeLessThan(FAST_MS);
    expect(recovered).toBe(true);
    expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_MS);
    expect(stack.api.alive).toBe(true);
    expect(stack.worker.alive && workerReady).toBe(true);
    expect(durability.acknowledged).toBeGreaterThan(0);
    expect(durability.lost).toEqual([]);
    expect(whole.broken).toEqual([]);
  }, FAULT_TIMEOUT_MS);
});
