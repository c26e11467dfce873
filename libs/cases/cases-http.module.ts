import { Module } from '@nestjs/common';
import { CasesController } from './cases.controller';
import { CasesModule } from './cases.module';

/** The HTTP routes of cases; the worker imports CasesModule alone (no controllers there). */
@Module({ imports: [CasesModule], controllers: [CasesController] })
export class CasesHttpModule {}
