import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { isUuid } from '@tsunagi/common';
import { EscalationsService } from '@tsunagi/escalations';
import { DUE_JOBS, DueJob, QUEUES } from '@tsunagi/jobs';
import { DueBatcher } from './due-batcher';

/** Jobs of one kind and municipality run together, up to this many, gathered for at most LINGER_MS. */
const MAX_BATCH = 200;
const LINGER_MS = 5;

/**
 * Thin: ids in, the escalation service does the rest. The jobs running at once are handed to
 * it in batches (a burst of due times costs a transaction per batch, not per job); each job
 * still completes or fails on its own. A malformed job is logged and dropped.
 */
@Processor(QUEUES.dueTimes)
export class DueTimesProcessor extends WorkerHost implements OnModuleInit {
  static readonly handles = DUE_JOBS;
  private readonly logger = new Logger(DueTimesProcessor.name);
  private readonly batcher: DueBatcher;

  constructor(
    escalations: EscalationsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
    this.batcher = new DueBatcher((job, municipalityId, ids) => escalations.runMany(job, municipalityId, ids), MAX_BATCH, LINGER_MS);
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.workerConcurrency;
  }

  /** Redis trouble (a flushed or restarted Redis loses running jobs): logged; the sweep re-delivers what was lost. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn({ err: error.message }, 'due-time queue error');
  }

  async process(job: Job): Promise<string> {
    const data = job.data as { municipalityId?: unknown; entityId?: unknown } | null;
    if (!(DUE_JOBS as readonly string[]).includes(job.name) || !data || !isUuid(data.municipalityId) || !isUuid(data.entityId)) {
      this.logger.warn({ job: job.name, id: job.id }, 'dropping a malformed due-time job');
      return 'dropped';
    }
    return this.batcher.submit(job.name as DueJob, data.municipalityId, data.entityId);
  }
}
