import { Injectable } from '@nestjs/common';
import { ReportRollups } from '@tsunagi/reporting';
import { PeriodicTask } from '../periodic-task';

const INTERVAL_MS = 5000;

/**
 * Every few seconds, the indicators' running totals are compacted and the answers of the day
 * timed on each municipality's calendar (ReportRollups). Reports are exact without it; with it
 * they read a few thousand rows. Several workers may run it: compaction takes an advisory
 * lock, timing skips rows another worker holds.
 */
@Injectable()
export class ReportRollupsKeeper extends PeriodicTask {
  constructor(private readonly rollups: ReportRollups) {
    super();
  }

  protected intervalMs(): number {
    return INTERVAL_MS;
  }

  protected pass(): Promise<boolean> {
    return this.rollups.pass();
  }
}
