import { FAULT_TIMEOUT_MS, n, SETUP_TIMEOUT_MS, sleep, startStack, type Stack } from './harness';
import { checkAcknowledged, checkWhole, describeDurability, Load, send, type Sent } from './load';

const RETRY_ATTEMPTS = 40;

/**
 * The api killed with SIGKILL while requests are in flight, then started again: each act is
 * one transaction, so nothing is half-written, and a client that retries every unanswered
 * request with its Idempotency-Key gets exactly one case (or referral) per key — the stored
 * answer when the first attempt had committed, a fresh one when it had not.
 */
describe('api killed with SIGKILL mid-request under intake and referral load', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('api-kill');
  }, SETUP_TIMEOUT_MS);
  afterAll(() => stack?.close(), 60_000);

  /** A client's retry: again while the first attempt's transaction is still being rolled back (409) or the api is unavailable. */
  async function retry(s: Sent): Promise<Sent> {
    for (let attempt = 1; ; attempt++) {
      const res = await send(stack.api.baseUrl, s.op, s.route, s.body, s.staff, s.key);
      const transient = res.status === undefined || res.status === 503 || (res.status === 409 && res.code === 'IDEMPOTENCY_IN_PROGRESS');
      if (!transient || attempt >= RETRY_ATTEMPTS) return res;
      await sleep(250);
    }
  }

  it('leaves no half-written case and converges on one result per Idempotency-Key', async () => {
    const load = new Load(stack, 8).start();
    await load.warmUp();
    const sentBeforeKill = load.sent.length;
    await stack.api.kill();
    await load.stop();
    const unanswered = load.unanswered;
    const inFlight = unanswered.filter((s) => s.error !== 'ECONNREFUSED').length;
    await stack.api.start();

    // Every unanswered request again, as sent: same body, same Idempotency-Key.
    const retried = await Promise.all(unanswered.map(retry));
    retried.forEach((r) => load.record(r));
    const converged = retried.filter((r, i) => {
      const op = unanswered[i].op;
      if (op === 'accept') return r.status === 200 || (r.status === 409 && r.code === 'REFERRAL_NOT_PENDING');
      return r.status === 201;
    });
    const replayed = retried.filter((r) => r.replayed).length;

    // One case per key, and it is the one the retry was answered with.
    const caseKeys = load.sent.filter((s) => s.op === 'case').map((s) => s.key!);
    const perKey = await stack.sql<{ key: string; n: number; id: string }>(
      `SELECT key, count(*)::int AS n, min(response->>'id') AS id FROM idempotency_keys WHERE scope = 'cases.create' AND key = ANY($1::text[]) GROUP BY key`,
      [caseKeys],
    );
    const caseRetries = retried.filter((r) => r.op === 'case');
    const mismatched = caseRetries.filter((r) => perKey.find((k) => k.key === r.key)?.id !== r.id).length;
    const [{ cases }] = await stack.sql<{ cases: number }>('SELECT count(*)::int AS cases FROM cases');
    const answeredCaseKeys = new Set([...load.acked.cases.values()]);
    const durability = await checkAcknowledged(stack, load.acked);
    const whole = await checkWhole(stack);

    process.stdout.write(
      `api kill -9: killed after ${n(sentBeforeKill)} requests with ${n(inFlight)} in flight (${n(unanswered.length - inFlight)} more refused before the load stopped); ` +
        `retried ${n(unanswered.length)} with the same body and Idempotency-Key after the restart: ${n(converged.length)} converged (${n(replayed)} replayed a committed answer, ${n(converged.length - replayed)} done now), ${n(unanswered.length - converged.length)} did not; ` +
        `${n(answeredCaseKeys.size)} case keys, ${n(cases)} cases, ${n(perKey.filter((k) => k.n !== 1).length)} keys with more than one; ` +
        `${describeDurability(durability)}; ${n(whole.cases)} cases and ${n(whole.referrals)} referrals checked, ${n(whole.broken.length)} half-written\n`,
    );
    if (whole.broken.length) process.stdout.write(`half-written: ${whole.broken.slice(0, 5).join('; ')}\n`);

    expect(inFlight).toBeGreaterThan(0);
    expect(converged.length).toBe(unanswered.length);
    expect(mismatched).toBe(0);
    expect(perKey.every((k) => k.n === 1)).toBe(true);
    // Every case belongs to exactly one key a client was answered for: nothing extra, nothing doubled.
    expect(cases).toBe(answeredCaseKeys.size);
    expect(durability.lost).toEqual([]);
    expect(whole.broken).toEqual([]);
  }, FAULT_TIMEOUT_MS);
});
