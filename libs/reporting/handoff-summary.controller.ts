import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@tsunagi/common';
import { ApiProblems } from '@tsunagi/common/openapi';
import { HandoffSummaryDto, HandoffSummaryQueryDto } from './dto/handoff-summary.dto';
import { HandoffSummaryService } from './handoff-summary.service';

/** Beside the supervision board's `GET /handoffs`: a static sub-path, so neither shadows the other. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('handoffs')
export class HandoffSummaryController {
  constructor(private readonly handoffs: HandoffSummaryService) {}

  @Get('summary')
  @Roles('supervisor')
  @ApiOperation({
    summary: 'Where hand-offs stall (supervisor): referrals per agency pair and per receiving agency, with answers, escalations and times',
    description:
      'Referrals made from `from` to `to` (dates, Asia/Tokyo, inclusive; default the current fiscal year). Business hours count opening hours on ' +
      'business days of the municipality calendar. Counts only; restricted cases count. Each read is on the audit trail (report.viewed).',
  })
  @ApiOkResponse({ type: HandoffSummaryDto, description: 'Counts and times per agency pair, per receiving agency and in total' })
  @ApiProblems(400, 401, 403)
  summary(@Query() query: HandoffSummaryQueryDto): Promise<HandoffSummaryDto> {
    return this.handoffs.summary(query);
  }
}
