import { csvLine, UTF8_BOM } from '@tsunagi/reporting/indicators-csv';
import { VOCABULARIES } from '@tsunagi/vocabularies';
import type { PublicResourceDto } from './dto/resource.dto';

const HEADER = ['ID', '名称', 'よみがな', '種類', '圏域', '所在地', '内容', '連絡先', '日時', '対象となる課題', '対象', '受け入れ', '最終確認日'];

const labels = (vocabulary: string) => new Map(VOCABULARIES[vocabulary].map((e) => [e.code, e.ja]));
const KIND = labels('resourceKinds');
const CONCERN = labels('concerns');
const AGE = labels('ageGroups');

/**
 * The public directory as a spreadsheet: UTF-8 with BOM (Excel), CRLF, Japanese headers and
 * labels, the district by its name when the municipality has named its districts. The same
 * directory fields as the JSON, nothing more.
 */
export function publicDirectoryCsv(items: PublicResourceDto[], districtNames: ReadonlyMap<string, string>): string {
  const rows = items.map((r) => [
    r.id,
    r.name,
    r.nameKana,
    KIND.get(r.kind) ?? r.kind,
    r.district === null ? null : (districtNames.get(r.district) ?? r.district),
    r.address,
    r.description,
    r.contact,
    r.schedule,
    r.targets.map((c) => CONCERN.get(c) ?? c).join('・'),
    r.ageGroups.map((a) => AGE.get(a) ?? a).join('・'),
    r.accepting ? '受け入れ中' : '休止中',
    r.verifiedOn,
  ]);
  return UTF8_BOM + csvLine(HEADER) + rows.map(csvLine).join('');
}
