import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CASE_ROLES, CurrentActor, Roles } from '@tsunagi/common';
import { ApiProblems } from '@tsunagi/common/openapi';
import { ConferencesService } from './conferences.service';
import { ConferenceDto, CreateConferenceDto } from './dto/conference.dto';

@ApiTags('conferences')
@ApiBearerAuth()
@Controller('cases/:id/conferences')
export class ConferencesController {
  constructor(private readonly conferences: ConferencesService) {}

  @Post()
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Record a conference (支援会議, 重層的支援会議, 支援調整会議, 地域ケア会議, case review)' })
  @ApiCreatedResponse({ type: ConferenceDto })
  @ApiProblems(400, 401, 403, 404, 422)
  record(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: CreateConferenceDto): Promise<ConferenceDto> {
    return this.conferences.record(actor, id, dto);
  }

  @Get()
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'The conferences of a case (audited)' })
  @ApiOkResponse({ type: [ConferenceDto] })
  @ApiProblems(400, 401, 403, 404)
  list(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string): Promise<ConferenceDto[]> {
    return this.conferences.list(actor, id);
  }
}
