import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { OUTCOME_KINDS, type OutcomeKind } from '@tsunagi/vocabularies';
import { DATE } from './plan.dto';

export class CreateOutcomeDto {
  @ApiProperty({ enum: OUTCOME_KINDS, description: 'What changed for the person (就労, 増収, 住まいの確保 …)' })
  @IsIn(OUTCOME_KINDS)
  kind: OutcomeKind;

  @ApiProperty({ format: 'date' })
  @Matches(DATE, { message: 'occurredOn must be YYYY-MM-DD' })
  occurredOn: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A household member of the case; default the primary person' })
  @IsOptional() @IsUUID()
  memberId?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @MaxLength(2000)
  note?: string;
}

export class OutcomeDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) memberId: string | null;
  @ApiProperty({ enum: OUTCOME_KINDS }) kind: OutcomeKind;
  @ApiProperty({ format: 'date' }) occurredOn: string;
  @ApiProperty({ type: String, nullable: true }) note: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'What recorded it when a rule did, e.g. participation' }) sourceType: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) sourceId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdById: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
