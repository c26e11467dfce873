import { Module } from '@nestjs/common';
import { CasesModule } from '@tsunagi/cases';
import { TasksModule } from '@tsunagi/tasks';
import { ConferencesRepository } from './conferences.repository';
import { ConferencesService } from './conferences.service';

@Module({
  imports: [CasesModule, TasksModule],
  providers: [ConferencesRepository, ConferencesService],
  exports: [ConferencesService],
})
export class ConferencesModule {}
