import { Module } from '@nestjs/common';
import { CasesModule } from '@tsunagi/cases';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { TasksRepository } from './tasks.repository';
import { TasksService } from './tasks.service';

@Module({
  imports: [CasesModule, MunicipalitiesModule],
  providers: [TasksRepository, TasksService],
  exports: [TasksService],
})
export class TasksModule {}
