import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { Actor, CASE_ROLES, CurrentActor, Page, PageQueryDto, QueryBoolean, Roles } from '@tsunagi/common';
import { ApiProblems, pageSchema } from '@tsunagi/common/openapi';
import { NotificationsService, NotificationView } from './notifications.service';

export class NotificationListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only unread ones' })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  unread?: boolean;
}

export class NotificationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'referral.declined' }) kind: string;
  @ApiProperty({ example: 'つなぎが辞退されました（ケース番号 2026-000123）' }) title: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) caseId: string | null;
  @ApiProperty({ type: String, nullable: true }) entityType: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) entityId: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) readAt: string | null;
}

@ApiTags('notifications')
@ApiBearerAuth()
@ApiExtraModels(NotificationDto)
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: "The caller's notifications and their agency's, newest first" })
  @ApiOkResponse({ schema: pageSchema(getSchemaPath(NotificationDto)) })
  @ApiProblems(400, 401, 403)
  list(@CurrentActor() actor: Actor, @Query() query: NotificationListQueryDto): Promise<Page<NotificationView>> {
    return this.notifications.list(actor, query);
  }

  @Post(':id/read')
  @HttpCode(204)
  @Roles(...CASE_ROLES)
  @ApiOperation({ summary: 'Mark a notification read' })
  @ApiNoContentResponse({ description: 'Marked read' })
  @ApiProblems(400, 401, 403, 404)
  async read(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.notifications.markRead(actor, id);
  }
}
