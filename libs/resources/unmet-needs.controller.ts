import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CASE_ROLES, CurrentActor, Roles } from '@tsunagi/common';
import { ApiProblems } from '@tsunagi/common/openapi';
import { CreateUnmetNeedDto, UnmetNeedDto, UnmetNeedSummaryDto, UnmetNeedSummaryQueryDto } from './dto/unmet-need.dto';
import { UnmetNeedsService } from './unmet-needs.service';

@ApiTags('unmet-needs')
@ApiBearerAuth()
@Controller()
export class UnmetNeedsController {
  constructor(private readonly unmetNeeds: UnmetNeedsService) {}

  @Post('cases/:id/unmet-needs')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Record a need no resource in the area meets (地域の不足資源) — lead or involved agency' })
  @ApiCreatedResponse({ type: UnmetNeedDto })
  @ApiProblems(400, 401, 403, 404)
  record(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: CreateUnmetNeedDto): Promise<UnmetNeedDto> {
    return this.unmetNeeds.record(actor, id, dto);
  }

  @Get('unmet-needs/summary')
  @Roles('coordinator', 'supervisor')
  @ApiOperation({ summary: 'Unmet needs by district × concern for a period (coordinator, supervisor): counts only, no case content' })
  @ApiOkResponse({ type: UnmetNeedSummaryDto })
  @ApiProblems(400, 401, 403)
  summary(@Query() query: UnmetNeedSummaryQueryDto): Promise<UnmetNeedSummaryDto> {
    return this.unmetNeeds.summary(query);
  }
}
