import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { AGENCY_KINDS } from '@tsunagi/vocabularies';
import { PeriodDto } from './indicators.dto';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class HandoffSummaryQueryDto {
  @ApiPropertyOptional({ format: 'date', description: 'Referrals made on or after this date (Asia/Tokyo); default the start of the current fiscal year' })
  @IsOptional() @Matches(DATE, { message: 'from must be YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Referrals made on or before this date (Asia/Tokyo); default the end of the current fiscal year' })
  @IsOptional() @Matches(DATE, { message: 'to must be YYYY-MM-DD' })
  to?: string;
}

export class HandoffStatsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Referrals made in the period' }) referrals: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) accepted: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) declined: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Still waiting for an answer' }) pending: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) withdrawn: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Escalated: the response deadline passed unanswered (whatever the answer later was)' }) escalated: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Median business hours from referral to answer (accepted or declined); null when none answered' })
  medianBusinessHoursToAnswer: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '90th percentile of the same' })
  p90BusinessHoursToAnswer: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Median days (elapsed, fractional) from accepting a transfer to first contact, over accepted transfers with first contact' })
  medianDaysToFirstContact: number | null;
}

export class HandoffPairStatsDto extends HandoffStatsDto {
  @ApiProperty({ format: 'uuid' }) fromAgencyId: string;
  @ApiProperty() fromName: string;
  @ApiProperty({ format: 'uuid' }) toAgencyId: string;
  @ApiProperty() toName: string;
}

export class HandoffReceiverStatsDto extends HandoffStatsDto {
  @ApiProperty({ format: 'uuid' }) agencyId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: AGENCY_KINDS }) kind: string;
}

export class HandoffSummaryDto {
  @ApiProperty({ type: PeriodDto }) period: PeriodDto;
  @ApiProperty({ type: HandoffStatsDto, description: 'Every referral of the period' }) totals: HandoffStatsDto;
  @ApiProperty({ type: [HandoffPairStatsDto], description: 'Per agency pair, where hand-offs stall first: most escalated, then slowest median answer, then most pending' })
  byAgencyPair: HandoffPairStatsDto[];
  @ApiProperty({ type: [HandoffReceiverStatsDto], description: 'Per receiving agency, in the same order' })
  byReceivingAgency: HandoffReceiverStatsDto[];
}
