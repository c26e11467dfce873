import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import { JOBS, QUEUES } from '@tsunagi/jobs';

const SIX_HOURS = 6 * 3600 * 1000;

/** Registers the repeating housekeeping jobs (idempotent: one scheduler per id, however many workers). */
@Injectable()
export class MaintenanceScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUES.maintenance) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler('audit-partitions', { every: SIX_HOURS }, { name: JOBS.ensureAuditPartitions, data: {} });
  }
}
