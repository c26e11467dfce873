import { Module } from '@nestjs/common';
import { AgenciesController } from './agencies.controller';
import { AgenciesModule } from './agencies.module';

/** The HTTP routes of agencies; the worker imports AgenciesModule alone (no controllers there). */
@Module({ imports: [AgenciesModule], controllers: [AgenciesController] })
export class AgenciesHttpModule {}
