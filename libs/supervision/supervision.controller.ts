import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { Actor, CurrentActor, Page, Roles } from '@tsunagi/common';
import { ApiProblems, pageSchema } from '@tsunagi/common/openapi';
import { HandoffDto, HandoffQueryDto } from './dto/handoff.dto';
import { HandoffsService } from './handoffs.service';

@ApiTags('supervision')
@ApiBearerAuth()
@ApiExtraModels(HandoffDto)
@Controller('handoffs')
export class SupervisionController {
  constructor(private readonly handoffs: HandoffsService) {}

  @Get()
  @Roles('supervisor')
  @ApiOperation({ summary: 'Hand-off board (supervisor): every referral with its times, longest waiting first' })
  @ApiOkResponse({ schema: pageSchema(getSchemaPath(HandoffDto)) })
  @ApiProblems(400, 401, 403)
  list(@CurrentActor() actor: Actor, @Query() query: HandoffQueryDto): Promise<Page<HandoffDto>> {
    return this.handoffs.list(actor, query);
  }
}
