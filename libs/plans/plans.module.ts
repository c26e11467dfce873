import { Module } from '@nestjs/common';
import { CasesModule } from '@tsunagi/cases';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { TasksModule } from '@tsunagi/tasks';
import { OutcomesRepository } from './outcomes.repository';
import { OutcomesService } from './outcomes.service';
import { PlansRepository } from './plans.repository';
import { PlansService } from './plans.service';

@Module({
  imports: [CasesModule, TasksModule, MunicipalitiesModule],
  providers: [PlansRepository, PlansService, OutcomesRepository, OutcomesService],
  exports: [PlansService, OutcomesService],
})
export class PlansModule {}
