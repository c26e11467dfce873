import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '@tsunagi/common';
import {
  CASE_STATUSES, CHANNELS, CLOSURE_REASONS, CONCERNS, CONSENT_STATUSES, NOTE_KINDS, SEXES, URGENCIES,
  type CaseStatus, type Channel, type ClosureReason, type Concern, type ConsentStatus, type NoteKind, type Sex, type Urgency,
} from '@tsunagi/vocabularies';

export const SUMMARY_MAX = 4000;
export const NOTE_MAX = 20000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class ConsentDto {
  @ApiProperty({ enum: CONSENT_STATUSES })
  @IsIn(CONSENT_STATUSES)
  status: ConsentStatus;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  obtainedAt?: string;
}

export class VisitorDto {
  @ApiPropertyOptional({ example: '山田 花子', maxLength: 100 })
  @IsOptional() @IsString() @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ example: '長女', maxLength: 50, description: 'Free text: 母, 長男, 近所の人, ケアマネジャー …' })
  @IsOptional() @IsString() @MaxLength(50)
  relationship?: string;

  @ApiPropertyOptional({ example: '090-1234-5678', maxLength: 30 })
  @IsOptional() @IsString() @MaxLength(30)
  phone?: string;
}

export class MemberDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'On PATCH: an existing member to update (members without an id are added)' })
  @IsOptional() @IsUUID()
  id?: string;

  @ApiPropertyOptional({ example: '山田 太郎', maxLength: 100 })
  @IsOptional() @IsString() @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ example: 'ヤマダ タロウ', maxLength: 100 })
  @IsOptional() @IsString() @MaxLength(100)
  nameKana?: string;

  @ApiPropertyOptional({ example: '1945-04-01', format: 'date' })
  @IsOptional() @Matches(DATE, { message: 'birthDate must be YYYY-MM-DD' })
  birthDate?: string;

  @ApiPropertyOptional({ enum: SEXES })
  @IsOptional() @IsIn(SEXES)
  sex?: Sex;

  @ApiPropertyOptional({ example: '本人', maxLength: 50, description: 'Free text: 本人, 母, 長男, 同居人 …' })
  @IsOptional() @IsString() @MaxLength(50)
  relationship?: string;

  @ApiPropertyOptional({ description: 'The primary person (本人); at most one per household' })
  @IsOptional() @IsBoolean()
  isPrimary?: boolean;

  @ApiPropertyOptional({ maxLength: 30 })
  @IsOptional() @IsString() @MaxLength(30)
  phone?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @MaxLength(2000)
  notes?: string;

  @ApiPropertyOptional({ type: ConsentDto, description: "This person's own consent to share their information" })
  @IsOptional() @ValidateNested() @Type(() => ConsentDto)
  consent?: ConsentDto;
}

export class HouseholdDto {
  @ApiPropertyOptional({ maxLength: 300 })
  @IsOptional() @IsString() @MaxLength(300)
  address?: string;

  @ApiPropertyOptional({ maxLength: 100, description: 'A district code when the municipality defines districts, else free text' })
  @IsOptional() @IsString() @MaxLength(100)
  district?: string;

  @ApiProperty({ type: [MemberDto] })
  @IsArray() @ArrayMaxSize(30) @ValidateNested({ each: true }) @Type(() => MemberDto)
  members: MemberDto[];
}

export class CreateCaseDto {
  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel: Channel;

  @ApiProperty({ maxLength: SUMMARY_MAX, example: '80代の母と50代の長男の二人暮らし。長男は長年ひきこもり。' })
  @IsString() @MinLength(1) @MaxLength(SUMMARY_MAX)
  summary: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the consultation came in (default now); any past time, not a future one' })
  @IsOptional() @IsISO8601({ strict: true })
  receivedAt?: string;

  @ApiPropertyOptional({ enum: CONCERNS, isArray: true })
  @IsOptional() @IsArray() @ArrayMaxSize(CONCERNS.length) @ArrayUnique() @IsIn(CONCERNS, { each: true })
  concerns?: Concern[];

  @ApiPropertyOptional({ enum: CONCERNS, description: 'The primary concern (◎); added to concerns when missing there' })
  @IsOptional() @IsIn(CONCERNS)
  primaryConcern?: Concern;

  @ApiPropertyOptional({ enum: URGENCIES, default: 'normal' })
  @IsOptional() @IsIn(URGENCIES)
  urgency?: Urgency;

  @ApiPropertyOptional({ maxLength: 200, example: '地域包括支援センターからの紹介' })
  @IsOptional() @IsString() @MaxLength(200)
  referralSource?: string;

  @ApiPropertyOptional({ type: VisitorDto, description: '来談者, when it is not the person' })
  @IsOptional() @ValidateNested() @Type(() => VisitorDto)
  visitor?: VisitorDto;

  @ApiPropertyOptional({ maxLength: 50, example: 'vi' })
  @IsOptional() @IsString() @MaxLength(50)
  interpreterLanguage?: string;

  @ApiPropertyOptional({ type: ConsentDto, description: "The primary person's consent (or the anonymous person's)" })
  @IsOptional() @ValidateNested() @Type(() => ConsentDto)
  consent?: ConsentDto;

  @ApiPropertyOptional({ description: 'DV, abuse, 支援措置: defaults to true with a domestic_violence or abuse concern' })
  @IsOptional() @IsBoolean()
  restricted?: boolean;

  @ApiPropertyOptional({ type: HouseholdDto })
  @IsOptional() @ValidateNested() @Type(() => HouseholdDto)
  household?: HouseholdDto;
}

export class UpdateCaseDto {
  @ApiPropertyOptional({ maxLength: SUMMARY_MAX })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(SUMMARY_MAX)
  summary?: string;

  @ApiPropertyOptional({ enum: CONCERNS, isArray: true })
  @IsOptional() @IsArray() @ArrayMaxSize(CONCERNS.length) @ArrayUnique() @IsIn(CONCERNS, { each: true })
  concerns?: Concern[];

  @ApiPropertyOptional({ enum: CONCERNS, nullable: true })
  @IsOptional() @IsIn(CONCERNS)
  primaryConcern?: Concern;

  @ApiPropertyOptional({ enum: URGENCIES })
  @IsOptional() @IsIn(URGENCIES)
  urgency?: Urgency;

  @ApiPropertyOptional({ type: ConsentDto })
  @IsOptional() @ValidateNested() @Type(() => ConsentDto)
  consent?: ConsentDto;

  @ApiPropertyOptional()
  @IsOptional() @IsBoolean()
  restricted?: boolean;

  @ApiPropertyOptional({ type: HouseholdDto, description: '`members` is the complete list: with id updated, without id added, missing removed' })
  @IsOptional() @ValidateNested() @Type(() => HouseholdDto)
  household?: HouseholdDto;

  @ApiPropertyOptional({ format: 'uuid', description: 'A worker of the lead agency' })
  @IsOptional() @IsUUID()
  leadWorkerId?: string;
}

export class TransitionDto {
  @ApiProperty({ enum: CASE_STATUSES })
  @IsIn(CASE_STATUSES)
  to: CaseStatus;

  @ApiPropertyOptional({ enum: CLOSURE_REASONS, description: 'Required when closing' })
  @IsOptional() @IsIn(CLOSURE_REASONS)
  closureReason?: ClosureReason;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @MaxLength(2000)
  note?: string;
}

export class CreateNoteDto {
  @ApiProperty({ enum: NOTE_KINDS })
  @IsIn(NOTE_KINDS)
  kind: NoteKind;

  @ApiProperty({ maxLength: NOTE_MAX })
  @IsString() @MinLength(1) @MaxLength(NOTE_MAX)
  body: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When it happened (default now); not in the future' })
  @IsOptional() @IsISO8601({ strict: true })
  occurredAt?: string;
}

export class CaseSearchDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CASE_STATUSES })
  @IsOptional() @IsIn(CASE_STATUSES)
  status?: CaseStatus;

  @ApiPropertyOptional({ enum: CONCERNS })
  @IsOptional() @IsIn(CONCERNS)
  concern?: Concern;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  leadAgencyId?: string;

  @ApiPropertyOptional({ maxLength: 100, description: 'Member name in kanji or kana, partial; variant kanji folded' })
  @IsOptional() @IsString() @MaxLength(100)
  q?: string;
}

// ---- responses ----

export class ConsentViewDto {
  @ApiProperty({ enum: CONSENT_STATUSES }) status: ConsentStatus;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) obtainedAt: string | null;
}

export class MemberViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({ type: String, nullable: true }) nameKana: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) birthDate: string | null;
  @ApiProperty({ enum: SEXES, nullable: true }) sex: Sex | null;
  @ApiProperty({ type: String, nullable: true }) relationship: string | null;
  @ApiProperty() isPrimary: boolean;
  @ApiProperty({ type: String, nullable: true }) phone: string | null;
  @ApiProperty({ type: String, nullable: true }) notes: string | null;
  @ApiProperty({ type: ConsentViewDto }) consent: ConsentViewDto;
}

export class HouseholdViewDto {
  @ApiProperty({ type: String, nullable: true, description: 'Masked (null, addressMasked true) on a restricted case for all but the lead agency' }) address: string | null;
  @ApiProperty() addressMasked: boolean;
  @ApiProperty({ type: String, nullable: true }) district: string | null;
  @ApiProperty({ type: [MemberViewDto] }) members: MemberViewDto[];
}

export class InvolvedAgencyDto {
  @ApiProperty({ format: 'uuid' }) agencyId: string;
  @ApiProperty({ enum: ['collaborator', 'handoff_monitor'] }) involvement: string;
  @ApiProperty({ format: 'date-time' }) since: string;
}

export class CaseViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: '2026-000123' }) caseNumber: string;
  @ApiProperty({ example: 2026 }) fiscalYear: number;
  @ApiProperty({ enum: CASE_STATUSES }) status: CaseStatus;
  @ApiProperty({ enum: CHANNELS }) channel: Channel;
  @ApiProperty() summary: string;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
  @ApiProperty({ enum: URGENCIES }) urgency: Urgency;
  @ApiProperty({ enum: CONCERNS, isArray: true }) concerns: Concern[];
  @ApiProperty({ enum: CONCERNS, nullable: true }) primaryConcern: Concern | null;
  @ApiProperty({ type: String, nullable: true }) referralSource: string | null;
  @ApiProperty({ type: VisitorDto, nullable: true }) visitor: VisitorDto | null;
  @ApiProperty({ type: String, nullable: true }) interpreterLanguage: string | null;
  @ApiProperty({ type: ConsentViewDto, description: "The primary person's consent" }) consent: ConsentViewDto;
  @ApiProperty() restricted: boolean;
  @ApiProperty({ type: HouseholdViewDto }) household: HouseholdViewDto;
  @ApiProperty({ format: 'uuid' }) leadAgencyId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) leadWorkerId: string | null;
  @ApiProperty({ type: [InvolvedAgencyDto] }) involvedAgencies: InvolvedAgencyDto[];
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'Pending referrals on the case' }) openReferrals: object[];
  @ApiProperty({ enum: CLOSURE_REASONS, nullable: true }) closureReason: ClosureReason | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) closedAt: string | null;
  @ApiProperty() version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class CaseSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() caseNumber: string;
  @ApiProperty({ enum: CASE_STATUSES }) status: CaseStatus;
  @ApiProperty({ enum: CHANNELS }) channel: Channel;
  @ApiProperty({ enum: URGENCIES }) urgency: Urgency;
  @ApiProperty({ enum: CONCERNS, isArray: true }) concerns: Concern[];
  @ApiProperty({ enum: CONCERNS, nullable: true }) primaryConcern: Concern | null;
  @ApiProperty({ type: String, nullable: true, description: "The primary person's name" }) primaryName: string | null;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
  @ApiProperty({ format: 'uuid' }) leadAgencyId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) leadWorkerId: string | null;
  @ApiProperty() restricted: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class VolunteerReceiptDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() caseNumber: string;
}

export class NoteViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: NOTE_KINDS }) kind: NoteKind;
  @ApiProperty() body: string;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty({ format: 'uuid' }) authorId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) authorAgencyId: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class TimelineEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty({ example: 'case.opened' }) type: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) actorId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) agencyId: string | null;
  @ApiProperty({ type: String, nullable: true }) entityType: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) entityId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) data: Record<string, unknown>;
}


export class LocateDto {
  @ApiPropertyOptional({ maxLength: 100, example: '山田 花子' })
  @IsOptional() @IsString() @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ maxLength: 100, example: 'ヤマダ ハナコ' })
  @IsOptional() @IsString() @MaxLength(100)
  nameKana?: string;

  @ApiProperty({ format: 'date', example: '1943-06-02' })
  @Matches(DATE, { message: 'birthDate must be YYYY-MM-DD' })
  birthDate: string;
}

export class LocatedCaseDto {
  @ApiProperty({ type: Object, description: 'The agency leading the case: call it instead of opening a second case' }) leadAgency: { id: string; name: string };
  @ApiProperty({ format: 'date', description: 'The date the case was opened (Asia/Tokyo)' }) openedOn: string;
  @ApiProperty({ enum: CASE_STATUSES }) status: CaseStatus;
}

export class LocateResultDto {
  @ApiProperty() found: boolean;
  @ApiProperty({ type: [LocatedCaseDto] }) cases: LocatedCaseDto[];
}
