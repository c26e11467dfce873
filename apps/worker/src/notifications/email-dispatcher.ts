import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { CTX_MUNICIPALITY } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { NotificationChannel, NotificationsService, SmtpChannel } from '@tsunagi/notifications';

const INTERVAL_MS = 2000;

/** E-mails notifications when SMTP_URL is set; does nothing otherwise (the default). */
@Injectable()
export class EmailDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EmailDispatcher.name);
  private channel?: NotificationChannel;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly dataSource: DataSource,
    private readonly cls: ClsService,
    private readonly notifications: NotificationsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.smtpUrl) return;
    this.channel = new SmtpChannel(this.config.smtpUrl, this.config.smtpFrom);
    this.schedule(INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.channel?.close();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .then(() => this.schedule(INTERVAL_MS))
        .catch((error: Error) => {
          this.logger.warn({ err: error.message }, 'e-mail pass failed; retrying');
          this.schedule(INTERVAL_MS * 5);
        });
    }, ms);
  }

  async pass(): Promise<number> {
    if (!this.channel) return 0;
    const municipalities: Array<{ id: string }> = await this.dataSource.query('SELECT id FROM municipality_ids()');
    let sent = 0;
    for (const { id } of municipalities) {
      sent += await this.cls.run({ ifNested: 'override' }, () => {
        this.cls.set(CTX_MUNICIPALITY, id);
        return this.db.transaction(() => this.notifications.dispatch(this.channel!), id);
      });
    }
    return sent;
  }
}
