import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { QUEUES } from '@tsunagi/jobs';
import { PeriodicTask } from '../periodic-task';

const BATCH = 500;

/**
 * Moves outbox rows to BullMQ delayed jobs. The rows are deleted in the same transaction that
 * enqueues them and that commits only after Redis accepted the jobs: a crash in between
 * leaves the rows for the next pass, and the deterministic job id collapses the duplicate.
 */
@Injectable()
export class OutboxRelay extends PeriodicTask {
  constructor(
    private readonly dataSource: DataSource,
    @InjectQueue(QUEUES.dueTimes) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.relayIntervalMs;
  }
  protected override retryMs(): number {
    return Math.max(1000, this.config.relayIntervalMs);
  }
  protected override firstDelayMs(): number {
    return 0;
  }

  protected async pass(): Promise<boolean> {
    return (await this.relay()) >= BATCH;
  }

  /** One batch; returns how many rows moved. */
  async relay(): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const rows: Array<{ municipality_id: string; job: string; entity_id: string; run_at: Date }> = await em.query('SELECT municipality_id, job, entity_id, run_at FROM claim_outbox($1)', [BATCH]);
      if (!rows.length) return 0;
      const now = Date.now();
      await this.queue.addBulk(
        rows.map((r) => ({
          name: r.job,
          data: { municipalityId: r.municipality_id, entityId: r.entity_id },
          opts: { jobId: `${r.job}.${r.entity_id}`, delay: Math.max(0, new Date(r.run_at).getTime() - now) },
        })),
      );
      return rows.length;
    });
  }
}
