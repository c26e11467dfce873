import { ApiProperty } from '@nestjs/swagger';
import { CONCERNS } from '@tsunagi/vocabularies';
import { CodeCountDto } from './indicators.dto';

// CodeCountDto is named lazily (type: () => …): indicators.dto imports this file too.

export class DistrictCountDto {
  @ApiProperty({ type: String, nullable: true, description: 'District code; null: none recorded' }) district: string | null;
  @ApiProperty({ example: '北部圏域', description: 'The district’s name from the settings, its code when it has none, 圏域未設定 for null' }) name: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) count: number;
}

export class DistrictConcernCountDto {
  @ApiProperty({ type: String, nullable: true, description: 'District code; null: none known' }) district: string | null;
  @ApiProperty({ example: '北部圏域' }) districtName: string;
  @ApiProperty({ enum: CONCERNS }) concern: string;
  @ApiProperty({ example: 'ひきこもり' }) label: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) count: number;
}

/** 参加支援 and 地域づくり: participation support and the community resource directory. */
export class ParticipationIndicatorsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: '参加支援の対象者数: distinct people (household members; the primary person when none is named) with a participation started in the year' })
  peopleInParticipationSupport: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: '協力事業者数: distinct resources that took someone in (a participation started there in the year)' })
  resourcesThatTookSomeoneIn: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Participations started in the year' }) participationsStarted: number;
  @ApiProperty({ type: () => [CodeCountDto], description: 'Participations started in the year by the kind of resource' }) participationsByResourceKind: CodeCountDto[];
  @ApiProperty({ type: () => [CodeCountDto], description: 'Participations started in the year by their status now (started: still going; ended)' }) participationsByStatus: CodeCountDto[];
  @ApiProperty({ type: () => [CodeCountDto], description: 'Participations ended in the year (endedOn) by end reason, proposals that never started included' }) participationsEndedByReason: CodeCountDto[];
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Resources in the directory at the end of the year (recorded before it ended)' }) resources: number;
  @ApiProperty({ type: () => [CodeCountDto], description: 'The same by kind' }) resourcesByKind: CodeCountDto[];
  @ApiProperty({ type: [DistrictCountDto], description: 'The same by district: the municipality’s districts in order (0 included), then others, then none' }) resourcesByDistrict: DistrictCountDto[];
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Resources stale now (verifiedOn over 12 months before the day of the report): a past verification date is not kept, so this is today’s figure whatever the year' })
  staleResources: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Unmet needs recorded in the year' }) unmetNeeds: number;
  @ApiProperty({ type: [DistrictConcernCountDto], description: 'Unmet needs recorded in the year by district × concern, most first' }) unmetNeedsByDistrictAndConcern: DistrictConcernCountDto[];
}
