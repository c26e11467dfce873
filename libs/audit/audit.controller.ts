import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { Actor, CurrentActor, Page, Roles } from '@tsunagi/common';
import { ApiProblems, pageSchema } from '@tsunagi/common/openapi';
import { VerifyResult } from './audit-chain';
import { AuditQueryService } from './audit-query.service';
import { AuditEventDto, AuditQueryDto, AuditVerifyDto } from './dto/audit.dto';

@ApiTags('audit')
@ApiBearerAuth()
@ApiExtraModels(AuditEventDto)
@Controller('audit')
export class AuditController {
  constructor(private readonly service: AuditQueryService) {}

  @Get()
  @Roles('auditor', 'supervisor')
  @ApiOperation({ summary: 'The access and change log (auditor, supervisor): who read or changed what, newest first' })
  @ApiOkResponse({ schema: pageSchema(getSchemaPath(AuditEventDto)) })
  @ApiProblems(400, 401, 403)
  list(@CurrentActor() actor: Actor, @Query() query: AuditQueryDto): Promise<Page<AuditEventDto>> {
    return this.service.list(actor, query);
  }

  @Get('verify')
  @Roles('auditor')
  @ApiOperation({ summary: "Verify the municipality's hash-chained audit trail (auditor)" })
  @ApiOkResponse({ type: AuditVerifyDto })
  @ApiProblems(401, 403)
  verify(@CurrentActor() actor: Actor): Promise<VerifyResult> {
    return this.service.verify(actor);
  }
}
