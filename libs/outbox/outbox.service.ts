import { Injectable } from '@nestjs/common';
import { Db } from '@tsunagi/database';
import type { DueJob } from '@tsunagi/jobs';

/**
 * The transactional outbox: a due time is written in the same transaction as the act that
 * set it, and the worker's relay hands it to Redis after commit. Nothing is lost when the
 * process dies between commit and enqueue.
 */
@Injectable()
export class OutboxService {
  constructor(private readonly db: Db) {}

  async schedule(job: DueJob, entityId: string, runAt: Date): Promise<void> {
    await this.db.defer('outbox', `INSERT INTO outbox (municipality_id, job, entity_id, run_at) VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3)`, [job, entityId, runAt]);
  }

  /** Several due times in one statement (an act that sets many, such as a plan's activation). */
  async scheduleMany(rows: Array<{ job: DueJob; entityId: string; runAt: Date }>): Promise<void> {
    if (!rows.length) return;
    await this.db.defer(
      'outbox',
      `INSERT INTO outbox (municipality_id, job, entity_id, run_at)
       SELECT current_setting('app.municipality_id')::uuid, job, entity_id, run_at FROM unnest($1::text[], $2::uuid[], $3::timestamptz[]) AS r (job, entity_id, run_at)`,
      [rows.map((r) => r.job), rows.map((r) => r.entityId), rows.map((r) => r.runAt.toISOString())],
    );
  }
}
