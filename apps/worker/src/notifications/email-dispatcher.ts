import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { Db } from '@tsunagi/database';
import { NotificationChannel, NotificationsService, SmtpChannel } from '@tsunagi/notifications';
import { PeriodicTask } from '../periodic-task';

const INTERVAL_MS = 2000;

/** E-mails notifications when SMTP_URL is set; does nothing otherwise (the default). */
@Injectable()
export class EmailDispatcher extends PeriodicTask {
  private channel?: NotificationChannel;

  constructor(
    private readonly db: Db,
    private readonly dataSource: DataSource,
    private readonly notifications: NotificationsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected override enabled(): boolean {
    if (!this.config.smtpUrl) return false;
    this.channel = new SmtpChannel(this.config.smtpUrl, this.config.smtpFrom);
    return true;
  }
  protected intervalMs(): number {
    return INTERVAL_MS;
  }
  protected override async stop(): Promise<void> {
    this.channel?.close();
  }

  protected async pass(): Promise<boolean> {
    return (await this.send()) >= 100;
  }

  /** One pass over every municipality; returns how many were sent. */
  async send(): Promise<number> {
    if (!this.channel) return 0;
    const municipalities: Array<{ id: string }> = await this.dataSource.query('SELECT id FROM municipality_ids()');
    let sent = 0;
    for (const { id } of municipalities) {
      sent += await this.db.forMunicipality(id, () => this.notifications.dispatch(this.channel!));
    }
    return sent;
  }
}
