import { Module } from '@nestjs/common';
import { ConferencesController } from './conferences.controller';
import { ConferencesModule } from './conferences.module';

/** The HTTP routes of conferences; the worker imports ConferencesModule alone (no controllers there). */
@Module({ imports: [ConferencesModule], controllers: [ConferencesController] })
export class ConferencesHttpModule {}
