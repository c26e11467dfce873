import { Module } from '@nestjs/common';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { NotificationsModule } from '@tsunagi/notifications';
import { TasksModule } from '@tsunagi/tasks';
import { EscalationsRepository } from './escalations.repository';
import { EscalationsService } from './escalations.service';

@Module({
  imports: [TasksModule, NotificationsModule, MunicipalitiesModule],
  providers: [EscalationsRepository, EscalationsService],
  exports: [EscalationsService],
})
export class EscalationsModule {}
