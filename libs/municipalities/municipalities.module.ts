import { Module } from '@nestjs/common';
import { AgenciesModule } from '@tsunagi/agencies';
import { CalendarService } from './calendar.service';
import { MunicipalitiesRepository } from './municipalities.repository';
import { MunicipalitiesService } from './municipalities.service';

@Module({
  imports: [AgenciesModule],
  providers: [MunicipalitiesRepository, MunicipalitiesService, CalendarService],
  exports: [MunicipalitiesService, CalendarService],
})
export class MunicipalitiesModule {}
