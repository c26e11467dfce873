import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CASE_ROLES, CurrentActor, Roles } from '@tsunagi/common';
import { ApiProblems } from '@tsunagi/common/openapi';
import { CheckParticipationDto, CreateParticipationDto, EndParticipationDto, ParticipationDto, StartParticipationDto } from './dto/participation.dto';
import { ParticipationsService } from './participations.service';

@ApiTags('participations')
@ApiBearerAuth()
@Controller()
export class ParticipationsController {
  constructor(private readonly participations: ParticipationsService) {}

  @Post('cases/:id/participations')
  @Roles(...CASE_ROLES)
  @ApiOperation({
    summary: 'Link a person on the case to a community resource (参加支援): proposed, or started (lead or involved agency)',
    description: 'Starting opens a participation_check task for the starting agency, due participationCheckWeeks (default 4) weeks after startedOn at closing time, and records a participation_started outcome.',
  })
  @ApiCreatedResponse({ type: ParticipationDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  create(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: CreateParticipationDto): Promise<ParticipationDto> {
    return this.participations.create(actor, id, dto);
  }

  @Get('cases/:id/participations')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'The participations of a case with their checks (audited)' })
  @ApiOkResponse({ type: [ParticipationDto] })
  @ApiProblems(400, 401, 403, 404)
  list(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string): Promise<ParticipationDto[]> {
    return this.participations.list(actor, id);
  }

  @Post('participations/:id/start')
  @HttpCode(200)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Record that the person started (proposed only): check task and participation_started outcome' })
  @ApiOkResponse({ type: ParticipationDto })
  @ApiProblems(400, 401, 403, 404, 409)
  start(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: StartParticipationDto): Promise<ParticipationDto> {
    return this.participations.start(actor, id, dto);
  }

  @Post('participations/:id/check')
  @HttpCode(200)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Record a check (still attending or not): completes the check task; opens the next only with nextCheckOn' })
  @ApiOkResponse({ type: ParticipationDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  check(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: CheckParticipationDto): Promise<ParticipationDto> {
    return this.participations.check(actor, id, dto);
  }

  @Post('participations/:id/end')
  @HttpCode(200)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'End a participation with a reason (an ended one is 409); its open check task is cancelled' })
  @ApiOkResponse({ type: ParticipationDto })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  end(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: EndParticipationDto): Promise<ParticipationDto> {
    return this.participations.end(actor, id, dto);
  }
}
