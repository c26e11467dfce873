import { Module } from '@nestjs/common';
import { NotificationsController } from './notifications.controller';
import { NotificationsModule } from './notifications.module';

/** The HTTP routes of notifications; the worker imports NotificationsModule alone (no controllers there). */
@Module({ imports: [NotificationsModule], controllers: [NotificationsController] })
export class NotificationsHttpModule {}
