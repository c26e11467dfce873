import type { DueOutcome } from '@tsunagi/escalations';
import type { DueJob } from '@tsunagi/jobs';

export type RunMany = (job: DueJob, municipalityId: string, entityIds: string[]) => Promise<Map<string, DueOutcome | Error>>;

interface Waiting {
  entityId: string;
  resolve: (outcome: DueOutcome) => void;
  reject: (error: Error) => void;
}

interface Batch {
  job: DueJob;
  municipalityId: string;
  waiting: Waiting[];
  timer?: NodeJS.Timeout;
}

/**
 * Gathers the due-time jobs a worker runs at once into batches of one job name and
 * municipality, so that a burst of due times costs one transaction per batch rather than
 * one per job. Each job still succeeds or fails on its own: its promise settles with its own
 * outcome. A batch goes when it is full, or `lingerMs` after its first job arrived; on
 * shutdown the worker waits for its running jobs, hence for their batches.
 */
export class DueBatcher {
  private readonly open = new Map<string, Batch>();

  constructor(
    private readonly runMany: RunMany,
    private readonly maxBatch: number,
    private readonly lingerMs: number,
  ) {}

  submit(job: DueJob, municipalityId: string, entityId: string): Promise<DueOutcome> {
    const key = `${job}/${municipalityId}`;
    let batch = this.open.get(key);
    if (!batch) {
      batch = { job, municipalityId, waiting: [] };
      this.open.set(key, batch);
      const started = batch;
      started.timer = setTimeout(() => this.flush(key, started), this.lingerMs);
    }
    const promise = new Promise<DueOutcome>((resolve, reject) => batch.waiting.push({ entityId, resolve, reject }));
    if (batch.waiting.length >= this.maxBatch) this.flush(key, batch);
    return promise;
  }

  private flush(key: string, batch: Batch): void {
    if (this.open.get(key) !== batch) return;
    this.open.delete(key);
    clearTimeout(batch.timer);
    void this.send(batch);
  }

  private async send(batch: Batch): Promise<void> {
    try {
      const outcomes = await this.runMany(batch.job, batch.municipalityId, batch.waiting.map((w) => w.entityId));
      for (const w of batch.waiting) {
        const outcome = outcomes.get(w.entityId);
        if (outcome instanceof Error) w.reject(outcome);
        else w.resolve(outcome ?? 'skipped');
      }
    } catch (error) {
      for (const w of batch.waiting) w.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
