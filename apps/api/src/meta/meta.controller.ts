import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '@tsunagi/common/openapi';
import { VOCABULARIES } from '@tsunagi/vocabularies';

@ApiTags('meta')
@ApiBearerAuth()
@Controller('meta')
export class MetaController {
  @Get('vocabularies')
  @ApiOperation({ summary: 'Every code list with Japanese and English labels' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      additionalProperties: {
        type: 'array',
        items: { type: 'object', required: ['code', 'ja', 'en'], properties: { code: { type: 'string' }, ja: { type: 'string' }, en: { type: 'string' } } },
      },
    },
  })
  @ApiProblems(401)
  vocabularies() {
    return VOCABULARIES;
  }
}
