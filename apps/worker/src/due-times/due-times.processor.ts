import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { isUuid } from '@tsunagi/common';
import { EscalationsService } from '@tsunagi/escalations';
import { DUE_JOBS, DueJob, QUEUES } from '@tsunagi/jobs';

/** Thin: ids in, the escalation service does the rest. A malformed job is logged and dropped. */
@Processor(QUEUES.dueTimes)
export class DueTimesProcessor extends WorkerHost implements OnModuleInit {
  static readonly handles = DUE_JOBS;
  private readonly logger = new Logger(DueTimesProcessor.name);

  constructor(
    private readonly escalations: EscalationsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.workerConcurrency;
  }

  async process(job: Job): Promise<string> {
    const data = job.data as { municipalityId?: unknown; entityId?: unknown } | null;
    if (!(DUE_JOBS as readonly string[]).includes(job.name) || !data || !isUuid(data.municipalityId) || !isUuid(data.entityId)) {
      this.logger.warn({ job: job.name, id: job.id }, 'dropping a malformed due-time job');
      return 'dropped';
    }
    return this.escalations.run(job.name as DueJob, data.municipalityId, data.entityId);
  }
}
