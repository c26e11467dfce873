import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { sealChain } from '@tsunagi/audit';
import { Db } from '@tsunagi/database';
import { PeriodicTask } from '../periodic-task';

const INTERVAL_MS = 1000;

/**
 * Seals each municipality's final audit events into its hash chain, every second. Several
 * workers may run it: sealers of one municipality queue on its chain head row.
 */
@Injectable()
export class AuditSealer extends PeriodicTask {
  constructor(
    private readonly db: Db,
    private readonly dataSource: DataSource,
  ) {
    super();
  }

  protected intervalMs(): number {
    return INTERVAL_MS;
  }

  protected pass(): Promise<boolean> {
    return this.sealAll();
  }

  /** One pass over every municipality; true when a batch was full (more to seal at once). */
  async sealAll(): Promise<boolean> {
    const municipalities: Array<{ id: string }> = await this.dataSource.query('SELECT id FROM municipality_ids()');
    let busy = false;
    for (const { id } of municipalities) {
      if (this.stopped) break;
      const sealed = await this.db.forMunicipality(id, () => sealChain((sql, params) => this.db.query(sql, params), id));
      if (sealed >= 5000) busy = true;
    }
    return busy;
  }
}
