import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { PageQueryDto, QueryBoolean } from '@tsunagi/common';
import { REFERRAL_STATUSES, type ReferralStatus } from '@tsunagi/vocabularies';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class HandoffQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: REFERRAL_STATUSES })
  @IsOptional() @IsIn(REFERRAL_STATUSES)
  status?: ReferralStatus;

  @ApiPropertyOptional({ description: 'Only pending referrals past their response deadline' })
  @IsOptional() @QueryBoolean() @IsBoolean()
  overdue?: boolean;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  fromAgencyId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  toAgencyId?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Made on or after this date (Asia/Tokyo)' })
  @IsOptional() @Matches(DATE, { message: 'from must be YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Made on or before this date (Asia/Tokyo)' })
  @IsOptional() @Matches(DATE, { message: 'to must be YYYY-MM-DD' })
  to?: string;
}

export class HandoffAgencyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() kind: string;
}

export class HandoffDto {
  @ApiProperty({ format: 'uuid' }) referralId: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty() caseNumber: string;
  @ApiProperty({ type: HandoffAgencyDto }) fromAgency: HandoffAgencyDto;
  @ApiProperty({ type: HandoffAgencyDto }) toAgency: HandoffAgencyDto;
  @ApiProperty({ enum: ['transfer', 'collaboration'] }) kind: string;
  @ApiProperty({ enum: ['consent', 'support_meeting', 'emergency'] }) basis: string;
  @ApiProperty({ enum: REFERRAL_STATUSES }) status: ReferralStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) answeredAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) firstContactAt: string | null;
  @ApiProperty({ format: 'date-time' }) respondBy: string;
  @ApiProperty() overdue: boolean;
  @ApiProperty({ description: 'Business days from the referral to its answer (or to now while pending)' }) businessDaysWaiting: number;
  @ApiProperty({ type: String, nullable: true }) declineReason: string | null;
  @ApiProperty({ type: HandoffAgencyDto, nullable: true, description: 'Where the case went next after a decline or withdrawal' }) nextToAgency: HandoffAgencyDto | null;
}
