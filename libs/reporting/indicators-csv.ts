import type { CodeCountDto, IndicatorsReportDto } from './dto/indicators.dto';
import { participationCsvRows } from './participation-indicators';
import { planCsvRows } from './plan-indicators';

/** Excel reads UTF-8 only with a byte order mark; without it Japanese turns to mojibake. */
export const UTF8_BOM = '\uFEFF';
const CRLF = '\r\n';

/**
 * One CSV field: quoted when it holds a comma, quote or line break (RFC 4180); text that
 * Excel would run as a formula (=, +, -, @, tab, CR first) is prefixed with an apostrophe,
 * since agency names are typed by people.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: (string | number | null)[]): string {
  return fields.map(csvField).join(',') + CRLF;
}

/**
 * The indicators as rows of 区分,項目,件数 for a spreadsheet: UTF-8 with BOM, CRLF line ends.
 * Times to answer sit in the same column, their unit in the item name.
 */
export function indicatorsCsv(r: IndicatorsReportDto): string {
  const rows: (string | number | null)[][] = [];
  const add = (section: string, item: string, value: number | null) => rows.push([section, item, value]);
  const addAll = (section: string, items: CodeCountDto[]) => items.forEach((i) => add(section, i.label, i.count));

  add('年度', `${r.label}（${r.fiscalYear}年度）`, null);
  add('期間', `${r.period.from}〜${r.period.to}`, null);
  add('相談受付', '相談受付件数', r.cases.total);
  addAll('相談経路', r.cases.byChannel);
  addAll('課題（複数計上）', r.cases.byConcern);
  addAll('主たる課題', r.cases.byPrimaryConcern);
  r.cases.byAgency.forEach((a) => add('受付機関', a.name, a.count));
  addAll('受付機関種別', r.cases.byAgencyKind);
  add('CSW', 'CSWが対応した相談件数', r.cases.cswHandled);
  add('つなぎ', 'つなぎ件数', r.referrals.total);
  addAll('つなぎの状況', r.referrals.byStatus);
  r.referrals.byAgencyPair.forEach((p) => add('つなぎ（機関間）', `${p.fromName} → ${p.toName}`, p.count));
  add('つなぎ', '受入不可', r.referrals.declined);
  add('つなぎ', '再調整によるつなぎ直し', r.referrals.reroutes);
  add('つなぎ', 'エスカレーション', r.referrals.escalations);
  add('つなぎ', '回答までの時間（中央値・時間）', r.referrals.medianHoursToAnswer);
  add('つなぎ', '回答までの時間（中央値・開庁時間）', r.referrals.medianBusinessHoursToAnswer);
  add('エスカレーション', 'エスカレーション件数', r.escalations.total);
  addAll('エスカレーション', r.escalations.bySource);
  addAll('終結理由', r.closures.byReason);
  addAll('会議', r.conferences.byType);
  rows.push(...planCsvRows(r.plans));
  add('国の報告項目', '新規相談受付件数', r.national.newConsultations);
  add('国の報告項目', '他制度・他機関へのつなぎ件数', r.national.handoffsToOtherAgencies);
  add('国の報告項目', '相談・情報提供のみで終了した件数', r.national.informationOnlyClosures);
  add('国の報告項目', '重層的支援会議の開催件数', r.national.multiAgencyMeetings);
  add('国の報告項目', 'プラン作成件数', r.national.plansMade);
  add('国の報告項目', '再プラン件数', r.national.replans);
  add('国の報告項目', '就労支援対象者数', r.national.peopleInEmploymentSupport);
  add('国の報告項目', '就労者数', r.national.peopleEmploymentStarted);
  add('国の報告項目', '増収者数', r.national.peopleIncomeIncreased);
  rows.push(...participationCsvRows(r.participation));

  return UTF8_BOM + csvLine(['区分', '項目', '件数']) + rows.map(csvLine).join('');
}
