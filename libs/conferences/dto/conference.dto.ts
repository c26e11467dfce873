import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsISO8601, IsOptional, IsString, IsUUID, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { CONFERENCE_TYPES, type ConferenceType } from '@tsunagi/vocabularies';

export class ActionItemDto {
  @ApiProperty({ maxLength: 200, example: '長男への訪問（CSW）' })
  @IsString() @MinLength(1) @MaxLength(200)
  title: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  assigneeAgencyId: string;

  @ApiProperty({ format: 'date-time' })
  @IsISO8601({ strict: true })
  dueAt: string;
}

export class CreateConferenceDto {
  @ApiProperty({ enum: CONFERENCE_TYPES, description: 'multi_agency_meeting and plan_coordination_meeting need the person’s consent' })
  @IsIn(CONFERENCE_TYPES)
  type: ConferenceType;

  @ApiProperty({ format: 'date-time' })
  @IsISO8601({ strict: true })
  heldAt: string;

  @ApiProperty({ type: [String], format: 'uuid', description: 'Agencies that took part' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @ArrayUnique() @IsUUID('all', { each: true })
  participantAgencyIds: string[];

  @ApiProperty({ maxLength: 10000 })
  @IsString() @MinLength(1) @MaxLength(10000)
  summary: string;

  @ApiPropertyOptional({ maxLength: 10000 })
  @IsOptional() @IsString() @MaxLength(10000)
  decisions?: string;

  @ApiPropertyOptional({ type: [ActionItemDto], description: 'Each becomes a task of its agency' })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => ActionItemDto)
  actionItems?: ActionItemDto[];
}

export class ConferenceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ enum: CONFERENCE_TYPES }) type: ConferenceType;
  @ApiProperty({ format: 'date-time' }) heldAt: string;
  @ApiProperty({ type: [String], format: 'uuid' }) participantAgencyIds: string[];
  @ApiProperty() summary: string;
  @ApiProperty({ type: String, nullable: true }) decisions: string | null;
  @ApiProperty({ type: [String], format: 'uuid', description: 'Tasks made from the action items' }) taskIds: string[];
  @ApiProperty({ format: 'uuid' }) createdById: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
