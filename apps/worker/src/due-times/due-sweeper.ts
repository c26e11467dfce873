import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { tokyoDate } from '@tsunagi/calendar';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { EscalationsService } from '@tsunagi/escalations';
import { DUE_JOBS, DueJob } from '@tsunagi/jobs';
import { PeriodicTask } from '../periodic-task';

const BATCH = 500;
const DEFAULT_OPENING = '08:30';

/**
 * The safety net: every few seconds, due work that was not done — Redis lost its jobs, a
 * worker died mid-job — is found in PostgreSQL and done now. An escalation is therefore late
 * by at most one sweep interval, and never doubled (the handlers lock and re-check).
 */
@Injectable()
export class DueSweeper extends PeriodicTask {
  constructor(
    private readonly dataSource: DataSource,
    private readonly escalations: EscalationsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.sweepIntervalMs;
  }
  protected override retryMs(): number {
    return this.config.sweepIntervalMs;
  }

  protected async pass(): Promise<boolean> {
    return (await this.sweep()) >= BATCH;
  }

  /** One sweep; returns how many items it handled. */
  async sweep(now = new Date()): Promise<number> {
    // Reminders are due from the opening time of the due day (each handler checks its own
    // municipality's opening time; this bound only keeps the sweep from re-reading tomorrow).
    const today = tokyoDate(now);
    const openedToday = now.getTime() >= new Date(`${today}T${DEFAULT_OPENING}:00+09:00`).getTime();
    const reminderBefore = new Date(new Date(`${today}T00:00:00+09:00`).getTime() + (openedToday ? 86400000 : 0));
    const rows: Array<{ municipality_id: string; job: string; entity_id: string }> = await this.dataSource.query('SELECT municipality_id, job, entity_id FROM due_work($1, $2)', [reminderBefore, BATCH]);
    // One batch per job and municipality (a task escalation batch is one transaction).
    const batches = new Map<string, { job: DueJob; municipalityId: string; ids: string[] }>();
    for (const row of rows) {
      if (!(DUE_JOBS as readonly string[]).includes(row.job)) continue;
      const key = `${row.job}/${row.municipality_id}`;
      const batch = batches.get(key) ?? { job: row.job as DueJob, municipalityId: row.municipality_id, ids: [] };
      batch.ids.push(row.entity_id);
      batches.set(key, batch);
    }
    let done = 0;
    for (const { job, municipalityId, ids } of batches.values()) {
      if (this.stopped) break;
      const outcomes = await this.escalations.runMany(job, municipalityId, ids);
      for (const outcome of outcomes.values()) {
        if (outcome === 'done') done++;
        else if (outcome instanceof Error) this.logger.warn({ job, err: outcome.message }, 'sweep item failed; the next sweep retries');
      }
    }
    if (done) this.logger.log({ done }, 'sweep re-delivered due work');
    return rows.length;
  }
}
