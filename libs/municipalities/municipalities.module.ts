import { Module } from '@nestjs/common';
import { AgenciesModule } from '@tsunagi/agencies';
import { CalendarController } from './calendar.controller';
import { CalendarService } from './calendar.service';
import { MunicipalitiesController } from './municipalities.controller';
import { MunicipalitiesRepository } from './municipalities.repository';
import { MunicipalitiesService } from './municipalities.service';

@Module({
  imports: [AgenciesModule],
  controllers: [MunicipalitiesController, CalendarController],
  providers: [MunicipalitiesRepository, MunicipalitiesService, CalendarService],
  exports: [MunicipalitiesService, CalendarService],
})
export class MunicipalitiesModule {}
