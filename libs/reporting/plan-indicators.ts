import { Injectable } from '@nestjs/common';
import { Db } from '@tsunagi/database';
import { VOCABULARIES } from '@tsunagi/vocabularies';
import type { CodeCountDto } from './dto/indicators.dto';
import type { PlanIndicatorsDto } from './dto/plan-indicators.dto';

interface CodeRow {
  code: string;
  count: number;
}

/**
 * Identity of "a person" in a count: the household member named, else the case's primary
 * person, else the case itself (an anonymous consultation) — counted once per count.
 */
const PERSON_OF_CASE = (alias: string) =>
  `COALESCE((SELECT m.id::text FROM household_members m WHERE m.municipality_id = ${alias}.municipality_id AND m.case_id = ${alias}.case_id AND m.is_primary), 'case:' || ${alias}.case_id::text)`;

/** The counts behind the plans section (rule 10, DOMAIN.md "Reporting"), one municipality and one fiscal year. */
@Injectable()
export class PlanIndicatorsRepository {
  constructor(private readonly db: Db) {}

  /** First plans and re-plans activated in the year: a plan is a re-plan when an earlier version of its case had been activated. */
  async activations(startDate: string, endDate: string): Promise<{ plansMade: number; replans: number; employmentSupport: number }> {
    const [row] = await this.db.query(
      `SELECT count(*) FILTER (WHERE NOT earlier)::int AS "plansMade",
              count(*) FILTER (WHERE earlier)::int AS replans,
              count(DISTINCT person) FILTER (WHERE employment_support)::int AS "employmentSupport"
       FROM (
         SELECT p.employment_support, ${PERSON_OF_CASE('p')} AS person,
                EXISTS (SELECT 1 FROM plans q WHERE q.municipality_id = p.municipality_id AND q.case_id = p.case_id
                          AND q.activated_on IS NOT NULL AND q.version < p.version) AS earlier
         FROM plans p
         WHERE p.activated_on BETWEEN $1::date AND $2::date
       ) a`,
      [startDate, endDate],
    );
    return row;
  }

  async evaluationsByDecision(startDate: string, endDate: string): Promise<CodeRow[]> {
    return this.db.query<CodeRow>(
      `SELECT decision AS code, count(*)::int AS count FROM plan_evaluations WHERE evaluated_on BETWEEN $1::date AND $2::date GROUP BY decision`,
      [startDate, endDate],
    );
  }

  async goalResults(startDate: string, endDate: string): Promise<CodeRow[]> {
    return this.db.query<CodeRow>(
      `SELECT r.result AS code, count(*)::int AS count
       FROM plan_evaluations e JOIN plan_goal_results r ON r.municipality_id = e.municipality_id AND r.evaluation_id = e.id
       WHERE e.evaluated_on BETWEEN $1::date AND $2::date GROUP BY r.result`,
      [startDate, endDate],
    );
  }

  /** People with an outcome of each kind in the year. */
  async outcomePeople(startDate: string, endDate: string): Promise<CodeRow[]> {
    return this.db.query<CodeRow>(
      `SELECT o.kind AS code, count(DISTINCT COALESCE(o.member_id::text, ${PERSON_OF_CASE('o')}))::int AS count
       FROM outcomes o WHERE o.occurred_on BETWEEN $1::date AND $2::date GROUP BY o.kind`,
      [startDate, endDate],
    );
  }
}

@Injectable()
export class PlanIndicators {
  constructor(private readonly repo: PlanIndicatorsRepository) {}

  async section(startDate: string, endDate: string): Promise<PlanIndicatorsDto> {
    const activations = await this.repo.activations(startDate, endDate);
    const decisions = codeRows('evaluationDecisions', await this.repo.evaluationsByDecision(startDate, endDate));
    return {
      plansMade: activations.plansMade,
      replans: activations.replans,
      evaluations: {
        total: decisions.reduce((sum, r) => sum + r.count, 0),
        byDecision: decisions,
        goalResults: codeRows('goalResults', await this.repo.goalResults(startDate, endDate)),
      },
      peopleInEmploymentSupport: activations.employmentSupport,
      outcomesByKind: codeRows('outcomeKinds', await this.repo.outcomePeople(startDate, endDate)),
    };
  }
}

/** Every code of the vocabulary in its order, 0 when uncounted. */
function codeRows(vocabulary: string, rows: CodeRow[]): CodeCountDto[] {
  return VOCABULARIES[vocabulary].map((e) => ({ code: e.code, label: e.ja, count: rows.find((r) => r.code === e.code)?.count ?? 0 }));
}

export const outcomeCount = (section: PlanIndicatorsDto, kind: string) => section.outcomesByKind.find((r) => r.code === kind)?.count ?? 0;

/** The plans section as 区分,項目,件数 rows. */
export function planCsvRows(p: PlanIndicatorsDto): (string | number | null)[][] {
  return [
    ['支援プラン', 'プラン作成件数', p.plansMade],
    ['支援プラン', '再プラン件数', p.replans],
    ['支援プラン', '評価件数', p.evaluations.total],
    ...p.evaluations.byDecision.map((r) => ['評価の結果', r.label, r.count]),
    ...p.evaluations.goalResults.map((r) => ['目標の達成状況', r.label, r.count]),
    ['支援プラン', '就労支援対象者数', p.peopleInEmploymentSupport],
    ...p.outcomesByKind.map((r) => ['支援による変化（人数）', r.label, r.count]),
  ];
}
