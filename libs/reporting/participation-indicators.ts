import { Injectable } from '@nestjs/common';
import { addMonthsToDate, tokyoToday } from '@tsunagi/calendar';
import { Db } from '@tsunagi/database';
import { District, MunicipalitiesService } from '@tsunagi/municipalities';
import { CONCERNS, VOCABULARIES } from '@tsunagi/vocabularies';
import type { CodeCountDto } from './dto/indicators.dto';
import type { DistrictConcernCountDto, DistrictCountDto, ParticipationIndicatorsDto } from './dto/participation-indicators.dto';

/** Shown for a district that was never recorded. */
export const NO_DISTRICT = '圏域未設定';
const STALE_AFTER_MONTHS = 12;

interface Totals {
  people: number;
  resources: number;
  participations: number;
}
interface KindStatusRow {
  kind: string;
  status: string;
  count: number;
}
interface CodeRow {
  code: string;
  count: number;
}
interface KindDistrictRow {
  kind: string;
  district: string | null;
  count: number;
}
interface DistrictConcernRow {
  district: string | null;
  concern: string;
  count: number;
}

export interface ParticipationCounts {
  totals: Totals;
  byKindAndStatus: KindStatusRow[];
  endedByReason: CodeRow[];
  resourcesByKindAndDistrict: KindDistrictRow[];
  stale: number;
  unmetNeeds: DistrictConcernRow[];
}

/**
 * The counts behind the participation section of the indicators, one statement each, over
 * one municipality (the transaction's) and one fiscal year. A person is a household member,
 * the case's primary person when none was named, the case itself when it has no members
 * (an anonymous consultation), counted once.
 */
@Injectable()
export class ParticipationIndicatorsRepository {
  constructor(private readonly db: Db) {}

  async counts(startDate: string, endDate: string, toExclusive: Date, staleBefore: string): Promise<ParticipationCounts> {
    const [totals] = await this.db.query<Totals>(
      `SELECT count(DISTINCT COALESCE(p.member_id,
                (SELECT m.id FROM household_members m WHERE m.municipality_id = p.municipality_id AND m.case_id = p.case_id AND m.is_primary),
                p.case_id))::int AS people,
              count(DISTINCT p.resource_id)::int AS resources,
              count(*)::int AS participations
       FROM participations p
       WHERE p.municipality_id = current_setting('app.municipality_id')::uuid AND p.started_on BETWEEN $1::date AND $2::date`,
      [startDate, endDate],
    );
    const byKindAndStatus = await this.db.query<KindStatusRow>(
      `SELECT r.kind, p.status, count(*)::int AS count
       FROM participations p JOIN resources r ON r.municipality_id = p.municipality_id AND r.id = p.resource_id
       WHERE p.municipality_id = current_setting('app.municipality_id')::uuid AND p.started_on BETWEEN $1::date AND $2::date
       GROUP BY r.kind, p.status`,
      [startDate, endDate],
    );
    const endedByReason = await this.db.query<CodeRow>(
      `SELECT end_reason AS code, count(*)::int AS count FROM participations
       WHERE municipality_id = current_setting('app.municipality_id')::uuid AND ended_on BETWEEN $1::date AND $2::date
       GROUP BY end_reason`,
      [startDate, endDate],
    );
    const resourcesByKindAndDistrict = await this.db.query<KindDistrictRow>(
      `SELECT kind, district, count(*)::int AS count FROM resources
       WHERE municipality_id = current_setting('app.municipality_id')::uuid AND created_at < $1
       GROUP BY kind, district`,
      [toExclusive],
    );
    const [{ stale }] = await this.db.query<{ stale: number }>(
      `SELECT count(*)::int AS stale FROM resources WHERE municipality_id = current_setting('app.municipality_id')::uuid AND verified_on < $1::date`,
      [staleBefore],
    );
    const unmetNeeds = await this.db.query<DistrictConcernRow>(
      `SELECT district, concern, count(*)::int AS count FROM unmet_needs
       WHERE municipality_id = current_setting('app.municipality_id')::uuid AND recorded_on BETWEEN $1::date AND $2::date
       GROUP BY district, concern`,
      [startDate, endDate],
    );
    return { totals, byKindAndStatus, endedByReason, resourcesByKindAndDistrict, stale, unmetNeeds };
  }
}

/** Builds the participation section of `GET /reports/indicators` (inside the report's transaction). */
@Injectable()
export class ParticipationIndicators {
  constructor(
    private readonly repo: ParticipationIndicatorsRepository,
    private readonly municipalities: MunicipalitiesService,
  ) {}

  async section(startDate: string, endDate: string, toExclusive: Date, today: string = tokyoToday()): Promise<ParticipationIndicatorsDto> {
    const { districts } = await this.municipalities.settings();
    const counts = await this.repo.counts(startDate, endDate, toExclusive, addMonthsToDate(today, -STALE_AFTER_MONTHS));
    return participationSection(counts, districts);
  }
}

export function participationSection(c: ParticipationCounts, districts: District[] | null): ParticipationIndicatorsDto {
  const byKind = new Map<string, number>();
  const byStatus = new Map<string, number>();
  for (const r of c.byKindAndStatus) {
    add(byKind, r.kind, r.count);
    add(byStatus, r.status, r.count);
  }
  const resourceKinds = new Map<string, number>();
  const resourceDistricts = new Map<string | null, number>();
  for (const r of c.resourcesByKindAndDistrict) {
    add(resourceKinds, r.kind, r.count);
    add(resourceDistricts, r.district, r.count);
  }
  const names = new Map((districts ?? []).map((d) => [d.code, d.name]));
  const nameOf = (district: string | null) => (district === null ? NO_DISTRICT : (names.get(district) ?? district));
  const labels = new Map(VOCABULARIES.concerns.map((e) => [e.code, e.ja]));
  const unmet: DistrictConcernCountDto[] = c.unmetNeeds
    .map((r) => ({ district: r.district, districtName: nameOf(r.district), concern: r.concern, label: labels.get(r.concern) ?? r.concern, count: r.count }))
    .sort((a, b) => b.count - a.count || districtOrder(districts)(a.district, b.district) || (CONCERNS as readonly string[]).indexOf(a.concern) - (CONCERNS as readonly string[]).indexOf(b.concern));
  return {
    peopleInParticipationSupport: c.totals.people,
    resourcesThatTookSomeoneIn: c.totals.resources,
    participationsStarted: c.totals.participations,
    participationsByResourceKind: byCode('resourceKinds', byKind),
    participationsByStatus: byCode('participationStatuses', byStatus),
    participationsEndedByReason: byCode('participationEndReasons', new Map(c.endedByReason.map((r) => [r.code, r.count]))),
    resources: c.resourcesByKindAndDistrict.reduce((sum, r) => sum + r.count, 0),
    resourcesByKind: byCode('resourceKinds', resourceKinds),
    resourcesByDistrict: districtRows(districts, resourceDistricts, nameOf),
    staleResources: c.stale,
    unmetNeeds: c.unmetNeeds.reduce((sum, r) => sum + r.count, 0),
    unmetNeedsByDistrictAndConcern: unmet,
  };
}

/** The section as 区分,項目,件数 rows for the indicators CSV. */
export function participationCsvRows(p: ParticipationIndicatorsDto): Array<[string, string, number]> {
  const rows: Array<[string, string, number]> = [
    ['国の報告項目', '参加支援の対象者数', p.peopleInParticipationSupport],
    ['国の報告項目', '協力事業者数（参加者を受け入れた社会資源）', p.resourcesThatTookSomeoneIn],
    ['参加支援', '参加開始件数', p.participationsStarted],
  ];
  p.participationsByResourceKind.forEach((r) => rows.push(['参加支援（資源の種類別）', r.label, r.count]));
  p.participationsByStatus.forEach((r) => rows.push(['参加支援（状況別）', r.label, r.count]));
  p.participationsEndedByReason.forEach((r) => rows.push(['参加支援（終了理由別）', r.label, r.count]));
  rows.push(['社会資源', '登録資源数', p.resources]);
  p.resourcesByKind.forEach((r) => rows.push(['社会資源（種類別）', r.label, r.count]));
  p.resourcesByDistrict.forEach((r) => rows.push(['社会資源（圏域別）', r.name, r.count]));
  rows.push(['社会資源', '情報が1年以上未確認の資源数（作成日時点）', p.staleResources]);
  rows.push(['地域の不足資源', '不足資源の記録件数', p.unmetNeeds]);
  p.unmetNeedsByDistrictAndConcern.forEach((r) => rows.push(['地域の不足資源（圏域×課題）', `${r.districtName} × ${r.label}`, r.count]));
  return rows;
}

function add<K>(map: Map<K, number>, key: K, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

/** Every code of the vocabulary in its order, 0 when uncounted; a code outside it follows. */
function byCode(vocabulary: string, counts: Map<string, number>): CodeCountDto[] {
  const entries = VOCABULARIES[vocabulary];
  const rows = entries.map((e) => ({ code: e.code, label: e.ja, count: counts.get(e.code) ?? 0 }));
  for (const [code, count] of counts) if (!entries.some((e) => e.code === code)) rows.push({ code, label: code, count });
  return rows;
}

/** The municipality's districts in their order (0 included), then other recorded ones by code, then none. */
function districtRows(districts: District[] | null, counts: Map<string | null, number>, nameOf: (d: string | null) => string): DistrictCountDto[] {
  const codes: Array<string | null> = (districts ?? []).map((d) => d.code);
  const others = [...counts.keys()].filter((k): k is string => k !== null && !codes.includes(k)).sort();
  const all = [...codes, ...others, ...(counts.has(null) ? [null] : [])];
  return all.map((district) => ({ district, name: nameOf(district), count: counts.get(district) ?? 0 }));
}

function districtOrder(districts: District[] | null): (a: string | null, b: string | null) => number {
  const position = (d: string | null) => {
    if (d === null) return Number.MAX_SAFE_INTEGER;
    const i = (districts ?? []).findIndex((x) => x.code === d);
    return i >= 0 ? i : (districts?.length ?? 0);
  };
  return (a, b) => position(a) - position(b) || (a ?? '').localeCompare(b ?? '');
}
