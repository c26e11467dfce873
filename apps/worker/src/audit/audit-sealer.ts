import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { DataSource } from 'typeorm';
import { sealChain } from '@tsunagi/audit';
import { CTX_MUNICIPALITY } from '@tsunagi/common';
import { Db } from '@tsunagi/database';

const INTERVAL_MS = 1000;

/**
 * Seals each municipality's final audit events into its hash chain, every second. Several
 * workers may run it: sealers of one municipality queue on its chain head row.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditSealer.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly dataSource: DataSource,
    private readonly cls: ClsService,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sealAll()
        .then((busy) => this.schedule(busy ? 0 : INTERVAL_MS))
        .catch((error: Error) => {
          this.logger.warn({ err: error.message }, 'audit sealing failed; retrying');
          this.schedule(INTERVAL_MS * 5);
        });
    }, ms);
  }

  /** One pass over every municipality; true when a batch was full (more to seal at once). */
  async sealAll(): Promise<boolean> {
    const municipalities: Array<{ id: string }> = await this.dataSource.query('SELECT id FROM municipality_ids()');
    let busy = false;
    for (const { id } of municipalities) {
      if (this.stopped) break;
      const sealed = await this.cls.run({ ifNested: 'override' }, () => {
        this.cls.set(CTX_MUNICIPALITY, id);
        return this.db.transaction(() => sealChain((sql, params) => this.db.query(sql, params), id), id);
      });
      if (sealed >= 5000) busy = true;
    }
    return busy;
  }
}
