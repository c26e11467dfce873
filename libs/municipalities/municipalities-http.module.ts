import { Module } from '@nestjs/common';
import { MunicipalitiesController } from './municipalities.controller';
import { CalendarController } from './calendar.controller';
import { MunicipalitiesModule } from './municipalities.module';

/** The HTTP routes of municipalities; the worker imports MunicipalitiesModule alone (no controllers there). */
@Module({ imports: [MunicipalitiesModule], controllers: [MunicipalitiesController, CalendarController] })
export class MunicipalitiesHttpModule {}
