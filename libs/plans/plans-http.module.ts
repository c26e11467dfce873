import { Module } from '@nestjs/common';
import { OutcomesController } from './outcomes.controller';
import { PlansController } from './plans.controller';
import { PlansModule } from './plans.module';

/** The HTTP routes of plans and outcomes; other modules and the worker import PlansModule alone. */
@Module({ imports: [PlansModule], controllers: [PlansController, OutcomesController] })
export class PlansHttpModule {}
