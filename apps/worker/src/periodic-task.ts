import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

/**
 * A loop the worker runs on an in-process timer (not a Redis schedule, so it survives a
 * flushed Redis): one pass, then a pause — none when the pass says more work is waiting, a
 * longer one after a failure. Shutdown waits for the running pass to finish.
 */
export abstract class PeriodicTask implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  protected stopped = false;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  /** One pass; true when more work is waiting right away. */
  protected abstract pass(): Promise<boolean>;
  protected abstract intervalMs(): number;
  protected retryMs(): number {
    return this.intervalMs() * 5;
  }
  protected firstDelayMs(): number {
    return this.intervalMs();
  }
  protected enabled(): boolean {
    return true;
  }
  protected async stop(): Promise<void> {}

  onApplicationBootstrap(): void {
    if (this.enabled()) this.schedule(this.firstDelayMs());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.stop();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .then((busy) => this.schedule(busy ? 0 : this.intervalMs()))
        .catch((error: Error) => {
          this.logger.warn({ err: error.message }, 'pass failed; retrying');
          this.schedule(this.retryMs());
        });
    }, ms);
  }
}
