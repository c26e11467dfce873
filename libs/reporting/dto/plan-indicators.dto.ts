import { ApiProperty } from '@nestjs/swagger';
import { CodeCountDto } from './indicators.dto';

// CodeCountDto is named lazily (type: () => [...]): indicators.dto imports this file too.

export class EvaluationIndicatorsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Evaluations recorded for the year (evaluatedOn)' }) total: number;
  @ApiProperty({ type: () => [CodeCountDto], description: 'By decision: continue, replan, end' }) byDecision: CodeCountDto[];
  @ApiProperty({ type: () => [CodeCountDto], description: 'Goal results of those evaluations: achieved, partly, not' }) goalResults: CodeCountDto[];
}

export class PlanIndicatorsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'プラン作成件数: cases whose first plan was activated in the year' }) plansMade: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: '再プラン件数: later versions activated in the year' }) replans: number;
  @ApiProperty({ type: () => EvaluationIndicatorsDto }) evaluations: EvaluationIndicatorsDto;
  @ApiProperty({ type: 'integer', minimum: 0, description: '就労支援対象者数: people (the case’s primary person) with a plan activated in the year that includes employment support' })
  peopleInEmploymentSupport: number;
  @ApiProperty({ type: () => [CodeCountDto], description: 'People with an outcome of each kind in the year (a person counted once per kind)' }) outcomesByKind: CodeCountDto[];
}
