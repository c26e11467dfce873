import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { etag, parseIfMatch } from '@tsunagi/cases';
import { Actor, CASE_ROLES, CurrentActor, DIRECTORY_ROLES, Page, Roles } from '@tsunagi/common';
import { ApiProblems, pageSchema } from '@tsunagi/common/openapi';
import { CreateResourceDto, ResourceDto, ResourceListQueryDto, UpdateResourceDto, VerifyResourceDto } from './dto/resource.dto';
import { ResourcesService } from './resources.service';

@ApiTags('resources')
@ApiBearerAuth()
@ApiExtraModels(ResourceDto)
@Controller('resources')
export class ResourcesController {
  constructor(private readonly resources: ResourcesService) {}

  @Post()
  @Roles('coordinator', 'csw', 'supervisor')
  @ApiOperation({ summary: 'Record a community resource (社会資源); the caller’s agency keeps it (coordinator, CSW, supervisor)' })
  @ApiCreatedResponse({ type: ResourceDto, headers: { ETag: { description: 'The version', schema: { type: 'string' } } } })
  @ApiProblems(400, 401, 403, 422)
  async create(@CurrentActor() actor: Actor, @Body() dto: CreateResourceDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<ResourceDto> {
    const resource = await this.resources.create(actor, dto);
    reply.header('ETag', etag(resource.version));
    return resource;
  }

  @Get()
  @Roles(...DIRECTORY_ROLES)
  @ApiOperation({ summary: 'Search the directory by kind, district, concern, accepting, stale and text (kanji or kana), in reading order' })
  @ApiOkResponse({ schema: pageSchema(getSchemaPath(ResourceDto)) })
  @ApiProblems(400, 401, 403)
  list(@Query() query: ResourceListQueryDto): Promise<Page<ResourceDto>> {
    return this.resources.list(query);
  }

  @Get(':id')
  @Roles(...DIRECTORY_ROLES)
  @ApiOperation({ summary: 'Read a resource; ETag carries its version' })
  @ApiOkResponse({ type: ResourceDto })
  @ApiProblems(400, 401, 403, 404)
  async get(@Param('id', new ParseUUIDPipe()) id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<ResourceDto> {
    const resource = await this.resources.get(id);
    reply.header('ETag', etag(resource.version));
    return resource;
  }

  @Patch(':id')
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Edit a resource (the keeper agency or a supervisor); needs If-Match' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag of your last read' })
  @ApiOkResponse({ type: ResourceDto })
  @ApiProblems(400, 401, 403, 404, 412, 422, 428)
  async update(
    @CurrentActor() actor: Actor,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() dto: UpdateResourceDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ResourceDto> {
    const resource = await this.resources.update(actor, id, parseIfMatch(ifMatch), dto);
    reply.header('ETag', etag(resource.version));
    return resource;
  }

  @Post(':id/verify')
  @HttpCode(200)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Record that the resource was verified today and complete its open verification task (the keeper agency or a supervisor)' })
  @ApiOkResponse({ type: ResourceDto })
  @ApiProblems(400, 401, 403, 404)
  async verify(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: VerifyResourceDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<ResourceDto> {
    const resource = await this.resources.verify(actor, id, dto);
    reply.header('ETag', etag(resource.version));
    return resource;
  }
}
