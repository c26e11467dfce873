import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { DomainError } from '@tsunagi/common';
import { REDIS } from '@tsunagi/redis';

/**
 * Login limits in Redis, so they hold across every api process behind the load balancer.
 * Failed attempts count per account (municipality + username): a guessed password is
 * stopped however many addresses it comes from. Attempts per client address have a high
 * ceiling only, because a whole city hall often reaches the server from one address.
 */
@Injectable()
export class LoginLimiter {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private accountKey(municipality: string, username: string) {
    return `${this.config.queuePrefix}:login:acct:${municipality}:${username.toLowerCase()}`;
  }

  /** Throws 429 when the account or the address is over its limit; counts the attempt per address. */
  async check(municipality: string, username: string, clientIp: string): Promise<void> {
    const ipKey = `${this.config.queuePrefix}:login:ip:${clientIp}`;
    const results = await this.redis
      .multi()
      .get(this.accountKey(municipality, username))
      .incr(ipKey)
      .expire(ipKey, this.config.loginWindowSeconds, 'NX')
      .exec();
    const failures = Number(results?.[0]?.[1] ?? 0);
    const fromAddress = Number(results?.[1]?.[1] ?? 0);
    if (failures >= this.config.loginMaxPerAccount || fromAddress > this.config.loginMaxPerAddress) {
      throw new DomainError('too_many', 'TOO_MANY_LOGIN_ATTEMPTS', 'Too many login attempts; wait a few minutes and try again');
    }
  }

  async recordFailure(municipality: string, username: string): Promise<void> {
    const key = this.accountKey(municipality, username);
    await this.redis.multi().incr(key).expire(key, this.config.loginWindowSeconds, 'NX').exec();
  }

  async recordSuccess(municipality: string, username: string): Promise<void> {
    await this.redis.del(this.accountKey(municipality, username));
  }
}
