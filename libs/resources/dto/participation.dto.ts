import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import {
  PARTICIPATION_END_REASONS, PARTICIPATION_STATUSES, RESOURCE_KINDS, type ParticipationEndReason, type ParticipationStatus, type ResourceKind,
} from '@tsunagi/vocabularies';
import { DATE, NoNul } from './resource.dto';

export class CreateParticipationDto {
  @ApiProperty({ format: 'uuid', description: 'A community resource of the municipality' })
  @IsUUID()
  resourceId: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A household member of the case (household.members[].id); default the primary person' })
  @IsOptional() @IsUUID()
  memberId?: string;

  @ApiPropertyOptional({ enum: ['proposed', 'started'], description: 'Default: started when startedOn is given, else proposed' })
  @IsOptional() @IsIn(['proposed', 'started'])
  status?: 'proposed' | 'started';

  @ApiPropertyOptional({ format: 'date', description: 'When the person started (default today when status is started); not in the future' })
  @IsOptional() @Matches(DATE, { message: 'startedOn must be YYYY-MM-DD' })
  startedOn?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @NoNul() @MaxLength(2000)
  note?: string;
}

export class StartParticipationDto {
  @ApiProperty({ format: 'date', description: 'Not in the future' })
  @Matches(DATE, { message: 'startedOn must be YYYY-MM-DD' })
  startedOn: string;
}

export class CheckParticipationDto {
  @ApiProperty({ format: 'date', description: 'Not in the future' })
  @Matches(DATE, { message: 'checkedOn must be YYYY-MM-DD' })
  checkedOn: string;

  @ApiProperty({ description: 'Is the person still attending?' })
  @IsBoolean()
  attending: boolean;

  @ApiPropertyOptional({ format: 'date', description: 'Opens the next check task, due that day (after checkedOn, not in the past)' })
  @IsOptional() @Matches(DATE, { message: 'nextCheckOn must be YYYY-MM-DD' })
  nextCheckOn?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @NoNul() @MaxLength(2000)
  note?: string;
}

export class EndParticipationDto {
  @ApiProperty({ format: 'date', description: 'Not in the future, nor before startedOn' })
  @Matches(DATE, { message: 'endedOn must be YYYY-MM-DD' })
  endedOn: string;

  @ApiProperty({ enum: PARTICIPATION_END_REASONS })
  @IsIn(PARTICIPATION_END_REASONS)
  reason: ParticipationEndReason;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @NoNul() @MaxLength(2000)
  note?: string;
}

export class ParticipationResourceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: RESOURCE_KINDS }) kind: ResourceKind;
  @ApiProperty({ type: String, nullable: true }) district: string | null;
}

export class ParticipationCheckDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date' }) checkedOn: string;
  @ApiProperty() attending: boolean;
  @ApiProperty({ type: String, format: 'date', nullable: true }) nextCheckOn: string | null;
  @ApiProperty({ type: String, nullable: true }) note: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) agencyId: string | null;
  @ApiProperty({ format: 'uuid' }) checkedById: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class ParticipationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ type: ParticipationResourceDto }) resource: ParticipationResourceDto;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The household member; null: the primary person' }) memberId: string | null;
  @ApiProperty({ enum: PARTICIPATION_STATUSES }) status: ParticipationStatus;
  @ApiProperty({ format: 'uuid', description: 'The agency that proposed it' }) agencyId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The agency that started it; its check tasks are this agency’s' }) startedByAgencyId: string | null;
  @ApiProperty({ format: 'date' }) proposedOn: string;
  @ApiProperty({ type: String, format: 'date', nullable: true }) startedOn: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) endedOn: string | null;
  @ApiProperty({ enum: PARTICIPATION_END_REASONS, nullable: true }) endReason: ParticipationEndReason | null;
  @ApiProperty({ type: String, nullable: true }) note: string | null;
  @ApiProperty({ type: String, nullable: true }) endNote: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) lastCheckedOn: string | null;
  @ApiProperty({ type: Boolean, nullable: true, description: 'What the last check found' }) lastAttending: boolean | null;
  @ApiProperty({ type: [ParticipationCheckDto] }) checks: ParticipationCheckDto[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The open participation_check task' }) checkTaskId: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the open check task falls due' }) checkDueAt: string | null;
  @ApiProperty({ format: 'uuid' }) createdById: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
