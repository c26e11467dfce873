import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { Public } from '@tsunagi/common';
import { ApiProblems } from '@tsunagi/common/openapi';
import { RESOURCE_KINDS } from '@tsunagi/vocabularies';
import { PublicResourcePageDto } from './dto/resource.dto';
import { PublicDirectoryService } from './public-directory.service';

@ApiTags('public')
@ApiExtraModels(PublicResourcePageDto)
@Controller('public/resources')
export class PublicResourcesController {
  constructor(private readonly directory: PublicDirectoryService) {}

  /**
   * The query is taken raw, not through a DTO: the global pipe refuses unknown parameters,
   * and a link from a municipality's web page (utm_source, a cache buster …) must still work.
   */
  @Get()
  @Public()
  @UseGuards(ThrottlerGuard)
  @ApiOperation({
    summary: 'The public directory of community resources (no token): resources marked public, directory fields only',
    description:
      'For residents and the municipality’s web pages. Never shows internal notes, cases, participants or counts of them. ' +
      'Unknown query parameters are ignored. Rate-limited per client address (429 with Retry-After); answers are cached briefly (Cache-Control). ' +
      '`format=csv`: the whole public directory as UTF-8 with BOM and CRLF, Japanese headers and labels, for Excel.',
    security: [],
  })
  @ApiQuery({ name: 'municipality', required: true, description: 'Municipality code, e.g. demo', schema: { type: 'string' } })
  @ApiQuery({ name: 'kind', required: false, enum: RESOURCE_KINDS })
  @ApiQuery({ name: 'district', required: false, schema: { type: 'string', maxLength: 50 } })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, description: 'JSON only' })
  @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string' }, description: 'JSON only: nextCursor of the previous page' })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    description: 'A page of the public directory (JSON), or all of it as CSV with format=csv',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(PublicResourcePageDto) } },
      'text/csv': { schema: { type: 'string', example: '\uFEFFID,名称,よみがな,種類,圏域,所在地,内容,連絡先,日時,対象となる課題,対象,受け入れ,最終確認日\r\n' } },
    },
  })
  @ApiProblems(400, 404, 429)
  async list(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublicResourcePageDto | string> {
    const answer = await this.directory.directory(this.directory.parse(query));
    const seconds = this.directory.cacheSeconds;
    reply.header('cache-control', seconds > 0 ? `public, max-age=${seconds}` : 'no-store');
    // Open data: a municipality's own web page may read it from the browser.
    reply.header('access-control-allow-origin', '*');
    reply.header('cross-origin-resource-policy', 'cross-origin');
    if (answer.format === 'json') return answer.body;
    reply.header('content-type', 'text/csv; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="resources-${answer.code}.csv"`);
    return answer.body;
  }
}
