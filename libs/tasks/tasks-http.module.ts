import { Module } from '@nestjs/common';
import { TasksController } from './tasks.controller';
import { TasksModule } from './tasks.module';

/** The HTTP routes of tasks; the worker imports TasksModule alone (no controllers there). */
@Module({ imports: [TasksModule], controllers: [TasksController] })
export class TasksHttpModule {}
