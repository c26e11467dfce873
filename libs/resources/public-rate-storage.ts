import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';

interface Record {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

const MAX_LOCAL_KEYS = 10000;

/**
 * Counts for the public directory's rate limit (`@nestjs/throttler` storage): a fixed window
 * per client address in Redis, so the limit holds across every api process behind the load
 * balancer. When Redis does not answer, the count falls back to this process alone — the
 * public route must keep answering (never 5xx), and a limit per process is still a limit.
 */
export class PublicRateStorage implements ThrottlerStorage {
  private readonly local = new Map<string, { hits: number; resetAt: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async increment(key: string, ttlMs: number, limit: number): Promise<Record> {
    try {
      const redisKey = `${this.prefix}:public-rate:${key}`;
      const results = await this.redis.multi().incr(redisKey).pexpire(redisKey, ttlMs, 'NX').pttl(redisKey).exec();
      if (!results || results.some(([error]) => error)) throw new Error('rate counter failed');
      return toRecord(Number(results[0][1]), Math.max(Number(results[2][1]), 0), limit);
    } catch {
      return this.incrementLocally(key, ttlMs, limit);
    }
  }

  private incrementLocally(key: string, ttlMs: number, limit: number): Record {
    const now = Date.now();
    let entry = this.local.get(key);
    if (!entry || entry.resetAt <= now) {
      if (this.local.size >= MAX_LOCAL_KEYS) {
        for (const [k, v] of this.local) if (v.resetAt <= now) this.local.delete(k);
        if (this.local.size >= MAX_LOCAL_KEYS) this.local.clear();
      }
      entry = { hits: 0, resetAt: now + ttlMs };
      this.local.set(key, entry);
    }
    entry.hits++;
    return toRecord(entry.hits, entry.resetAt - now, limit);
  }
}

function toRecord(hits: number, msLeft: number, limit: number): Record {
  const seconds = Math.max(1, Math.ceil(msLeft / 1000));
  const blocked = hits > limit;
  return { totalHits: hits, timeToExpire: seconds, isBlocked: blocked, timeToBlockExpire: blocked ? seconds : 0 };
}
