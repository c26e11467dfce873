import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto, QueryBoolean } from '@tsunagi/common';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Every event about this case: who read or changed anything of it' })
  @IsOptional() @IsUUID()
  caseId?: string;

  @ApiPropertyOptional({ example: 'case' })
  @IsOptional() @IsString() @Matches(/^[a-z_]{1,40}$/)
  entityType?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  entityId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({ example: 'case.viewed' })
  @IsOptional() @IsString() @MaxLength(60) @Matches(/^[a-z_.]+$/)
  action?: string;

  @ApiPropertyOptional({ description: 'Only events about restricted cases (DV, abuse, 支援措置)' })
  @IsOptional() @QueryBoolean() @IsBoolean()
  restricted?: boolean;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional() @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional() @IsISO8601({ strict: true })
  to?: string;
}

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) actorId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) actorAgencyId: string | null;
  @ApiProperty({ type: [String] }) actorRoles: string[];
  @ApiProperty({ example: 'case.viewed' }) action: string;
  @ApiProperty({ example: 'case' }) entityType: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) entityId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) caseId: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId: string | null;
  @ApiProperty({ type: String, nullable: true }) clientIp: string | null;
  @ApiProperty({ type: [String], description: 'Names of the fields changed, never their values' }) changedFields: string[];
  @ApiProperty({ description: 'About a restricted case (DV, abuse, 支援措置)' }) restricted: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true }) detail: Record<string, unknown>;
}

export class AuditVerifyDto {
  @ApiProperty() valid: boolean;
  @ApiProperty() eventsChecked: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) firstInvalidEventId: string | null;
  @ApiPropertyOptional() reason?: string;
}
