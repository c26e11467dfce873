import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@tsunagi/common';
import { ApiProblems } from '@tsunagi/common/openapi';
import { IndicatorsQueryDto, IndicatorsReportDto } from './dto/indicators.dto';
import { indicatorsCsv } from './indicators-csv';
import { IndicatorsService } from './indicators.service';

@ApiTags('reports')
@ApiBearerAuth()
@ApiExtraModels(IndicatorsReportDto)
@Controller('reports')
export class ReportsController {
  constructor(private readonly indicators: IndicatorsService) {}

  @Get('indicators')
  @Roles('supervisor')
  @ApiOperation({
    summary: 'Fiscal-year indicators (supervisor): cases, referrals, escalations, closures, conferences and the national items, as counts',
    description:
      'Counts over records for one fiscal year (年度, April–March, Asia/Tokyo), restricted cases included, no case content. ' +
      'A case counts in the year of its receivedAt, a referral in the year it was made, an answer time in the year it was answered, ' +
      'a closure in the year it closed, a conference in the year it was held. Every code of a vocabulary appears, with 0 when nothing counted. ' +
      '`format=csv` answers 区分,項目,件数 rows as UTF-8 with BOM and CRLF, for Excel. Each read is on the audit trail (report.viewed).',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    description: 'The indicators (JSON), or the same as CSV with format=csv',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(IndicatorsReportDto) } },
      'text/csv': { schema: { type: 'string', example: '\uFEFF区分,項目,件数\r\n相談経路,来所,12\r\n' } },
    },
  })
  @ApiProblems(400, 401, 403)
  async indicatorsReport(@Query() query: IndicatorsQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<IndicatorsReportDto | string> {
    const format = query.format ?? 'json';
    const report = await this.indicators.indicators(query.fiscalYear, format);
    if (format === 'json') return report;
    reply.header('content-type', 'text/csv; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="indicators-${report.fiscalYear}.csv"`);
    return indicatorsCsv(report);
  }
}
