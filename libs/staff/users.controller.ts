import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { Actor, CurrentActor, Page, PageQueryDto, Roles } from '@tsunagi/common';
import { ApiProblems, pageSchema } from '@tsunagi/common/openapi';
import { ChangePasswordDto, CreateUserDto, UpdateUserDto, UserDto } from './dto/user.dto';
import { User } from './users.repository';
import { UsersService } from './users.service';

export class UserListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  agencyId?: string;
}

@ApiTags('users')
@ApiBearerAuth()
@ApiExtraModels(UserDto)
@Controller('users')
export class UsersController {
  constructor(private readonly service: UsersService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a staff account (administrator)' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiProblems(400, 401, 403, 409, 422)
  create(@Body() dto: CreateUserDto): Promise<User> {
    return this.service.create(dto);
  }

  @Get()
  @Roles('admin', 'supervisor')
  @ApiOperation({ summary: 'List staff accounts (administrator, supervisor)' })
  @ApiOkResponse({ schema: pageSchema(getSchemaPath(UserDto)) })
  @ApiProblems(400, 401, 403)
  list(@Query() query: UserListQueryDto): Promise<Page<User>> {
    return this.service.list(query);
  }

  @Get(':id')
  @Roles('admin', 'supervisor')
  @ApiOperation({ summary: 'One staff account (administrator, supervisor)' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(400, 401, 403, 404)
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<User> {
    return this.service.get(id);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Move (人事異動), change roles of, or disable a user (administrator)' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(400, 401, 403, 404, 422)
  update(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateUserDto): Promise<User> {
    return this.service.update(actor, id, dto);
  }

  @Post(':id/password')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change your own password (with the current one) or reset a user’s (administrator)' })
  @ApiNoContentResponse({ description: 'Changed; existing sessions of that user end' })
  @ApiProblems(400, 401, 403, 404)
  async changePassword(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: ChangePasswordDto): Promise<void> {
    await this.service.changePassword(actor, id, dto);
  }
}
