import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { AGENCY_KINDS } from '@tsunagi/vocabularies';
import { ParticipationIndicatorsDto } from './participation-indicators.dto';
import { PlanIndicatorsDto } from './plan-indicators.dto';

export const REPORT_FORMATS = ['json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Query strings are strings: only plain digits become a number, anything else stays as given and fails validation. */
const digitsToNumber = () => Transform(({ value }) => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value));

export class IndicatorsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1989, maximum: 2100, example: 2026, description: 'Fiscal year (年度, April–March, Asia/Tokyo) by the calendar year it starts in; default the current one' })
  @IsOptional() @digitsToNumber() @IsInt() @Min(1989) @Max(2100)
  fiscalYear?: number;

  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'json', description: '`csv`: UTF-8 with BOM, CRLF, for Excel' })
  @IsOptional() @IsIn(REPORT_FORMATS)
  format?: ReportFormat;
}

export class PeriodDto {
  @ApiProperty({ format: 'date', example: '2026-04-01' }) from: string;
  @ApiProperty({ format: 'date', example: '2027-03-31', description: 'Inclusive' }) to: string;
}

/** One row of a coded breakdown: every code of the vocabulary appears, with 0 when nothing counted. */
export class CodeCountDto {
  @ApiProperty({ example: 'walk_in' }) code: string;
  @ApiProperty({ example: '来所', description: 'Japanese label (GET /meta/vocabularies)' }) label: string;
  @ApiProperty({ type: 'integer', minimum: 0, example: 12 }) count: number;
}

export class AgencyCountDto {
  @ApiProperty({ format: 'uuid' }) agencyId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: AGENCY_KINDS }) kind: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) count: number;
}

export class AgencyPairCountDto {
  @ApiProperty({ format: 'uuid' }) fromAgencyId: string;
  @ApiProperty() fromName: string;
  @ApiProperty({ format: 'uuid' }) toAgencyId: string;
  @ApiProperty() toName: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Referrals made in the year from → to' }) count: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) accepted: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) declined: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) pending: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) withdrawn: number;
}

export class CaseIndicatorsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Cases received in the year (by receivedAt), restricted ones included' }) total: number;
  @ApiProperty({ type: [CodeCountDto] }) byChannel: CodeCountDto[];
  @ApiProperty({ type: [CodeCountDto], description: 'Each concern counted once per case (a case with three concerns adds to three rows)' }) byConcern: CodeCountDto[];
  @ApiProperty({ type: [CodeCountDto], description: 'Cases by primary concern (◎); cases without one are in no row' }) byPrimaryConcern: CodeCountDto[];
  @ApiProperty({ type: [AgencyCountDto], description: 'By intake agency (the lead at intake); every agency, 0 included' }) byAgency: AgencyCountDto[];
  @ApiProperty({ type: [CodeCountDto], description: 'By the intake agency’s kind' }) byAgencyKind: CodeCountDto[];
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description:
      'Consultations handled by CSWs: cases received in the year where a social_welfare_council agency is or was the intake agency, is the lead or an involved agency, or received an accepted referral on it',
  })
  cswHandled: number;
}

export class ReferralIndicatorsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Referrals made in the year (by createdAt)' }) total: number;
  @ApiProperty({ type: [CodeCountDto], description: 'Referrals made in the year by their current status' }) byStatus: CodeCountDto[];
  @ApiProperty({ type: [AgencyPairCountDto], description: 'Pairs with at least one referral, most referrals first' }) byAgencyPair: AgencyPairCountDto[];
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Referrals made in the year that were declined' }) declined: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Re-routes: referrals made in the year on a case where an earlier referral had already been declined' }) reroutes: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Referrals escalated in the year (response deadline passed unanswered)' }) escalations: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Median hours from referral to answer (accepted or declined) of referrals answered in the year; null when none' })
  medianHoursToAnswer: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'The same in business hours (opening hours on business days of the municipality calendar)' })
  medianBusinessHoursToAnswer: number | null;
}

export class EscalationIndicatorsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Due times that passed and escalated in the year (one per escalated referral or task, however many agencies were told)' }) total: number;
  @ApiProperty({ type: [CodeCountDto], description: '`referral` (an unanswered referral) and `task` (an overdue follow-up)' }) bySource: CodeCountDto[];
}

export class ClosureIndicatorsDto {
  @ApiProperty({ type: [CodeCountDto], description: 'Cases closed in the year (closedAt) by closure reason; a reopened case counts again only when closed again' }) byReason: CodeCountDto[];
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Closures with reason information_only' }) informationOnly: number;
}

export class ConferenceIndicatorsDto {
  @ApiProperty({ type: [CodeCountDto], description: 'Conferences held in the year (heldAt) by type' }) byType: CodeCountDto[];
}

export class NationalIndicatorsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: '新規相談受付件数: cases received in the year' }) newConsultations: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: '他制度・他機関へのつなぎ: referrals made in the year' }) handoffsToOtherAgencies: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: '相談・情報提供のみで終了: closures in the year with reason information_only' }) informationOnlyClosures: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: '重層的支援会議の開催件数: multi_agency_meetings held in the year' }) multiAgencyMeetings: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'プラン作成件数: cases whose first plan was activated in the year' }) plansMade: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: '再プラン件数: later plan versions activated in the year' }) replans: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: '就労支援対象者数: people with a plan activated in the year that includes employment support' }) peopleInEmploymentSupport: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: '就労者数: people with an employment_started outcome in the year' }) peopleEmploymentStarted: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: '増収者数: people with an income_increased outcome in the year' }) peopleIncomeIncreased: number;
}

export class IndicatorsReportDto {
  @ApiProperty({ type: 'integer', example: 2026 }) fiscalYear: number;
  @ApiProperty({ example: '令和8年度' }) label: string;
  @ApiProperty({ type: PeriodDto }) period: PeriodDto;
  @ApiProperty({ type: CaseIndicatorsDto }) cases: CaseIndicatorsDto;
  @ApiProperty({ type: ReferralIndicatorsDto }) referrals: ReferralIndicatorsDto;
  @ApiProperty({ type: EscalationIndicatorsDto }) escalations: EscalationIndicatorsDto;
  @ApiProperty({ type: ClosureIndicatorsDto }) closures: ClosureIndicatorsDto;
  @ApiProperty({ type: ConferenceIndicatorsDto }) conferences: ConferenceIndicatorsDto;
  @ApiProperty({ type: () => PlanIndicatorsDto, description: '支援プラン: plans made, re-plans, evaluations, employment support and outcomes' }) plans: PlanIndicatorsDto;
  @ApiProperty({ type: () => ParticipationIndicatorsDto, description: '参加支援と地域づくり: participation support, the resource directory and unmet needs' }) participation: ParticipationIndicatorsDto;
  @ApiProperty({ type: NationalIndicatorsDto, description: 'National programme items available from the records kept today' }) national: NationalIndicatorsDto;
}
