import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { AGENCY_KINDS, type AgencyKind } from '@tsunagi/vocabularies';
import { PageQueryDto } from '@tsunagi/common';

export class CreateAgencyDto {
  @ApiProperty({ example: 'houkatsu-kita', description: 'Unique within the municipality' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,40}$/, { message: 'code must be 1–40 letters, digits, - or _' })
  code: string;

  @ApiProperty({ example: '北部地域包括支援センター' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: AGENCY_KINDS, example: 'community_support_centre' })
  @IsIn(AGENCY_KINDS)
  kind: AgencyKind;

  @ApiPropertyOptional({ example: '北部圏域', description: 'Area or district served (日常生活圏域)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  area?: string;
}

export class AgencyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() code: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: AGENCY_KINDS }) kind: AgencyKind;
  @ApiProperty({ type: String, nullable: true }) area: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class AgencyListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: AGENCY_KINDS })
  @IsOptional()
  @IsIn(AGENCY_KINDS)
  kind?: AgencyKind;
}
