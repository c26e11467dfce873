import type Redis from 'ioredis';
import { PublicRateStorage } from './public-rate-storage';

/** A Redis stand-in whose MULTI either answers like Redis or fails like a Redis that is down. */
function fakeRedis(down: () => boolean) {
  const counts = new Map<string, number>();
  return {
    multi() {
      const ops: Array<() => [Error | null, unknown]> = [];
      const chain = {
        incr(key: string) {
          ops.push(() => {
            counts.set(key, (counts.get(key) ?? 0) + 1);
            return [null, counts.get(key)];
          });
          return chain;
        },
        pexpire() {
          ops.push(() => [null, 1]);
          return chain;
        },
        pttl() {
          ops.push(() => [null, 30000]);
          return chain;
        },
        async exec() {
          if (down()) throw new Error('Connection is closed.');
          return ops.map((op) => op());
        },
      };
      return chain;
    },
  } as unknown as Redis;
}

describe('public directory rate counts', () => {
  it('counts in Redis per key and blocks over the limit', async () => {
    const storage = new PublicRateStorage(fakeRedis(() => false), 'p');
    const hits = [];
    for (let i = 0; i < 3; i++) hits.push(await storage.increment('a', 60000, 2));
    expect(hits.map((h) => [h.totalHits, h.isBlocked])).toEqual([[1, false], [2, false], [3, true]]);
    expect(hits[2]).toEqual(expect.objectContaining({ timeToExpire: 30, timeToBlockExpire: 30 }));
    expect((await storage.increment('b', 60000, 2)).totalHits).toBe(1);
  });

  it('keeps answering when Redis is down, counting in the process instead', async () => {
    let down = true;
    const storage = new PublicRateStorage(fakeRedis(() => down), 'p');
    const first = await storage.increment('a', 1000, 1);
    const second = await storage.increment('a', 1000, 1);
    expect([first.isBlocked, second.isBlocked, second.totalHits]).toEqual([false, true, 2]);
    expect(second.timeToBlockExpire).toBe(1);
    down = false;
    expect((await storage.increment('a', 1000, 1)).totalHits).toBe(1); // Redis is back: its own count
  });

  it('starts a new local window when the old one has passed', async () => {
    const storage = new PublicRateStorage(fakeRedis(() => true), 'p');
    await storage.increment('a', 1, 1);
    await new Promise((r) => setTimeout(r, 5));
    expect((await storage.increment('a', 1, 1)).totalHits).toBe(1);
  });
});
