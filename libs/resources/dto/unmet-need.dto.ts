import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { CONCERNS, type Concern } from '@tsunagi/vocabularies';
import { DATE, NoNul } from './resource.dto';

export class CreateUnmetNeedDto {
  @ApiProperty({ enum: CONCERNS, description: 'The concern no resource meets' })
  @IsIn(CONCERNS)
  concern: Concern;

  @ApiPropertyOptional({ maxLength: 50, description: "Default: the household's district" })
  @IsOptional() @IsString() @NoNul() @MaxLength(50)
  district?: string;

  @ApiProperty({ maxLength: 4000, example: '40代以上のひきこもりの方が日中に通える居場所が圏域内にない' })
  @IsString() @NoNul() @MinLength(1) @MaxLength(4000)
  description: string;
}

export class UnmetNeedDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ enum: CONCERNS }) concern: Concern;
  @ApiProperty({ type: String, nullable: true }) district: string | null;
  @ApiProperty() description: string;
  @ApiProperty({ format: 'date', description: 'The day it was recorded (Asia/Tokyo); what the summary counts by' }) recordedOn: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) agencyId: string | null;
  @ApiProperty({ format: 'uuid' }) createdById: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class UnmetNeedSummaryQueryDto {
  @ApiPropertyOptional({ format: 'date', description: 'Needs recorded on or after this date; default the start of the current fiscal year' })
  @IsOptional() @Matches(DATE, { message: 'from must be YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Needs recorded on or before this date; default the end of the current fiscal year' })
  @IsOptional() @Matches(DATE, { message: 'to must be YYYY-MM-DD' })
  to?: string;
}

export class UnmetNeedCountDto {
  @ApiProperty({ type: String, nullable: true, description: 'District code; null when none is known' }) district: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The district’s name from the municipality settings, when it has one' }) districtName: string | null;
  @ApiProperty({ enum: CONCERNS }) concern: Concern;
  @ApiProperty({ example: '孤立', description: 'Japanese label of the concern' }) concernLabel: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) count: number;
}

export class UnmetNeedSummaryDto {
  @ApiProperty({ format: 'date' }) from: string;
  @ApiProperty({ format: 'date' }) to: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) total: number;
  @ApiProperty({ type: [UnmetNeedCountDto], description: 'Counts by district × concern, most first; no case content' }) items: UnmetNeedCountDto[];
}
