import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { JOBS, QUEUES } from '@tsunagi/jobs';

/** Housekeeping jobs: thin, each delegates to SQL the database owns. */
@Processor(QUEUES.maintenance)
export class MaintenanceProcessor extends WorkerHost {
  static readonly handles = [JOBS.ensureAuditPartitions] as const;
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case JOBS.ensureAuditPartitions: {
        const rows: Array<{ created: number }> = await this.dataSource.query('SELECT ensure_audit_partitions(3) AS created');
        return { created: rows[0]?.created ?? 0 };
      }
      default:
        // A job we do not know (an older or newer build's): drop it, never crash.
        this.logger.warn({ job: job.name, id: job.id }, 'dropping a job with no handler');
        return undefined;
    }
  }
}
