import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { newId } from '@tsunagi/common/ids';
import { DEFAULT_LIMIT } from '@tsunagi/common/pagination';
import { APP_ROLE } from '@tsunagi/database/data-source';
import { ResourcesRepository } from '@tsunagi/resources/resources.repository';
import { searchFields, staleBefore, textFilter } from '@tsunagi/resources/resources.service';
import { buildSearchDocument, likePattern, normalizeForSearch } from '@tsunagi/search-text';
import type { AgeGroup, Concern, ResourceKind } from '@tsunagi/vocabularies';
import { deferIndexes } from '../bulk-indexes';
import { arrayLiteral, field } from '../bulk-load';
import { seededRandom } from '../households';
import { round1 } from '../proc';
import { aloneRow, loadRow, mark, ms, n, planShape, row } from '../report';
import { capturedStatement, measureGet, planBuffers, type EndpointResult, type Scenario } from '../scenario';
import { explain, type Explained } from '../search';

/**
 * The community resource directory (社会資源) at prefecture scale: 100,000 resources (the
 * figure the issue asks for, in both modes) of 20 municipalities' 60 日常生活圏域, loaded by
 * COPY into the bench municipality with their search columns computed as ResourcesService
 * does. Then, as the desk: the filters a CSW combines (kind + district + concern) and a
 * two-character text query in kanji and in kana, alone and at N connections; and the public
 * directory (no token) at N connections, once with its answers cached and once missing the
 * cache. Every statement also under EXPLAIN (ANALYZE, BUFFERS) as tsunagi_app.
 */

const GOAL_P95_MS = 20;
/** ~30 % of the directory is on the public web page */
const PUBLIC_SHARE = 0.3;

const PLANS = {
  quick: { resources: 20_000, sequential: 100, warmupSeconds: 1, seconds: 2 },
  full: { resources: 100_000, sequential: 500, warmupSeconds: 3, seconds: 15 },
};

const KANJI_QUERIES = ['食堂', '家族', '農園', '体操'];
const KANA_QUERIES = ['カフ', 'ひま', 'のう'];
/** explained only: a few hundred matches (断酒会), too few among the newest resources for a page: the walk, then the gram index */
const THRESHOLD_QUERY = '断酒';
/** kind + concern pairs a CSW looks for, each asked in three districts */
const FILTERS: ReadonlyArray<readonly [ResourceKind, Concern]> = [
  ['salon', 'isolation'], ['exercise_class', 'long_term_care'], ['children_cafeteria', 'no_food'], ['dementia_cafe', 'long_term_care'],
  ['peer_group', 'hikikomori'], ['work_experience', 'employment'], ['watching_shopping_support', 'isolation'], ['learning_support', 'school_refusal'],
  ['volunteer_group', 'disaster_support'], ['place_to_belong', 'school_refusal'],
];
/** the public directory caches this many answers per api process (PublicDirectoryService) */
const PUBLIC_CACHE_ENTRIES = 500;

// ---- the data: a prefecture's directory ----

/** 20 municipalities, the larger first; each has three 日常生活圏域 */
const CITIES: ReadonlyArray<readonly [code: string, name: string, reading: string]> = [
  ['aoba', '青葉市', 'あおばし'], ['sakuragawa', '桜川市', 'さくらがわし'], ['minamino', '南野市', 'みなみのし'], ['kitahama', '北浜市', 'きたはまし'],
  ['higashiyama', '東山市', 'ひがしやまし'], ['nishikawa', '西川市', 'にしかわし'], ['wakaba', '若葉市', 'わかばし'], ['shiroyama', '城山市', 'しろやまし'],
  ['izumi', '泉市', 'いずみし'], ['matsubara', '松原市', 'まつばらし'], ['takada', '高田市', 'たかだし'], ['umegaoka', '梅ケ丘市', 'うめがおかし'],
  ['hakusan', '白山町', 'はくさんまち'], ['fujimi', '富士見町', 'ふじみまち'], ['hinode', '日の出町', 'ひのでまち'], ['kawabata', '川端町', 'かわばたまち'],
  ['kotobuki', '寿町', 'ことぶきちょう'], ['yanagi', '柳町', 'やなぎまち'], ['ohara', '大原村', 'おおはらむら'], ['nagasawa', '長沢村', 'ながさわむら'],
];
const ZONES: ReadonlyArray<readonly [code: string, name: string, weight: number]> = [['chuo', '中部', 1.5], ['kita', '北部', 1], ['minami', '南部', 1]];
const DISTRICTS = CITIES.flatMap(([code, name, reading], rank) =>
  ZONES.map(([zone, zoneName, weight]) => ({ code: `${code}-${zone}`, name: `${name}${zoneName}圏域`, city: name, cityReading: reading, weight: (CITIES.length - rank) * weight })),
);

const TOWNS: ReadonlyArray<readonly [string, string]> = [
  ['本町', 'ほんちょう'], ['中央', 'ちゅうおう'], ['栄町', 'さかえまち'], ['緑町', 'みどりちょう'], ['旭町', 'あさひまち'], ['若葉台', 'わかばだい'],
  ['桜ケ丘', 'さくらがおか'], ['東町', 'ひがしまち'], ['西町', 'にしまち'], ['南町', 'みなみまち'], ['北町', 'きたまち'], ['新町', 'しんまち'],
  ['宮前', 'みやまえ'], ['山手', 'やまて'], ['川端', 'かわばた'], ['青葉', 'あおば'], ['富士見', 'ふじみ'], ['日の出町', 'ひのでまち'],
  ['松が丘', 'まつがおか'], ['泉町', 'いずみちょう'], ['寿町', 'ことぶきちょう'], ['大原', 'おおはら'], ['上野台', 'うえのだい'], ['下川原', 'しもかわら'],
  ['柳町', 'やなぎまち'], ['白山', 'はくさん'], ['桜木町', 'さくらぎちょう'], ['若松', 'わかまつ'], ['梅田', 'うめだ'], ['大森', 'おおもり'],
  ['長沼', 'ながぬま'], ['城山', 'しろやま'], ['田町', 'たまち'], ['港町', 'みなとまち'], ['平和台', 'へいわだい'], ['八幡', 'やはた'],
];
/** the names groups give themselves, in hiragana (so reading and name agree) */
const NICKNAMES = ['ひまわり', 'たんぽぽ', 'すみれ', 'なのはな', 'あおぞら', 'にじいろ', 'さくら', 'こすもす', 'どんぐり', 'ひだまり', 'つくし', 'かたつむり', 'わかば', 'ほっと', 'えがお', 'あおい', 'ゆめ', 'はなみずき'];

/** {T} town, {t} its reading, {F} a nickname, {C} the city, {c} its reading */
interface Template {
  kind: ResourceKind;
  weight: number;
  names: ReadonlyArray<readonly [name: string, reading: string]>;
  descriptions: string[];
  targets: Concern[];
  ages: AgeGroup[];
}

const TEMPLATES: ReadonlyArray<Template> = [
  {
    kind: 'salon', weight: 24,
    names: [['{T}地区ふれあいサロン', '{t}ちくふれあいさろん'], ['いきいきサロン {T}', 'いきいきさろん {t}'], ['{T}お茶のみサロン', '{t}おちゃのみさろん'], ['{T}町内会 憩いのサロン', '{t}ちょうないかい いこいのさろん']],
    descriptions: ['月2回、集会所でお茶とおしゃべり、脳トレや季節の行事。一人暮らしの方も気軽にどうぞ。', '地区の民生委員と福祉委員が運営する茶話会です。送迎の相談に応じます。', '手芸や歌、健康チェックなど。参加費100円（お茶代）。'],
    targets: ['isolation', 'long_term_care', 'eighty_fifty'], ages: ['elderly'],
  },
  {
    kind: 'exercise_class', weight: 16,
    names: [['{T}いきいき百歳体操', '{t}いきいきひゃくさいたいそう'], ['{T}地区 健康体操教室', '{t}ちく けんこうたいそうきょうしつ'], ['シルバーリハビリ体操 {T}会場', 'しるばーりはびりたいそう {t}かいじょう'], ['{T}ノルディックウォーキングの会', '{t}のるでぃっくうぉーきんぐのかい']],
    descriptions: ['週1回、おもりを使った筋力づくりの体操。介護予防の通いの場です。', '体操と口腔体操、季節ごとに体力測定をします。', '理学療法士の指導を年2回受けています。初めての方も見学できます。'],
    targets: ['long_term_care', 'illness', 'isolation'], ages: ['elderly'],
  },
  {
    kind: 'volunteer_group', weight: 12,
    names: [['{T}ボランティアの会', '{t}ぼらんてぃあのかい'], ['傾聴ボランティア {F}', 'けいちょうぼらんてぃあ {F}'], ['{T}災害ボランティアの会', '{t}さいがいぼらんてぃあのかい'], ['日本語教室 {F}', 'にほんごきょうしつ {F}'], ['{T}手話サークル', '{t}しゅわさーくる'], ['{C}おもちゃ病院', '{c}おもちゃびょういん']],
    descriptions: ['施設や在宅での話し相手、行事の手伝いをしています。会員募集中。', '災害時の避難所運営の訓練を年2回行っています。', '外国にルーツのある方に日本語と生活の相談を。毎週日曜日。'],
    targets: ['isolation', 'disaster_support', 'foreign_resident', 'disability'], ages: ['adults', 'elderly'],
  },
  {
    kind: 'watching_shopping_support', weight: 9,
    names: [['{T}地区見守り隊', '{t}ちくみまもりたい'], ['買い物支援 {T}ふれあい便', 'かいものしえん {t}ふれあいびん'], ['{T}移動販売・見守り', '{t}いどうはんばい みまもり'], ['ゴミ出し支援 {T}助け合いの会', 'ごみだししえん {t}たすけあいのかい']],
    descriptions: ['週1回、乗り合いでスーパーへ。買い物の付き添いと安否確認をします。', '新聞や郵便物のたまり具合で異変に気づいたら地域包括支援センターへ連絡します。', '電球交換やゴミ出しなど、ちょっとした困りごとを30分300円で手伝います。'],
    targets: ['long_term_care', 'isolation', 'disaster_support', 'hoarding'], ages: ['elderly'],
  },
  {
    kind: 'place_to_belong', weight: 8,
    names: [['{T}みんなの居場所', '{t}みんなのいばしょ'], ['居場所カフェ {F}', 'いばしょかふぇ {F}'], ['ひきこもり当事者の居場所 {F}', 'ひきこもりとうじしゃのいばしょ {F}'], ['{T}子どもの居場所', '{t}こどものいばしょ'], ['子育てサロン {F}', 'こそだてさろん {F}']],
    descriptions: ['予約不要、出入り自由。ボードゲームやおしゃべりをして過ごせます。', '学校に行きづらい子どもが日中過ごせる場所。宿題や昼食の持ち込みも可。', '同じ経験をした若者スタッフがいます。話さなくても大丈夫です。'],
    targets: ['isolation', 'hikikomori', 'school_refusal', 'child_rearing'], ages: ['children', 'youth', 'adults'],
  },
  {
    kind: 'children_cafeteria', weight: 6,
    names: [['子ども食堂 {F}', 'こどもしょくどう {F}'], ['{T}こども食堂', '{t}こどもしょくどう'], ['地域食堂 {F}', 'ちいきしょくどう {F}'], ['{T}みんな食堂', '{t}みんなしょくどう']],
    descriptions: ['毎月第2・第4土曜日に手作りの夕食を出しています。子ども無料、大人300円。', '食材の寄付を受け付けています。お弁当の持ち帰りもできます。', '学習支援と夕食をセットで。ひとり親家庭の方もお気軽に。'],
    targets: ['child_rearing', 'no_food', 'financial_hardship', 'isolation'], ages: ['children', 'adults'],
  },
  {
    kind: 'dementia_cafe', weight: 5,
    names: [['認知症カフェ {F}', 'にんちしょうかふぇ {F}'], ['オレンジカフェ {T}', 'おれんじかふぇ {t}'], ['{T}認知症カフェ', '{t}にんちしょうかふぇ'], ['{T}ケアラーズカフェ', '{t}けあらーずかふぇ']],
    descriptions: ['認知症の方とご家族、地域の方が集うカフェ。専門職が相談に応じます。', '介護している家族同士で話せる場です。認知症サポーター養成講座もあります。', '毎月第3金曜日、包括の職員と認知症地域支援推進員が参加しています。'],
    targets: ['long_term_care', 'eighty_fifty', 'isolation', 'double_care'], ages: ['elderly', 'adults'],
  },
  {
    kind: 'peer_group', weight: 5,
    names: [['ひきこもり家族会 {F}', 'ひきこもりかぞくかい {F}'], ['{T}認知症家族の会', '{t}にんちしょうかぞくのかい'], ['断酒会 {C}支部', 'だんしゅかい {c}しぶ'], ['精神障害者家族会 {F}会', 'せいしんしょうがいしゃかぞくかい {F}かい'], ['ひとり親の会 {F}', 'ひとりおやのかい {F}'], ['{T}介護者のつどい', '{t}かいごしゃのつどい'], ['不登校・親の会 {F}', 'ふとうこう おやのかい {F}']],
    descriptions: ['同じ悩みを持つ家族が月1回集まり、体験を語り合います。', '当事者と家族の分かち合いの会。話したことは外に出しません。', '専門家を招いた学習会も年数回開いています。'],
    targets: ['hikikomori', 'family_relations', 'eighty_fifty', 'long_term_care', 'illness', 'disability', 'school_refusal', 'child_rearing', 'double_care'], ages: ['youth', 'adults', 'elderly'],
  },
  {
    kind: 'work_experience', weight: 3,
    names: [['就労体験 {F}農園', 'しゅうろうたいけん {F}のうえん'], ['{T}ふれあい農園 就労体験', '{t}ふれあいのうえん しゅうろうたいけん'], ['中間的就労 {C}リサイクルセンター', 'ちゅうかんてきしゅうろう {c}りさいくるせんたー'], ['就労準備支援 {F}工房', 'しゅうろうじゅんびしえん {F}こうぼう'], ['{T}農園 就労体験', '{t}のうえん しゅうろうたいけん']],
    descriptions: ['畑作業や出荷の手伝いを1日2時間から。交通費を支給します。', '生活困窮者自立支援制度の認定就労訓練事業所です。', '軽作業と清掃から始め、一般就労を目指します。'],
    targets: ['employment', 'hikikomori', 'financial_hardship', 'disability', 'reoffending'], ages: ['youth', 'adults'],
  },
  {
    kind: 'meal_delivery', weight: 3,
    names: [['{T}配食サービス {F}', '{t}はいしょくさーびす {F}'], ['ふれあい弁当 {T}', 'ふれあいべんとう {t}'], ['配食ボランティア {F}', 'はいしょくぼらんてぃあ {F}']],
    descriptions: ['週3回、昼食のお弁当を手渡しで届け、安否を確認します。', '治療食の相談に応じます。1食500円。'],
    targets: ['no_food', 'long_term_care', 'illness', 'isolation'], ages: ['elderly'],
  },
  {
    kind: 'learning_support', weight: 3,
    names: [['{T}学習支援教室', '{t}がくしゅうしえんきょうしつ'], ['無料塾 {F}', 'むりょうじゅく {F}'], ['子どもの学習・生活支援 {T}教室', 'こどものがくしゅう せいかつしえん {t}きょうしつ']],
    descriptions: ['中学生の高校受験を大学生ボランティアが支えます。', '生活保護・ひとり親家庭の小中学生が対象。無料です。'],
    targets: ['school_refusal', 'financial_hardship', 'child_rearing', 'foreign_resident'], ages: ['children', 'youth'],
  },
  {
    kind: 'food_bank', weight: 1,
    names: [['フードバンク {C}', 'ふーどばんく {c}'], ['{T}フードパントリー', '{t}ふーどぱんとりー']],
    descriptions: ['食品の寄付を集め、支援機関を通じて生活に困っている世帯へ届けます。', '月1回、予約制で食品を無料でお渡しします。'],
    targets: ['no_food', 'financial_hardship', 'child_rearing'], ages: ['children', 'adults', 'elderly'],
  },
  {
    kind: 'other', weight: 4,
    names: [['{T}よろず相談会', '{t}よろずそうだんかい'], ['成年後見相談会 {C}', 'せいねんこうけんそうだんかい {c}'], ['多文化共生サロン {F}', 'たぶんかきょうせいさろん {F}'], ['{T}住まいの相談会', '{t}すまいのそうだんかい'], ['くらしの法律相談 {C}', 'くらしのほうりつそうだん {c}']],
    descriptions: ['弁護士・司法書士が無料で相談に応じます。予約制。', '住まい探しに困っている高齢者や障害のある方の相談を受けます。'],
    targets: ['guardianship', 'housing', 'debt', 'foreign_resident', 'other'], ages: ['adults', 'elderly'],
  },
];

const SCHEDULES = ['毎月第2水曜日 10:00〜12:00', '毎週木曜日 13:30〜15:30', '毎月第1・第3火曜日 10:00〜11:30', '毎週月・金曜日 9:30〜11:00', '毎月第4土曜日 17:00〜19:00', '随時（要予約）'];
const REPRESENTATIVES = ['山田', '佐藤', '鈴木', '高橋', '田中', '渡辺', '伊藤', '中村', '小林', '加藤'];
const INTERNAL_NOTES = ['代表者が高齢のため後継者を探している', '会場の公民館が改修中（来年3月まで）', '男性の参加者が少ない。声かけを相談中', '送迎ボランティアが不足'];

const DAY_MS = 86_400_000;
const tokyoDate = (ms: number) => new Date(ms + 9 * 3600e3).toISOString().slice(0, 10);
const toKatakana = (s: string) => s.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));

function weightedPicker<T>(items: ReadonlyArray<T>, weight: (t: T) => number, rnd: () => number): () => T {
  const cumulative: number[] = [];
  let sum = 0;
  for (const item of items) cumulative.push((sum += weight(item)));
  return () => {
    const x = rnd() * sum;
    let lo = 0;
    for (let hi = cumulative.length - 1; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return items[lo];
  };
}

const COPY_SQL = `COPY resources (municipality_id, id, name, name_kana, kind, district, address, description, contact, schedule, targets, age_groups,
  capacity, accepting, is_public, internal_note, verified_on, keeper_agency_id, created_by_id, search_text, search_grams, sort_key, created_at, updated_at) FROM STDIN`;

/** The COPY text of the directory, in chunks: created over six years in id (= creation) order, verified within the last two. */
function* resourceRows(count: number, municipalityId: string, keepers: string[], createdById: string, counts: { bytes: number }): Generator<Buffer> {
  const rnd = seededRandom(20261201);
  const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
  const pick = <T>(list: ReadonlyArray<T>) => list[Math.floor(rnd() * list.length)];
  const template = weightedPicker(TEMPLATES, (t) => t.weight, rnd);
  const district = weightedPicker(DISTRICTS, (d) => d.weight, rnd);
  const now = Date.now();
  const first = now - 6 * 365 * DAY_MS;
  let text = '';
  for (let i = 0; i < count; i++) {
    const t = template();
    const d = district();
    const [town, townReading] = pick(TOWNS);
    const nickname = pick(NICKNAMES);
    const [namePattern, readingPattern] = pick(t.names);
    const fill = (p: string) => p.replace('{T}', town).replace('{t}', townReading).replace('{F}', nickname).replace('{C}', d.city).replace('{c}', d.cityReading);
    const name = fill(namePattern);
    // readings as people type them: mostly katakana, some hiragana, some not given
    const r = rnd();
    const nameKana = r < 0.7 ? toKatakana(fill(readingPattern)) : r < 0.9 ? fill(readingPattern) : null;
    const description = rnd() < 0.9 ? pick(t.descriptions) : null;
    const targets = [...new Set(Array.from({ length: int(1, 3) }, () => pick(t.targets)))];
    const createdMs = first + ((now - 7 * DAY_MS - first) * i) / count + int(0, 3600e3);
    const verifiedMs = Math.max(createdMs, now - int(0, 730) * DAY_MS);
    const id = newId(createdMs);
    const search = searchFields(name, nameKana, description);
    text +=
      [
        municipalityId, id, field(name), field(nameKana), t.kind, d.code, field(`${d.city}${town}${int(1, 5)}丁目${int(1, 30)}-${int(1, 20)}`), field(description),
        field(rnd() < 0.6 ? `090-${int(1000, 9999)}-${int(1000, 9999)}（代表 ${pick(REPRESENTATIVES)}）` : `${d.city}社会福祉協議会 地域福祉係 0${int(100, 999)}-${int(10, 99)}-${int(1000, 9999)}`),
        field(pick(SCHEDULES)), arrayLiteral(targets), arrayLiteral(t.ages), rnd() < 0.6 ? int(10, 40) : '\\N', rnd() < 0.85, rnd() < PUBLIC_SHARE,
        field(rnd() < 0.2 ? pick(INTERNAL_NOTES) : null), tokyoDate(verifiedMs), keepers[i % keepers.length], createdById,
        field(search.searchText), field(arrayLiteral(search.searchGrams)), field(search.sortKey), new Date(createdMs).toISOString(), new Date(verifiedMs).toISOString(),
      ].join('\t') + '\n';
    if (text.length > 1 << 20 || i === count - 1) {
      const chunk = Buffer.from(text);
      counts.bytes += chunk.length;
      text = '';
      yield chunk;
    }
  }
}

// ---- the figures ----

export interface TextQuery {
  q: string;
  /** resources whose search text holds it (normalised, as the api matches) */
  matches: number;
  /** which way search_resource_ids went: a page among the newest 2,000 resources, or those and then the older matches from the gram index */
  path: 'newest 2,000' | 'newest 2,000 + gram index';
  explain: Explained;
}

export interface InnerPlans {
  /** the statement's time on a backend that ran it once before (auto_explain, with timing) */
  warmMs?: number;
  plan: string[];
}

export interface ResourcesResult {
  seed: {
    resources: number;
    seconds: number;
    rowsPerSecond: number;
    megabytes: number;
    indexes: number;
    indexSeconds: number;
    vacuumAnalyzeSeconds: number;
    publicResources: number;
    staleResources: number;
    districts: number;
    byKind: Record<string, number>;
    sizes: Record<string, string>;
  };
  /** matches per kind + district + concern combination asked: min / median / max */
  filterMatches: { min: number; median: number; max: number; combos: number };
  kanji: TextQuery[];
  kana: TextQuery[];
  /** explained, not requested: the longest walk */
  threshold: TextQuery;
  /** distinct public directory answers each run asks for */
  publicWarmKeys: number;
  publicColdKeys: number;
  endpoints: EndpointResult[];
  /** the plans search_resource_ids ran inside, by endpoint label (auto_explain, when the login role may load it) */
  innerPlans: Record<string, InnerPlans>;
}

/**
 * The plans of the statements search_resource_ids runs (its EXPLAIN shows only a Function
 * Scan), from auto_explain, which logs nested statements to this client; and the statement's
 * own time on a backend that has run it once already, as the api's pooled connections have
 * (`explain` opens a new one, where compiling the function and planning its statements for
 * the first time add to the figure). Needs a superuser to LOAD auto_explain; undefined otherwise.
 */
async function innerPlans(dbUrl: string, municipalityId: string, statement: { sql: string; params: unknown[] }): Promise<InnerPlans | undefined> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  const notices: string[] = [];
  client.on('notice', (m) => notices.push(m.message ?? ''));
  try {
    await client.query(`LOAD 'auto_explain'`);
    for (const setting of ['log_min_duration = 0', 'log_analyze = on', 'log_buffers = on', 'log_nested_statements = on', 'log_timing = on']) await client.query(`SET auto_explain.${setting}`);
    await client.query(`SET client_min_messages = log`);
    await client.query('BEGIN');
    await client.query(`SET LOCAL ROLE ${APP_ROLE}`);
    await client.query(`SELECT set_config('app.municipality_id', $1, true)`, [municipalityId]);
    await client.query(statement.sql, statement.params);
    notices.length = 0;
    await client.query(statement.sql, statement.params);
    await client.query('ROLLBACK');
    // An unnamed portal is logged when the next statement comes: the first run's outer statement
    // at the second's start, the second's at the ROLLBACK.
    const outer = notices.filter((m) => m.includes('search_resource_ids($1')).pop();
    const warmMs = outer ? Number(/duration: ([\d.]+) ms/.exec(outer)?.[1]) : undefined;
    return { warmMs, plan: notices.filter((m) => !m.includes('search_resource_ids($1') && /FROM resources r|unnest/.test(m)).flatMap((m) => [...m.split('\n'), '']) };
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

export const resources: Scenario<ResourcesResult> = {
  name: 'resources',
  summary: `community resource directory: ${PLANS.full.resources.toLocaleString('en')} resources (${PLANS.quick.resources.toLocaleString('en')} with --quick) by COPY, then GET /resources by kind + district + concern and by a 2-character q (kanji, kana), and the public directory, alone and at N connections`,

  async run(ctx) {
    const plan = PLANS[ctx.mode];
    const db = ctx.admin;

    // ---- seed ----
    const keepers = (await db.query<{ id: string }>(`SELECT id FROM agencies WHERE municipality_id = $1 ORDER BY id`, [ctx.municipalityId])).rows.map((r) => r.id);
    ctx.log(`resources: ${plan.resources.toLocaleString('en')} resources by COPY (${DISTRICTS.length} districts, kept by ${keepers.length} agenc${keepers.length === 1 ? 'y' : 'ies'})`);
    const t0 = performance.now();
    // As a restore does: secondary indexes (the GIN of grams among them) built once after the COPY.
    const deferred = await deferIndexes(db, ['resources']);
    const counts = { bytes: 0 };
    await pipeline(Readable.from(resourceRows(plan.resources, ctx.municipalityId, keepers, ctx.desk.userId, counts)), db.query(copyFrom(COPY_SQL)));
    const indexSeconds = await deferred.rebuild(db);
    await db.query(`RESET maintenance_work_mem`);
    const seconds = round1((performance.now() - t0) / 1000);
    const v0 = performance.now();
    await db.query('VACUUM (ANALYZE) resources');
    const vacuumAnalyzeSeconds = round1((performance.now() - v0) / 1000);
    const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }>(sql, [ctx.municipalityId, ...params])).rows[0].n);
    const byKind = Object.fromEntries(
      (await db.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM resources WHERE municipality_id = $1 GROUP BY kind ORDER BY n DESC`, [ctx.municipalityId])).rows.map((r) => [r.kind, r.n]),
    );
    const sizes = Object.fromEntries(
      (
        await db.query<{ name: string; size: string }>(
          `SELECT 'resources' AS name, pg_size_pretty(pg_table_size('resources')) AS size
           UNION ALL SELECT 'its indexes', pg_size_pretty(pg_indexes_size('resources'))
           UNION ALL SELECT 'resources_search (GIN)', pg_size_pretty(pg_relation_size('resources_search'))`,
        )
      ).rows.map((r) => [r.name, r.size]),
    );
    const seed = {
      resources: await count(`SELECT count(*) AS n FROM resources WHERE municipality_id = $1`),
      seconds,
      rowsPerSecond: Math.round(plan.resources / seconds),
      megabytes: round1(counts.bytes / 1e6),
      indexes: deferred.names.length,
      indexSeconds,
      vacuumAnalyzeSeconds,
      publicResources: await count(`SELECT count(*) AS n FROM resources WHERE municipality_id = $1 AND is_public`),
      staleResources: await count(`SELECT count(*) AS n FROM resources WHERE municipality_id = $1 AND verified_on < $2::date`, [staleBefore()]),
      districts: DISTRICTS.length,
      byKind,
      sizes,
    };
    ctx.log(
      `  ${n(seed.resources, 0)} resources in ${seconds} s (${n(seed.rowsPerSecond, 0)} rows/s, ${seed.megabytes} MB; ${seed.indexes} indexes rebuilt in ${indexSeconds} s of that), ` +
        `VACUUM ANALYZE ${vacuumAnalyzeSeconds} s; ${n(seed.publicResources, 0)} public, ${n(seed.staleResources, 0)} stale; ${Object.entries(sizes).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    );

    // ---- what is asked ----
    // three districts per kind + concern: a big city's centre, a mid-sized town, a village
    const combos = FILTERS.flatMap(([kind, concern], i) => [DISTRICTS[(i * 3) % 9], DISTRICTS[21 + ((i * 5) % 18)], DISTRICTS[48 + (i % 12)]].map((d) => ({ kind, concern, district: d.code })));
    // one after another: ctx.admin is a single connection
    const comboCounts: number[] = [];
    for (const c of combos) {
      comboCounts.push(await count(`SELECT count(*) AS n FROM resources WHERE municipality_id = $1 AND kind = $2 AND district = $3 AND targets @> ARRAY[$4]::text[]`, [c.kind, c.district, c.concern]));
    }
    comboCounts.sort((a, b) => a - b);
    const filterMatches = { min: comboCounts[0], median: comboCounts[comboCounts.length >> 1], max: comboCounts[comboCounts.length - 1], combos: combos.length };

    const search = (s: object) => capturedStatement((d) => new ResourcesRepository(d).search({ staleBefore: staleBefore(), limit: DEFAULT_LIMIT + 1, ...s }));
    const textQuery = async (q: string): Promise<TextQuery> => {
      const matches = await count(`SELECT count(*) AS n FROM resources WHERE municipality_id = $1 AND search_text LIKE $2`, [likePattern(normalizeForSearch(q))]);
      const amongNewest = await count(
        `SELECT count(*) AS n FROM (SELECT search_text FROM resources WHERE municipality_id = $1 ORDER BY id DESC LIMIT 2000) w WHERE search_text LIKE $2`,
        [likePattern(normalizeForSearch(q))],
      );
      return { q, matches, path: amongNewest > DEFAULT_LIMIT ? 'newest 2,000' : 'newest 2,000 + gram index', explain: await explain(ctx.dbUrl, ctx.municipalityId, await search(textFilter(q)), true) };
    };
    const kanji: TextQuery[] = [];
    for (const q of KANJI_QUERIES) kanji.push(await textQuery(q));
    const kana: TextQuery[] = [];
    for (const q of KANA_QUERIES) kana.push(await textQuery(q));
    const threshold = await textQuery(THRESHOLD_QUERY);
    ctx.log(`  text matches: ${[...kanji, ...kana, threshold].map((t) => `${t.q} ${n(t.matches, 0)}`).join(', ')}; ${threshold.q} (explained only) SQL ${threshold.explain.executionMs} ms`);

    const publicPath = (kind?: string, district?: string, limit?: number) =>
      `/api/v1/public/resources?municipality=${ctx.municipalityCode}${kind ? `&kind=${kind}` : ''}${district ? `&district=${district}` : ''}${limit ? `&limit=${limit}` : ''}`;
    // the web page's links: popular kinds in the bigger districts, each kind alone, the whole directory
    const publicWarm = [
      publicPath(),
      ...TEMPLATES.map((t) => publicPath(t.kind)),
      ...DISTRICTS.slice(0, 8).flatMap((d) => [publicPath(undefined, d.code), ...TEMPLATES.slice(0, 6).map((t) => publicPath(t.kind, d.code))]),
    ];
    // every kind × district (or none) × a limit of 41–60: far more answers than the cache keeps, so nearly every request reads the database
    const publicCold: string[] = [];
    for (const kind of [undefined, ...TEMPLATES.map((t) => t.kind)])
      for (const district of [undefined, ...DISTRICTS.map((d) => d.code)]) for (let limit = 41; limit <= 60; limit++) publicCold.push(publicPath(kind, district, limit));
    for (let i = publicCold.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [publicCold[i], publicCold[j]] = [publicCold[j], publicCold[i]];
    }
    publicCold.unshift(publicPath('salon', DISTRICTS[0].code, 50));

    const q = (term: string) => `/api/v1/resources?q=${encodeURIComponent(term)}`;
    const lists = [
      {
        label: 'GET /resources?kind=&district=&concern=',
        paths: combos.map((c) => `/api/v1/resources?kind=${c.kind}&district=${c.district}&concern=${c.concern}`),
        statement: () => search({ kind: combos[0].kind, district: combos[0].district, concern: combos[0].concern }),
      },
      { label: `GET /resources?q= (2 kanji: ${KANJI_QUERIES.join(' ')})`, paths: KANJI_QUERIES.map(q), statement: () => search(textFilter(KANJI_QUERIES[0])) },
      { label: `GET /resources?q= (2 kana: ${KANA_QUERIES.join(' ')})`, paths: KANA_QUERIES.map(q), statement: () => search(textFilter(KANA_QUERIES[0])) },
      { label: 'GET /public/resources?kind=&district= (cache warm)', paths: publicWarm, statement: () => search({ public: true, kind: 'salon', district: DISTRICTS[0].code }) },
      { label: 'GET /public/resources?kind=&district=&limit= (cache missed)', paths: publicCold, statement: () => search({ public: true, kind: 'salon', district: DISTRICTS[0].code, limit: 51 }) },
    ];
    const endpoints: EndpointResult[] = [];
    const inner: Record<string, InnerPlans> = {};
    for (const list of lists) {
      const result = await measureGet(ctx, { label: list.label, paths: list.paths, token: ctx.desk.token, sequential: plan.sequential, warmupSeconds: plan.warmupSeconds, seconds: plan.seconds, budgetMs: 20_000 });
      const statement = await list.statement();
      result.explain = await explain(ctx.dbUrl, ctx.municipalityId, statement, true);
      const nested = await innerPlans(ctx.dbUrl, ctx.municipalityId, statement);
      if (nested) inner[list.label] = nested;
      const c = result.concurrent;
      const refused = c ? c.non2xx + c.errors + c.timeouts : 0;
      ctx.log(
        `  ${list.label}: ${result.firstPage} items; alone p50 ${result.sequential.latencyMs.p50} p95 ${result.sequential.latencyMs.p95} p99 ${result.sequential.latencyMs.p99} ms` +
          (c ? `; @${c.connections}: ${c.requestsPerSecond} req/s p99 ${c.latencyMs.p99} ms, ${refused} non-2xx/errors` : '') +
          `; SQL ${result.explain.executionMs} ms, ${nested?.warmMs ?? '—'} ms warm (${planShape(result.explain.plan)})`,
      );
      if (c?.statusCodes['429']) ctx.log(`  ${c.statusCodes['429']} × 429: the public rate limit (PUBLIC_RATE_LIMIT, default 120/min per address) held the load generator back`);
      endpoints.push(result);
    }
    return { seed, filterMatches, kanji, kana, threshold, publicWarmKeys: publicWarm.length, publicColdKeys: publicCold.length, endpoints, innerPlans: inner };
  },

  goals(r) {
    const [filters, kanji, kana, warm, cold] = r.endpoints;
    const p95 = (e: EndpointResult) => e.sequential.latencyMs.p95;
    const load = (e: EndpointResult) => (e.concurrent ? `${n(e.concurrent.requestsPerSecond, 0)} req/s, p99 ${ms(e.concurrent.latencyMs.p99)} ms, ${e.concurrent.non2xx + e.concurrent.errors + e.concurrent.timeouts} non-2xx` : '—');
    return [
      { goal: `resource search kind+district+concern alone p95 < ${GOAL_P95_MS} ms (${n(r.seed.resources, 0)} resources)`, measured: `${ms(p95(filters))} ms`, met: p95(filters) < GOAL_P95_MS },
      { goal: `resource search 2-char kanji q alone p95 < ${GOAL_P95_MS} ms`, measured: `${ms(p95(kanji))} ms (${r.kanji.map((t) => t.q).join(' ')})`, met: p95(kanji) < GOAL_P95_MS },
      { goal: `resource search 2-char kana q alone p95 < ${GOAL_P95_MS} ms`, measured: `${ms(p95(kana))} ms (${r.kana.map((t) => t.q).join(' ')})`, met: p95(kana) < GOAL_P95_MS },
      { goal: `public directory at ${warm.concurrent?.connections ?? '—'} connections (reported)`, measured: `cache warm: ${load(warm)}; cache missed: ${load(cold)}` },
    ];
  },

  section(r) {
    const s = r.seed;
    const out: string[] = [`## Community resources at ${n(s.resources, 0)}`, ''];
    out.push(
      `A prefecture-wide directory in one municipality: ${n(s.resources, 0)} resources in ${s.districts} districts (20 municipalities × 3 日常生活圏域, the larger ones holding more), ` +
        `names such as 「本町地区ふれあいサロン」「子ども食堂 ひまわり」「認知症カフェ」「ひきこもり家族会」「就労体験 〇〇農園」 with readings (70 % katakana, 20 % hiragana, 10 % none), ` +
        `1–3 concerns each, ${n(s.publicResources, 0)} public, verified within the last two years (${n(s.staleResources, 0)} stale, over 12 months); ` +
        `\`search_text\`, \`search_grams\` and \`sort_key\` as ResourcesService computes them. Loaded by COPY in ${s.seconds} s: **${n(s.rowsPerSecond, 0)} rows/s** ` +
        `(${s.megabytes} MB; the ${s.indexes} secondary indexes built after the COPY in ${s.indexSeconds} s of that, foreign keys checked); VACUUM (ANALYZE) ${s.vacuumAnalyzeSeconds} s. ` +
        `Kinds: ${Object.entries(s.byKind).map(([k, v]) => `${k} ${n(v, 0)}`).join(', ')}. Sizes: ${Object.entries(s.sizes).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      '',
      `As the desk (desk_staff). Filters: ${r.filterMatches.combos} kind + district + concern combinations in turn (matches ${r.filterMatches.min} / ${r.filterMatches.median} / ${r.filterMatches.max}, min / median / max), ` +
        `in reading order. Text: two-character queries in turn, newest first. Public directory (no token), first the web page's links ` +
        `(the whole directory, each kind, eight districts and six kinds in each: ${n(r.publicWarmKeys, 0)} answers, cached after their first request: the requests alone go through each in turn, the first round missing, so the run at N connections reads the cache), ` +
        `then every kind × district × limit 41–60 (${n(r.publicColdKeys, 0)} answers in random order; the cache keeps ${PUBLIC_CACHE_ENTRIES}, so ≈ ${n(100 * (1 - PUBLIC_CACHE_ENTRIES / r.publicColdKeys), 0)} % read the database). ` +
        `First page (${DEFAULT_LIMIT} items), latency in ms.`,
      '',
      row(['request', 'connections', 'req/s', 'p50', 'p95', 'p99', 'max', 'requests', 'non-2xx / errors']),
      row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    );
    for (const e of r.endpoints) {
      out.push(aloneRow(`${e.label}, alone`, e.sequential));
      if (e.concurrent) out.push(loadRow(e.label, e.concurrent));
    }
    out.push('');
    const refused = r.endpoints.flatMap((e) => Object.entries(e.concurrent?.statusCodes ?? {}).filter(([code]) => !code.startsWith('2')).map(([code, k]) => `${e.label}: ${k} × ${code}`));
    if (refused.length) out.push(`Answered other than 2xx: ${refused.join('; ')}.`, '');
    out.push(
      `Text queries: matches among the ${n(s.resources, 0)} (name, reading or description); search_resource_ids reads the newest 2,000 resources first and, when they hold less than a page, takes the older matches from the gram index. ` +
        'SQL: EXPLAIN (ANALYZE, BUFFERS) of the statement ResourcesRepository.search sends, as tsunagi_app with the municipality set, on a new connection.',
      '',
      row(['q', 'matches', 'path', 'SQL ms', 'buffers']),
      row(['---', '---:', '---', '---:', '---:']),
      ...[...r.kanji, ...r.kana, r.threshold].map((t) =>
        row([t === r.threshold ? `${t.q} (not requested: few matches, both steps)` : t.q, n(t.matches, 0), t.path, ms(t.explain.executionMs), n(planBuffers(t.explain.plan), 0)]),
      ),
      '',
      row(['request', 'items', `alone p95 < ${GOAL_P95_MS} ms`, 'floor p50 / p95', 'SQL ms new / warm', 'buffers', 'api CPU ms/req', 'PG CPU ms/req', 'PG xacts/req', 'rows read/req', 'other %']),
      row(['---', '---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    );
    for (const [i, e] of r.endpoints.entries()) {
      const c = e.concurrent?.cpu;
      out.push(
        row([
          e.label, e.firstPage, i < 3 ? mark(e.sequential.latencyMs.p95 < GOAL_P95_MS) : 'reported', e.floor ? `${ms(e.floor.latencyMs.p50)} / ${ms(e.floor.latencyMs.p95)}` : '—',
          `${e.explain ? ms(e.explain.executionMs) : '—'} / ${ms(r.innerPlans[e.label]?.warmMs)}`, e.explain ? n(planBuffers(e.explain.plan), 0) : '—',
          ms(c?.apiMsPerRequest), ms(c?.postgresMsPerRequest), n(e.db?.transactions), n(e.db?.rowsRead), n(c?.otherPct),
        ]),
      );
    }
    out.push(
      '',
      '"floor": GET /health/live alone just before. "SQL ms": on a new connection (EXPLAIN ANALYZE; the function compiled and its statements planned for the first time in that backend) / ' +
        'on one that ran the statement once before, as the api\'s pooled connections have (auto_explain). The plans below are those search_resource_ids ran inside (auto_explain; its own EXPLAIN shows a Function Scan).',
      '',
    );
    for (const e of r.endpoints) {
      const plan = r.innerPlans[e.label]?.plan ?? e.explain?.plan;
      if (plan) out.push(`<details><summary>plan: ${e.label}</summary>`, '', '```', ...plan, '```', '', '</details>', '');
    }
    return out;
  },
};
