import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor, CASE_ROLES, CurrentActor, Roles } from '@tsunagi/common';
import { ApiProblems } from '@tsunagi/common/openapi';
import { etag, parseIfMatch } from '@tsunagi/cases';
import { ActivatePlanDto, CreateEvaluationDto, CreatePlanDto, EvaluationDto, PlanDto, UpdatePlanDto } from './dto/plan.dto';
import { PlansService } from './plans.service';

@ApiTags('plans')
@ApiBearerAuth()
@Controller()
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Post('cases/:id/plans')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Draft a support plan (支援プラン) with the person: wishes, goals, actions (lead or involved agency)' })
  @ApiCreatedResponse({ type: PlanDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async create(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: CreatePlanDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<PlanDto> {
    const plan = await this.plans.create(actor, id, dto);
    reply.header('ETag', etag(plan.revision));
    return plan;
  }

  @Get('cases/:id/plans')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Every version of the case’s plans, newest first (audited)' })
  @ApiOkResponse({ type: [PlanDto] })
  @ApiProblems(400, 401, 403, 404)
  list(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string): Promise<PlanDto[]> {
    return this.plans.listForCase(actor, id);
  }

  @Get('plans/:id')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'One plan as it is (or was), with its evaluations (audited)' })
  @ApiOkResponse({ type: PlanDto, headers: { ETag: { description: 'The plan’s revision' } } })
  @ApiProblems(400, 401, 403, 404)
  async get(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<PlanDto> {
    const plan = await this.plans.get(actor, id);
    reply.header('ETag', etag(plan.revision));
    return plan;
  }

  @Patch('plans/:id')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Edit a draft plan (lead or involved agency); needs If-Match; an active or ended plan is 409' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag of your last read' })
  @ApiOkResponse({ type: PlanDto })
  @ApiProblems(400, 401, 403, 404, 409, 412, 422, 428)
  async update(
    @CurrentActor() actor: Actor,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() dto: UpdatePlanDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PlanDto> {
    const plan = await this.plans.update(actor, id, parseIfMatch(ifMatch), dto);
    reply.header('ETag', etag(plan.revision));
    return plan;
  }

  @Post('plans/:id/activate')
  @HttpCode(200)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Activate a draft with the person’s agreement (and an approving conference): actions become tasks, the review is scheduled (lead agency)' })
  @ApiOkResponse({ type: PlanDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async activate(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: ActivatePlanDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<PlanDto> {
    const plan = await this.plans.activate(actor, id, dto);
    reply.header('ETag', etag(plan.revision));
    return plan;
  }

  @Post('plans/:id/evaluations')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Evaluate an active plan goal by goal (評価): continue, replan or end (lead agency)' })
  @ApiCreatedResponse({ type: EvaluationDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  evaluate(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: CreateEvaluationDto): Promise<EvaluationDto> {
    return this.plans.evaluate(actor, id, dto);
  }
}
