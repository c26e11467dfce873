import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateIf,
} from 'class-validator';
import { PageQueryDto, QueryBoolean } from '@tsunagi/common';
import { AGE_GROUPS, CONCERNS, RESOURCE_KINDS, type AgeGroup, type Concern, type ResourceKind } from '@tsunagi/vocabularies';

export const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** PostgreSQL cannot store U+0000 in text: refused as bad input rather than failing in the database. */
export const NoNul = () => Matches(/^[^\u0000]*$/, { message: '$property must not contain NUL characters' });

/** On PATCH a field that may not be cleared: absent is fine, null is refused. */
const PresentOrAbsent = () => ValidateIf((_o, value) => value !== undefined);

export class CreateResourceDto {
  @ApiProperty({ maxLength: 200, example: 'ふれあいサロン北町' })
  @IsString() @NoNul() @MinLength(1) @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ maxLength: 200, example: 'フレアイサロンキタマチ' })
  @IsOptional() @IsString() @NoNul() @MaxLength(200)
  nameKana?: string;

  @ApiProperty({ enum: RESOURCE_KINDS })
  @IsIn(RESOURCE_KINDS)
  kind: ResourceKind;

  @ApiPropertyOptional({ maxLength: 50, example: 'kita', description: '日常生活圏域: one of the municipality’s district codes when it has set them' })
  @IsOptional() @IsString() @NoNul() @MaxLength(50)
  district?: string;

  @ApiPropertyOptional({ maxLength: 300, example: 'みどり市北町1-2-3 北町自治会館' })
  @IsOptional() @IsString() @NoNul() @MaxLength(300)
  address?: string;

  @ApiPropertyOptional({ maxLength: 4000 })
  @IsOptional() @IsString() @NoNul() @MaxLength(4000)
  description?: string;

  @ApiPropertyOptional({ maxLength: 300, example: '北町自治会 会長 048-000-0000', description: 'Public contact details (shown on the public directory when public)' })
  @IsOptional() @IsString() @NoNul() @MaxLength(300)
  contact?: string;

  @ApiPropertyOptional({ maxLength: 300, example: '毎週火曜 10:00–12:00' })
  @IsOptional() @IsString() @NoNul() @MaxLength(300)
  schedule?: string;

  @ApiPropertyOptional({ enum: CONCERNS, isArray: true, description: 'Concerns it helps with' })
  @IsOptional() @IsArray() @ArrayMaxSize(CONCERNS.length) @ArrayUnique() @IsIn(CONCERNS, { each: true })
  targets?: Concern[];

  @ApiPropertyOptional({ enum: AGE_GROUPS, isArray: true })
  @IsOptional() @IsArray() @ArrayMaxSize(AGE_GROUPS.length) @ArrayUnique() @IsIn(AGE_GROUPS, { each: true })
  ageGroups?: AgeGroup[];

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 100000 })
  @IsOptional() @IsInt() @Min(0) @Max(100000)
  capacity?: number;

  @ApiPropertyOptional({ default: true, description: 'Whether it takes new people now' })
  @IsOptional() @IsBoolean()
  accepting?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Listed on the public directory (GET /public/resources)' })
  @IsOptional() @IsBoolean()
  public?: boolean;

  @ApiPropertyOptional({ maxLength: 4000, description: 'For staff only; never on the public directory' })
  @IsOptional() @IsString() @NoNul() @MaxLength(4000)
  internalNote?: string;

  @ApiPropertyOptional({ format: 'date', description: 'When it was last verified (default today); an earlier date is allowed, a future one is 400' })
  @IsOptional() @Matches(DATE, { message: 'verifiedOn must be YYYY-MM-DD' })
  verifiedOn?: string;
}

/**
 * Fields to change; null clears an optional one. `verifiedOn` is not here: `verify` sets it.
 * `keeperAgencyId` hands the resource to another agency (its staff then keep it).
 */
export class UpdateResourceDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @PresentOrAbsent() @IsString() @NoNul() @MinLength(1) @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ type: String, maxLength: 200, nullable: true })
  @IsOptional() @IsString() @NoNul() @MaxLength(200)
  nameKana?: string | null;

  @ApiPropertyOptional({ enum: RESOURCE_KINDS })
  @PresentOrAbsent() @IsIn(RESOURCE_KINDS)
  kind?: ResourceKind;

  @ApiPropertyOptional({ type: String, maxLength: 50, nullable: true })
  @IsOptional() @IsString() @NoNul() @MaxLength(50)
  district?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 300, nullable: true })
  @IsOptional() @IsString() @NoNul() @MaxLength(300)
  address?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 4000, nullable: true })
  @IsOptional() @IsString() @NoNul() @MaxLength(4000)
  description?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 300, nullable: true })
  @IsOptional() @IsString() @NoNul() @MaxLength(300)
  contact?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 300, nullable: true })
  @IsOptional() @IsString() @NoNul() @MaxLength(300)
  schedule?: string | null;

  @ApiPropertyOptional({ enum: CONCERNS, isArray: true })
  @PresentOrAbsent() @IsArray() @ArrayMaxSize(CONCERNS.length) @ArrayUnique() @IsIn(CONCERNS, { each: true })
  targets?: Concern[];

  @ApiPropertyOptional({ enum: AGE_GROUPS, isArray: true })
  @PresentOrAbsent() @IsArray() @ArrayMaxSize(AGE_GROUPS.length) @ArrayUnique() @IsIn(AGE_GROUPS, { each: true })
  ageGroups?: AgeGroup[];

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 100000, nullable: true })
  @IsOptional() @IsInt() @Min(0) @Max(100000)
  capacity?: number | null;

  @ApiPropertyOptional()
  @PresentOrAbsent() @IsBoolean()
  accepting?: boolean;

  @ApiPropertyOptional()
  @PresentOrAbsent() @IsBoolean()
  public?: boolean;

  @ApiPropertyOptional({ type: String, maxLength: 4000, nullable: true })
  @IsOptional() @IsString() @NoNul() @MaxLength(4000)
  internalNote?: string | null;

  @ApiPropertyOptional({ format: 'uuid', description: 'Hand the resource to another agency of the municipality' })
  @PresentOrAbsent() @IsUUID()
  keeperAgencyId?: string;
}

export class VerifyResourceDto {
  @ApiPropertyOptional({ maxLength: 2000, example: '代表者に電話で確認。開催日時に変更なし。' })
  @IsOptional() @IsString() @NoNul() @MaxLength(2000)
  note?: string;
}

export class ResourceListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: RESOURCE_KINDS })
  @IsOptional() @IsIn(RESOURCE_KINDS)
  kind?: ResourceKind;

  @ApiPropertyOptional({ maxLength: 50 })
  @IsOptional() @IsString() @NoNul() @MaxLength(50)
  district?: string;

  @ApiPropertyOptional({ enum: CONCERNS, description: 'Resources that help with this concern' })
  @IsOptional() @IsIn(CONCERNS)
  concern?: Concern;

  @ApiPropertyOptional({ description: 'Only resources taking new people (true) or not (false)' })
  @IsOptional() @QueryBoolean() @IsBoolean()
  accepting?: boolean;

  @ApiPropertyOptional({ description: 'Only resources listed on the public directory (true) or not (false)' })
  @IsOptional() @QueryBoolean() @IsBoolean()
  public?: boolean;

  @ApiPropertyOptional({ description: 'true: verifiedOn over 12 months ago; false: verified within 12 months' })
  @IsOptional() @QueryBoolean() @IsBoolean()
  stale?: boolean;

  @ApiPropertyOptional({ maxLength: 100, example: 'サロン', description: 'Name, kana or description, partial, in kanji or kana (カナ, かな and 漢字 alike). With q the results are newest first; without it, in reading order (よみ順).' })
  @IsOptional() @IsString() @NoNul() @MaxLength(100)
  q?: string;
}

export class ResourceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) nameKana: string | null;
  @ApiProperty({ enum: RESOURCE_KINDS }) kind: ResourceKind;
  @ApiProperty({ type: String, nullable: true }) district: string | null;
  @ApiProperty({ type: String, nullable: true }) address: string | null;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ type: String, nullable: true }) contact: string | null;
  @ApiProperty({ type: String, nullable: true }) schedule: string | null;
  @ApiProperty({ enum: CONCERNS, isArray: true }) targets: Concern[];
  @ApiProperty({ enum: AGE_GROUPS, isArray: true }) ageGroups: AgeGroup[];
  @ApiProperty({ type: 'integer', nullable: true }) capacity: number | null;
  @ApiProperty() accepting: boolean;
  @ApiProperty() public: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'For staff only' }) internalNote: string | null;
  @ApiProperty({ format: 'date' }) verifiedOn: string;
  @ApiProperty({ description: 'verifiedOn is more than 12 months before today (Asia/Tokyo)' }) stale: boolean;
  @ApiProperty({ format: 'uuid', description: 'The agency that keeps (edits and verifies) it' }) keeperAgencyId: string;
  @ApiProperty({ type: 'integer', description: 'Also the ETag' }) version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

/** What the public directory shows of a resource: directory fields only. */
export class PublicResourceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) nameKana: string | null;
  @ApiProperty({ enum: RESOURCE_KINDS }) kind: ResourceKind;
  @ApiProperty({ type: String, nullable: true }) district: string | null;
  @ApiProperty({ type: String, nullable: true }) address: string | null;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ type: String, nullable: true }) contact: string | null;
  @ApiProperty({ type: String, nullable: true }) schedule: string | null;
  @ApiProperty({ enum: CONCERNS, isArray: true }) targets: Concern[];
  @ApiProperty({ enum: AGE_GROUPS, isArray: true }) ageGroups: AgeGroup[];
  @ApiProperty() accepting: boolean;
  @ApiProperty({ format: 'date' }) verifiedOn: string;
}

export class PublicResourcePageDto {
  @ApiProperty({ type: [PublicResourceDto] }) items: PublicResourceDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
