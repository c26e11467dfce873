import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { DIRECTORY_ROLES, Page, Roles } from '@tsunagi/common';
import { ApiProblems, pageSchema } from '@tsunagi/common/openapi';
import { Agency } from './agencies.repository';
import { AgenciesService } from './agencies.service';
import { AgencyDto, AgencyListQueryDto, CreateAgencyDto } from './dto/agency.dto';

@ApiTags('agencies')
@ApiBearerAuth()
@ApiExtraModels(AgencyDto)
@Controller('agencies')
export class AgenciesController {
  constructor(private readonly service: AgenciesService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create an agency (相談支援機関) — administrator' })
  @ApiCreatedResponse({ type: AgencyDto })
  @ApiProblems(400, 401, 403, 409)
  create(@Body() dto: CreateAgencyDto): Promise<Agency> {
    return this.service.create(dto);
  }

  @Get()
  @Roles(...DIRECTORY_ROLES)
  @ApiOperation({ summary: "List the municipality's agencies" })
  @ApiOkResponse({ schema: pageSchema(getSchemaPath(AgencyDto)) })
  @ApiProblems(400, 401, 403)
  list(@Query() query: AgencyListQueryDto): Promise<Page<Agency>> {
    return this.service.list(query);
  }

  @Get(':id')
  @Roles(...DIRECTORY_ROLES)
  @ApiOperation({ summary: 'One agency' })
  @ApiOkResponse({ type: AgencyDto })
  @ApiProblems(400, 401, 403, 404)
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<Agency> {
    return this.service.get(id);
  }
}
