import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { EVALUATION_DECISIONS, GOAL_RESULTS, GOAL_TERMS, PLAN_STATUSES, type EvaluationDecision, type GoalResult, type GoalTerm, type PlanStatus } from '@tsunagi/vocabularies';

export const DATE = /^\d{4}-\d{2}-\d{2}$/;
const date = (field: string) => Matches(DATE, { message: `${field} must be YYYY-MM-DD` });

export class GoalInputDto {
  @ApiProperty({ enum: GOAL_TERMS, description: 'long_term 長期目標 / short_term 短期目標' })
  @IsIn(GOAL_TERMS)
  term: GoalTerm;

  @ApiProperty({ maxLength: 1000, example: '母が介護サービスを使いながら自宅で暮らし続ける' })
  @IsString() @MinLength(1) @MaxLength(1000)
  text: string;
}

export class ActionInputDto {
  @ApiProperty({ maxLength: 200, example: '要介護認定の申請と訪問介護の調整' })
  @IsString() @MinLength(1) @MaxLength(200)
  title: string;

  @ApiProperty({ format: 'uuid', description: 'The responsible agency: the lead or an involved agency of the case' })
  @IsUUID()
  agencyId: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A worker of that agency' })
  @IsOptional() @IsUUID()
  assigneeUserId?: string;

  @ApiPropertyOptional({ maxLength: 100, example: '週1回' })
  @IsOptional() @IsString() @MaxLength(100)
  frequency?: string;

  @ApiPropertyOptional({ format: 'date' })
  @IsOptional() @date('startOn')
  startOn?: string;

  @ApiProperty({ format: 'date', description: 'Falls due at the closing time of that day (or the next business day)' })
  @date('dueOn')
  dueOn: string;
}

export class CreatePlanDto {
  @ApiProperty({ maxLength: 4000, description: '本人の思い: the person’s own wishes, in their words' })
  @IsString() @MinLength(1) @MaxLength(4000)
  personWishes: string;

  @ApiProperty({ type: [GoalInputDto] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(30) @ValidateNested({ each: true }) @Type(() => GoalInputDto)
  goals: GoalInputDto[];

  @ApiProperty({ type: [ActionInputDto] })
  @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => ActionInputDto)
  actions: ActionInputDto[];

  @ApiPropertyOptional({ format: 'date', description: 'Review date; default planReviewMonths (3) after activation' })
  @IsOptional() @date('reviewOn')
  reviewOn?: string;

  @ApiPropertyOptional({ description: '就労支援対象: the plan includes employment support' })
  @IsOptional() @IsBoolean()
  employmentSupport?: boolean;
}

/** A draft's edit: the fields given replace those of the draft (goals and actions as whole lists). */
export class UpdatePlanDto {
  @ApiPropertyOptional({ maxLength: 4000 })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(4000)
  personWishes?: string;

  @ApiPropertyOptional({ type: [GoalInputDto] })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(30) @ValidateNested({ each: true }) @Type(() => GoalInputDto)
  goals?: GoalInputDto[];

  @ApiPropertyOptional({ type: [ActionInputDto] })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => ActionInputDto)
  actions?: ActionInputDto[];

  @ApiPropertyOptional({ format: 'date', nullable: true, type: String })
  @IsOptional() @date('reviewOn')
  reviewOn?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsBoolean()
  employmentSupport?: boolean;
}

export class ActivatePlanDto {
  @ApiProperty({ format: 'date', description: 'The day the person agreed to the plan (本人同意)' })
  @date('personAgreedOn')
  personAgreedOn: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The approving conference (重層的支援会議, 支援調整会議 or case review) on the same case' })
  @IsOptional() @IsUUID()
  conferenceId?: string;
}

export class GoalResultInputDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  goalId: string;

  @ApiProperty({ enum: GOAL_RESULTS })
  @IsIn(GOAL_RESULTS)
  result: GoalResult;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @MaxLength(2000)
  note?: string;
}

export class CreateEvaluationDto {
  @ApiProperty({ format: 'date' })
  @date('evaluatedOn')
  evaluatedOn: string;

  @ApiProperty({ type: [GoalResultInputDto], description: 'A result for every goal of the plan' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(30) @ValidateNested({ each: true }) @Type(() => GoalResultInputDto)
  goalResults: GoalResultInputDto[];

  @ApiProperty({ maxLength: 4000 })
  @IsString() @MinLength(1) @MaxLength(4000)
  summary: string;

  @ApiProperty({ enum: EVALUATION_DECISIONS, description: 'continue (next review), replan (a new draft version) or end' })
  @IsIn(EVALUATION_DECISIONS)
  decision: EvaluationDecision;

  @ApiPropertyOptional({ format: 'date', description: 'Required for continue; for replan the review of the still active plan (default one month later)' })
  @IsOptional() @date('nextReviewOn')
  nextReviewOn?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The conference where it was decided (same case)' })
  @IsOptional() @IsUUID()
  conferenceId?: string;
}

export class GoalDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: GOAL_TERMS }) term: GoalTerm;
  @ApiProperty() text: string;
}

export class ActionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty({ format: 'uuid' }) agencyId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) assigneeUserId: string | null;
  @ApiProperty({ type: String, nullable: true }) frequency: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) startOn: string | null;
  @ApiProperty({ format: 'date' }) dueOn: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The plan_action task made at activation' }) taskId: string | null;
}

export class GoalResultDto {
  @ApiProperty({ format: 'uuid' }) goalId: string;
  @ApiProperty({ enum: GOAL_RESULTS }) result: GoalResult;
  @ApiProperty({ type: String, nullable: true }) note: string | null;
}

export class EvaluationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) planId: string;
  @ApiProperty({ format: 'date' }) evaluatedOn: string;
  @ApiProperty({ type: [GoalResultDto] }) goalResults: GoalResultDto[];
  @ApiProperty() summary: string;
  @ApiProperty({ enum: EVALUATION_DECISIONS }) decision: EvaluationDecision;
  @ApiProperty({ type: String, format: 'date', nullable: true }) nextReviewOn: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The draft a replan created' }) nextPlanId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) conferenceId: string | null;
  @ApiProperty({ format: 'uuid' }) createdById: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class PlanDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ description: 'The plan’s number on the case: 1, 2, …' }) version: number;
  @ApiProperty({ description: 'Counts edits of the draft; the ETag' }) revision: number;
  @ApiProperty({ enum: PLAN_STATUSES }) status: PlanStatus;
  @ApiProperty() personWishes: string;
  @ApiProperty({ type: [GoalDto] }) goals: GoalDto[];
  @ApiProperty({ type: [ActionDto] }) actions: ActionDto[];
  @ApiProperty({ type: String, format: 'date', nullable: true }) reviewOn: string | null;
  @ApiProperty() employmentSupport: boolean;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) previousPlanId: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) personAgreedOn: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) conferenceId: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) activatedOn: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) activatedById: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it was superseded or ended' }) closedAt: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) supersededById: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The open plan_review task' }) reviewTaskId: string | null;
  @ApiProperty({ type: [EvaluationDto] }) evaluations: EvaluationDto[];
  @ApiProperty({ format: 'uuid' }) createdById: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
