import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsISO8601, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { PageQueryDto } from '@tsunagi/common';
import { REFERRAL_BASES, REFERRAL_KINDS, REFERRAL_STATUSES, type ReferralBasis, type ReferralKind, type ReferralStatus } from '@tsunagi/vocabularies';

export class CreateReferralDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  toAgencyId: string;

  @ApiProperty({ enum: REFERRAL_KINDS, description: 'transfer moves the lead on acceptance (lead agency only); collaboration adds the receiver' })
  @IsIn(REFERRAL_KINDS)
  kind: ReferralKind;

  @ApiProperty({ maxLength: 4000, example: '母の介護保険申請と在宅サービスの調整をお願いしたい' })
  @IsString() @MinLength(1) @MaxLength(4000)
  reason: string;

  @ApiProperty({ enum: REFERRAL_BASES, description: 'Legal basis for sharing the person’s information (rule 6)' })
  @IsIn(REFERRAL_BASES)
  basis: ReferralBasis;

  @ApiPropertyOptional({ maxLength: 2000, description: 'Required for emergency: why life, body or property is at risk' })
  @IsOptional() @IsString() @MaxLength(2000)
  basisNote?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Earlier than the default deadline (e.g. two hours in an emergency)' })
  @IsOptional() @IsISO8601({ strict: true })
  respondBy?: string;

  @ApiPropertyOptional({ description: '同行: staff go with the person' })
  @IsOptional() @IsBoolean()
  accompanied?: boolean;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Whose information is shared (default: the primary person)' })
  @IsOptional() @IsArray() @ArrayMaxSize(30) @ArrayUnique() @IsUUID('all', { each: true })
  memberIds?: string[];
}

export class AcceptReferralDto {
  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @MaxLength(2000)
  note?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The worker of the receiving agency who takes it (becomes lead worker on a transfer)' })
  @IsOptional() @IsUUID()
  assignedWorkerId?: string;
}

export class DeclineReferralDto {
  @ApiProperty({ maxLength: 2000, description: 'Why the receiving agency cannot take it (required)' })
  @IsString() @MinLength(1) @MaxLength(2000)
  reason: string;

  @ApiPropertyOptional({ maxLength: 2000, description: 'Where it should go instead (free text)' })
  @IsOptional() @IsString() @MaxLength(2000)
  suggestion?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  suggestedAgencyId?: string;
}

export class WithdrawReferralDto {
  @ApiProperty({ maxLength: 2000 })
  @IsString() @MinLength(1) @MaxLength(2000)
  reason: string;
}

export class FirstContactDto {
  @ApiProperty({ format: 'date-time' })
  @IsISO8601({ strict: true })
  occurredAt: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @MaxLength(2000)
  note?: string;
}

export class ReferralListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['incoming', 'outgoing'], default: 'incoming' })
  @IsOptional() @IsIn(['incoming', 'outgoing'])
  direction?: 'incoming' | 'outgoing';

  @ApiPropertyOptional({ enum: REFERRAL_STATUSES })
  @IsOptional() @IsIn(REFERRAL_STATUSES)
  status?: ReferralStatus;
}

export class ReferralDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty() caseNumber: string;
  @ApiProperty({ enum: REFERRAL_KINDS }) kind: ReferralKind;
  @ApiProperty({ enum: REFERRAL_STATUSES }) status: ReferralStatus;
  @ApiProperty({ format: 'uuid' }) fromAgencyId: string;
  @ApiProperty({ format: 'uuid' }) toAgencyId: string;
  @ApiProperty() reason: string;
  @ApiProperty({ enum: REFERRAL_BASES }) basis: ReferralBasis;
  @ApiProperty({ type: String, nullable: true }) basisNote: string | null;
  @ApiProperty({ type: [String], format: 'uuid', description: 'Whose information was shared' }) memberIds: string[];
  @ApiProperty({ format: 'date-time' }) respondBy: string;
  @ApiProperty() overdue: boolean;
  @ApiProperty() accompanied: boolean;
  @ApiProperty({ format: 'uuid' }) createdById: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) answeredAt: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) answeredById: string | null;
  @ApiProperty({ type: String, nullable: true }) answerNote: string | null;
  @ApiProperty({ type: String, nullable: true }) declineReason: string | null;
  @ApiProperty({ type: String, nullable: true }) suggestion: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) suggestedAgencyId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) assignedWorkerId: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) firstContactAt: string | null;
}
