import { Module } from '@nestjs/common';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';

@Module({
  imports: [MunicipalitiesModule],
  providers: [NotificationsRepository, NotificationsService],
  exports: [NotificationsService],
})
export class NotificationsModule {}
