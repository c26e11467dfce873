import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsISO8601, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { PageQueryDto, QueryBoolean } from '@tsunagi/common';
import { TASK_KINDS, TASK_STATUSES, type TaskKind, type TaskStatus } from '@tsunagi/vocabularies';

export class CreateTaskDto {
  @ApiProperty({ enum: ['monitoring', 'custom'] })
  @IsIn(['monitoring', 'custom'])
  kind: 'monitoring' | 'custom';

  @ApiProperty({ maxLength: 200, example: '1か月後に母へ電話で様子確認' })
  @IsString() @MinLength(1) @MaxLength(200)
  title: string;

  @ApiProperty({ format: 'date-time' })
  @IsISO8601({ strict: true })
  dueAt: string;

  @ApiPropertyOptional({ format: 'uuid', description: "Default: the caller's agency" })
  @IsOptional() @IsUUID()
  assigneeAgencyId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A user of the assignee agency' })
  @IsOptional() @IsUUID()
  assigneeUserId?: string;
}

export class TaskListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['mine', 'agency'], default: 'mine' })
  @IsOptional() @IsIn(['mine', 'agency'])
  scope?: 'mine' | 'agency';

  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @IsOptional() @IsIn(TASK_STATUSES)
  status?: TaskStatus;

  @ApiPropertyOptional({ description: 'Only open tasks whose due time has passed' })
  @IsOptional() @QueryBoolean() @IsBoolean()
  overdue?: boolean;
}

export class CompleteTaskDto {
  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @MaxLength(2000)
  note?: string;
}

export class CancelTaskDto {
  @ApiProperty({ maxLength: 2000 })
  @IsString() @MinLength(1) @MaxLength(2000)
  reason: string;
}

export class TaskDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) caseId: string | null;
  @ApiProperty({ type: String, nullable: true }) caseNumber: string | null;
  @ApiProperty({ enum: TASK_KINDS }) kind: TaskKind;
  @ApiProperty() title: string;
  @ApiProperty({ enum: TASK_STATUSES }) status: TaskStatus;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) dueAt: string | null;
  @ApiProperty() overdue: boolean;
  @ApiProperty({ format: 'uuid' }) assigneeAgencyId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) assigneeUserId: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'referral' }) sourceType: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) sourceId: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt: string | null;
  @ApiProperty({ type: String, nullable: true }) completionNote: string | null;
  @ApiProperty({ type: String, nullable: true }) cancelReason: string | null;
}
