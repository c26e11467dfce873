import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class DistrictDto {
  @ApiProperty({ example: 'kita', maxLength: 40 })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,40}$/, { message: 'code must be 1–40 letters, digits, - or _' })
  code: string;

  @ApiProperty({ example: '北部圏域', maxLength: 100 })
  @IsString()
  @MaxLength(100)
  name: string;
}

export class UpdateSettingsDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 30, description: 'Business days a receiving agency has to answer a referral (default 3).' })
  @IsOptional() @IsInt() @Min(1) @Max(30)
  referralResponseBusinessDays?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 60, description: 'Business days for first contact after an accepted transfer (default 5).' })
  @IsOptional() @IsInt() @Min(1) @Max(60)
  handoffCheckBusinessDays?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 30, description: 'Business days to re-route a declined referral (default 1).' })
  @IsOptional() @IsInt() @Min(1) @Max(30)
  rerouteBusinessDays?: number;

  @ApiPropertyOptional({ format: 'uuid', description: "The agency where volunteers' reports land (the consultation desk)." })
  @IsOptional() @IsUUID()
  intakeAgencyId?: string;

  @ApiPropertyOptional({ example: '08:30', description: 'Opening time, HH:MM Asia/Tokyo.' })
  @IsOptional() @Matches(TIME, { message: 'openingTime must be HH:MM' })
  openingTime?: string;

  @ApiPropertyOptional({ example: '17:15', description: 'Closing time, HH:MM Asia/Tokyo: due dates fall due then.' })
  @IsOptional() @Matches(TIME, { message: 'closingTime must be HH:MM' })
  closingTime?: string;

  @ApiPropertyOptional({ type: [String], example: ['2026-08-14'], description: "The municipality's own closed days." })
  @IsOptional() @IsArray() @ArrayMaxSize(400) @ArrayUnique() @Matches(DATE, { each: true, message: 'extraHolidays must be YYYY-MM-DD dates' })
  extraHolidays?: string[];

  @ApiPropertyOptional({ type: [String], example: ['2027-03-28'], description: 'Days it opens though they would be closed (休日開庁).' })
  @IsOptional() @IsArray() @ArrayMaxSize(400) @ArrayUnique() @Matches(DATE, { each: true, message: 'extraOpenDays must be YYYY-MM-DD dates' })
  extraOpenDays?: string[];

  @ApiPropertyOptional({ type: [DistrictDto], description: 'When set, every `district` field takes one of these codes.' })
  @IsOptional() @IsArray() @ArrayMaxSize(500) @ValidateNested({ each: true }) @Type(() => DistrictDto)
  districts?: DistrictDto[];

  @ApiPropertyOptional({ minimum: 1, maximum: 100, description: 'Years kept after the end of the fiscal year in which a case closed (default 5).' })
  @IsOptional() @IsInt() @Min(1) @Max(100)
  retentionYears?: number;

  @ApiPropertyOptional({ description: 'A plan needs approval at a conference to become active (default true).' })
  @IsOptional() @IsBoolean()
  planRequiresConference?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 24, description: 'Default months from activation to a plan review (default 3).' })
  @IsOptional() @IsInt() @Min(1) @Max(24)
  planReviewMonths?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 52, description: 'Weeks from a participation start to its check (default 4).' })
  @IsOptional() @IsInt() @Min(1) @Max(52)
  participationCheckWeeks?: number;
}

export class SettingsDto {
  @ApiProperty() referralResponseBusinessDays: number;
  @ApiProperty() handoffCheckBusinessDays: number;
  @ApiProperty() rerouteBusinessDays: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) intakeAgencyId: string | null;
  @ApiProperty({ example: '08:30' }) openingTime: string;
  @ApiProperty({ example: '17:15' }) closingTime: string;
  @ApiProperty({ type: [String] }) extraHolidays: string[];
  @ApiProperty({ type: [String] }) extraOpenDays: string[];
  @ApiProperty({ type: [DistrictDto], nullable: true }) districts: DistrictDto[] | null;
  @ApiProperty() retentionYears: number;
  @ApiProperty() planRequiresConference: boolean;
  @ApiProperty() planReviewMonths: number;
  @ApiProperty() participationCheckWeeks: number;
}
