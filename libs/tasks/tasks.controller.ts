import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { Actor, CASE_ROLES, CurrentActor, Page, Roles } from '@tsunagi/common';
import { ApiProblems, pageSchema } from '@tsunagi/common/openapi';
import { CancelTaskDto, CompleteTaskDto, CreateTaskDto, TaskDto, TaskListQueryDto } from './dto/task.dto';
import { TasksService } from './tasks.service';

@ApiTags('tasks')
@ApiBearerAuth()
@ApiExtraModels(TaskDto)
@Controller()
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Post('cases/:id/tasks')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Add a follow-up task to a case (lead or involved agency)' })
  @ApiCreatedResponse({ type: TaskDto })
  @ApiProblems(400, 401, 403, 404, 422)
  create(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: CreateTaskDto): Promise<TaskDto> {
    return this.tasks.createForCase(actor, id, dto);
  }

  @Get('tasks')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: "Worklist: the caller's tasks (mine) or their agency's (agency), by due time" })
  @ApiOkResponse({ schema: pageSchema(getSchemaPath(TaskDto)) })
  @ApiProblems(400, 401, 403)
  list(@CurrentActor() actor: Actor, @Query() query: TaskListQueryDto): Promise<Page<TaskDto>> {
    return this.tasks.list(actor, query);
  }

  @Post('tasks/:id/complete')
  @HttpCode(200)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: "Complete a task (the task's agency or a supervisor)" })
  @ApiOkResponse({ type: TaskDto })
  @ApiProblems(400, 401, 403, 404, 409)
  complete(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: CompleteTaskDto): Promise<TaskDto> {
    return this.tasks.complete(actor, id, dto.note);
  }

  @Post('tasks/:id/cancel')
  @HttpCode(200)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: "Cancel a task with a reason (the task's agency or a supervisor)" })
  @ApiOkResponse({ type: TaskDto })
  @ApiProblems(400, 401, 403, 404, 409)
  cancel(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: CancelTaskDto): Promise<TaskDto> {
    return this.tasks.cancel(actor, id, dto.reason);
  }
}
