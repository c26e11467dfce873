import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CASE_ROLES, CurrentActor, Roles } from '@tsunagi/common';
import { ApiProblems } from '@tsunagi/common/openapi';
import { CreateOutcomeDto, OutcomeDto } from './dto/outcome.dto';
import { OutcomesService } from './outcomes.service';

@ApiTags('outcomes')
@ApiBearerAuth()
@Controller('cases/:id/outcomes')
export class OutcomesController {
  constructor(private readonly outcomes: OutcomesService) {}

  @Post()
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Record what changed for the person (work started, income increased, housing secured …)' })
  @ApiCreatedResponse({ type: OutcomeDto })
  @ApiProblems(400, 401, 403, 404, 422)
  create(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: CreateOutcomeDto): Promise<OutcomeDto> {
    return this.outcomes.create(actor, id, dto);
  }

  @Get()
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'The outcomes of a case (audited)' })
  @ApiOkResponse({ type: [OutcomeDto] })
  @ApiProblems(400, 401, 403, 404)
  list(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string): Promise<OutcomeDto[]> {
    return this.outcomes.list(actor, id);
  }
}
