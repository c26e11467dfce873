import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { ResourcesService } from '@tsunagi/resources';
import { PeriodicTask } from '../periodic-task';

const BATCH = 200;

/**
 * A directory that goes stale sends people to closed doors (rule 11): at least once a minute,
 * every resource not verified for 12 months whose keeper agency has no open
 * `resource_verification` task gets one — imported ones included, and never a second, however
 * many workers run this (the task is made under the resource's row lock, and a unique index
 * allows one open verification task per resource). Its due time then escalates like any other.
 */
@Injectable()
export class ResourceVerificationSweeper extends PeriodicTask {
  constructor(
    private readonly resources: ResourcesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.resourceSweepIntervalMs;
  }
  protected override retryMs(): number {
    return this.config.resourceSweepIntervalMs;
  }

  /** A full batch that made tasks means more may be waiting; a batch that made none is not retried at once. */
  protected async pass(): Promise<boolean> {
    const { found, created } = await this.sweep();
    return found >= BATCH && created > 0;
  }

  /** One sweep (`now` is injectable for tests): stale resources looked at and tasks made. */
  async sweep(now = new Date()): Promise<{ found: number; created: number }> {
    const result = await this.resources.sweepStale(now, BATCH);
    if (result.created) this.logger.log({ created: result.created }, 'verification tasks for stale resources');
    return result;
  }
}
