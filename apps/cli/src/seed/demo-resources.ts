import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { addDaysToDate, addMonthsToDate, tokyoToday } from '@tsunagi/calendar';
import { CasesService } from '@tsunagi/cases';
import { Actor, CTX_ACTOR, CTX_MUNICIPALITY } from '@tsunagi/common';
import { ParticipationsService, ResourcesService, UnmetNeedsService } from '@tsunagi/resources';
import type { AgeGroup, Concern, ResourceKind, Role } from '@tsunagi/vocabularies';

type Keeper = 'coordinator' | 'csw';

interface DemoResource {
  key?: string;
  name: string;
  nameKana: string;
  kind: ResourceKind;
  district?: 'kita' | 'chuo' | 'minami';
  address?: string;
  schedule: string;
  description?: string;
  contact?: string;
  targets: Concern[];
  ageGroups: AgeGroup[];
  capacity?: number;
  public?: boolean;
  accepting?: boolean;
  internalNote?: string;
  /** months since it was last verified (over 12: stale, its keeper gets a task from the worker) */
  verifiedMonthsAgo: number;
  keeper: Keeper;
}

/**
 * みどり市's directory of community resources (社会資源) across its three districts — サロン,
 * 体操教室, 認知症カフェ, 子ども食堂, 居場所, 家族会, 就労体験 … — with a few on the public
 * directory and a few not verified for over a year; then participations on the demo cases and
 * the unmet needs they revealed. Everything through the services staff use.
 */
const RESOURCES: DemoResource[] = [
  // 北部圏域
  { key: 'kitaSalon', name: '北町ふれあいサロン', nameKana: 'キタマチフレアイサロン', kind: 'salon', district: 'kita', address: 'みどり市北町1-2-3 北町自治会館', schedule: '毎週火曜 10:00–12:00', description: 'お茶を飲みながらおしゃべり。月1回は歌と脳トレ。参加費100円。', contact: '北町自治会 福祉部 048-201-1111', targets: ['isolation', 'long_term_care'], ageGroups: ['elderly'], capacity: 25, public: true, verifiedMonthsAgo: 2, keeper: 'coordinator' },
  { key: 'kitaTaiso', name: 'いきいき百歳体操 北町会場', nameKana: 'イキイキヒャクサイタイソウ キタマチカイジョウ', kind: 'exercise_class', district: 'kita', address: 'みどり市北町3-5-1 北町公民館', schedule: '毎週木曜 10:00–11:00', description: 'おもりを使った筋力づくりの体操。見学自由。', contact: '北部地域包括支援センター 048-201-2222', targets: ['long_term_care', 'illness', 'isolation'], ageGroups: ['elderly'], capacity: 30, public: true, verifiedMonthsAgo: 1, keeper: 'coordinator' },
  { key: 'kitaCafe', name: '認知症カフェ みどり', nameKana: 'ニンチショウカフェ ミドリ', kind: 'dementia_cafe', district: 'kita', address: 'みどり市北町2-8-10 北部地域包括支援センター 2階', schedule: '毎月第3土曜 13:30–15:30', description: '認知症の方とご家族、地域の方が気軽に集うカフェ。専門職に相談もできます。', contact: '北部地域包括支援センター 048-201-2222', targets: ['long_term_care', 'double_care'], ageGroups: ['adults', 'elderly'], public: true, verifiedMonthsAgo: 3, keeper: 'coordinator' },
  { key: 'piyopiyo', name: '子育てサロン ぴよぴよ', nameKana: 'コソダテサロン ピヨピヨ', kind: 'salon', district: 'kita', address: 'みどり市北町4-1-2 北町児童館', schedule: '毎週月曜 10:00–12:00', description: '0〜3歳の親子の集い。保育士が相談にのります。', contact: '北町児童館 048-201-3333', targets: ['child_rearing', 'double_care', 'isolation'], ageGroups: ['children', 'adults'], capacity: 15, public: true, verifiedMonthsAgo: 4, keeper: 'coordinator' },
  { key: 'hotSpace', name: 'ほっとスペース北', nameKana: 'ホットスペースキタ', kind: 'place_to_belong', district: 'kita', address: 'みどり市北町5-6-7 旧北町郵便局', schedule: '毎週水曜・金曜 13:00–17:00', description: '誰でも立ち寄れる居場所。何もしなくても大丈夫。', targets: ['hikikomori', 'isolation'], ageGroups: ['youth', 'adults'], capacity: 10, internalNote: '運営スタッフ2名。40代以上の来所は今のところなし。', verifiedMonthsAgo: 5, keeper: 'csw' },
  { name: '北町子ども食堂', nameKana: 'キタマチコドモショクドウ', kind: 'children_cafeteria', district: 'kita', address: 'みどり市北町3-5-1 北町公民館 調理室', schedule: '毎月第2・第4金曜 17:00–19:00', description: '子どもは無料、大人300円。宿題を見てくれる大学生もいます。', contact: 'NPO法人みどりの輪 090-1111-2222', targets: ['no_food', 'child_rearing', 'isolation'], ageGroups: ['children', 'adults'], capacity: 40, public: true, verifiedMonthsAgo: 2, keeper: 'coordinator' },
  { name: '北部見守り隊', nameKana: 'ホクブミマモリタイ', kind: 'watching_shopping_support', district: 'kita', schedule: '随時（登録制）', description: '一人暮らし高齢者宅への声かけ訪問。', targets: ['isolation', 'disaster_support'], ageGroups: ['elderly'], verifiedMonthsAgo: 6, keeper: 'coordinator' },
  { name: '北町配食サービス ひまわり', nameKana: 'キタマチハイショクサービス ヒマワリ', kind: 'meal_delivery', district: 'kita', schedule: '月〜金 昼食（11:30頃お届け）', description: '安否確認を兼ねた弁当の配達。1食500円。', targets: ['no_food', 'long_term_care'], ageGroups: ['elderly'], internalNote: '代表者交代の話あり。要確認。', verifiedMonthsAgo: 15, keeper: 'coordinator' },
  { key: 'tsubasa', name: 'ひきこもり家族会 つばさ', nameKana: 'ヒキコモリカゾクカイ ツバサ', kind: 'peer_group', district: 'kita', address: 'みどり市北町2-8-10 北部地域包括支援センター 会議室', schedule: '毎月第2土曜 14:00–16:00', description: 'ひきこもりの状態にある方のご家族が、思いを分かち合う会。', targets: ['hikikomori', 'eighty_fifty', 'family_relations'], ageGroups: ['adults', 'elderly'], verifiedMonthsAgo: 3, keeper: 'csw' },
  { name: '学習支援教室 北町まなびば', nameKana: 'ガクシュウシエンキョウシツ キタマチマナビバ', kind: 'learning_support', district: 'kita', address: 'みどり市北町4-1-2 北町児童館', schedule: '毎週火曜・木曜 18:00–20:00', description: '小中学生の学習支援。不登校の子も歓迎。', targets: ['school_refusal', 'financial_hardship'], ageGroups: ['children'], capacity: 20, verifiedMonthsAgo: 7, keeper: 'csw' },
  { name: '北町ボランティアの会', nameKana: 'キタマチボランティアノカイ', kind: 'volunteer_group', district: 'kita', schedule: '毎月第1日曜 9:00–11:00（活動日）', description: '電球交換、草取りなどちょっとした困りごとのお手伝い。', targets: ['long_term_care', 'isolation'], ageGroups: ['elderly'], verifiedMonthsAgo: 8, keeper: 'csw' },
  { name: '北部買い物支援バス', nameKana: 'ホクブカイモノシエンバス', kind: 'watching_shopping_support', district: 'kita', schedule: '毎週金曜 10:00 北町公民館発', description: 'スーパーまでの無料送迎。', targets: ['long_term_care', 'isolation'], ageGroups: ['elderly'], verifiedMonthsAgo: 14, keeper: 'coordinator' },
  // 中部圏域
  { name: '中央ふれあいサロン 桜', nameKana: 'チュウオウフレアイサロン サクラ', kind: 'salon', district: 'chuo', address: 'みどり市中央1-1-1 中央地区センター', schedule: '毎月第1・第3水曜 13:30–15:30', targets: ['isolation'], ageGroups: ['elderly'], capacity: 30, verifiedMonthsAgo: 2, keeper: 'coordinator' },
  { name: '中部いきいき体操クラブ', nameKana: 'チュウブイキイキタイソウクラブ', kind: 'exercise_class', district: 'chuo', address: 'みどり市中央2-3-4 中央体育館 多目的室', schedule: '毎週月曜 14:00–15:00', targets: ['long_term_care', 'illness'], ageGroups: ['elderly'], verifiedMonthsAgo: 4, keeper: 'coordinator' },
  { name: '認知症カフェ オレンジ', nameKana: 'ニンチショウカフェ オレンジ', kind: 'dementia_cafe', district: 'chuo', address: 'みどり市中央3-2-1 喫茶オレンジ', schedule: '毎月第2日曜 10:00–12:00', targets: ['long_term_care'], ageGroups: ['adults', 'elderly'], verifiedMonthsAgo: 6, keeper: 'coordinator' },
  { name: 'みどり市子ども食堂 なかまの家', nameKana: 'ミドリシコドモショクドウ ナカマノイエ', kind: 'children_cafeteria', district: 'chuo', address: 'みどり市中央4-5-6 なかまの家', schedule: '毎週土曜 11:30–13:30', description: '食事のあとは遊びの時間。保護者の相談も受けています。', contact: 'なかまの家 048-202-1111', targets: ['no_food', 'child_rearing', 'financial_hardship'], ageGroups: ['children', 'adults'], capacity: 50, public: true, verifiedMonthsAgo: 1, keeper: 'coordinator' },
  { key: 'foodBank', name: 'フードバンクみどり', nameKana: 'フードバンクミドリ', kind: 'food_bank', district: 'chuo', address: 'みどり市中央1-9-9 社会福祉協議会 1階', schedule: '平日 9:00–16:00（受け取りは予約制）', description: '食品の無償提供。相談窓口からの紹介で利用できます。', contact: 'みどり市社会福祉協議会 048-202-2222', targets: ['no_food', 'financial_hardship'], ageGroups: ['children', 'youth', 'adults', 'elderly'], public: true, verifiedMonthsAgo: 2, keeper: 'csw' },
  { key: 'farm', name: '就労体験 みどり農園', nameKana: 'シュウロウタイケン ミドリノウエン', kind: 'work_experience', district: 'chuo', address: 'みどり市中央7-1 みどり農園', schedule: '火〜土 9:00–12:00（週1日から）', description: '野菜づくりの中間的就労。工賃あり。', targets: ['employment', 'hikikomori', 'financial_hardship'], ageGroups: ['youth', 'adults'], capacity: 8, internalNote: '農園主は元ケースワーカー。急な欠席にも理解あり。', verifiedMonthsAgo: 3, keeper: 'csw' },
  { key: 'step', name: '若者の居場所 ステップ', nameKana: 'ワカモノノイバショ ステップ', kind: 'place_to_belong', district: 'chuo', address: 'みどり市中央2-2-2 ステップ', schedule: '毎週月・水・金 12:00–18:00', description: '15〜39歳の若者の居場所。ゲーム、料理、就労相談。', targets: ['hikikomori', 'employment', 'isolation'], ageGroups: ['youth'], verifiedMonthsAgo: 5, keeper: 'csw' },
  { name: '中部配食 あおぞら', nameKana: 'チュウブハイショク アオゾラ', kind: 'meal_delivery', district: 'chuo', schedule: '毎日 夕食', targets: ['no_food', 'long_term_care'], ageGroups: ['elderly'], verifiedMonthsAgo: 9, keeper: 'coordinator' },
  { name: '日本語交流サロン にほんごひろば', nameKana: 'ニホンゴコウリュウサロン ニホンゴヒロバ', kind: 'salon', district: 'chuo', address: 'みどり市中央1-1-1 中央地区センター 和室', schedule: '毎週日曜 10:00–12:00', description: 'やさしい日本語でおしゃべり。生活の困りごとも相談できます。', contact: 'みどり国際交流の会 048-202-3333', targets: ['foreign_resident', 'isolation'], ageGroups: ['youth', 'adults'], public: true, verifiedMonthsAgo: 2, keeper: 'coordinator' },
  { name: '障害のある人の家族会 ひだまり', nameKana: 'ショウガイノアルヒトノカゾクカイ ヒダマリ', kind: 'peer_group', district: 'chuo', schedule: '毎月第4土曜 13:00–15:00', targets: ['disability', 'family_relations'], ageGroups: ['adults', 'elderly'], verifiedMonthsAgo: 7, keeper: 'csw' },
  { name: '中央学習支援 まなびや', nameKana: 'チュウオウガクシュウシエン マナビヤ', kind: 'learning_support', district: 'chuo', schedule: '毎週水曜 17:00–19:00', targets: ['school_refusal', 'financial_hardship'], ageGroups: ['children'], verifiedMonthsAgo: 16, keeper: 'csw' },
  { name: '社協ボランティアセンター 中部窓口', nameKana: 'シャキョウボランティアセンター チュウブマドグチ', kind: 'volunteer_group', district: 'chuo', address: 'みどり市中央1-9-9 社会福祉協議会 2階', schedule: '平日 9:00–17:00', targets: ['long_term_care', 'disaster_support'], ageGroups: ['adults', 'elderly'], verifiedMonthsAgo: 1, keeper: 'csw' },
  { name: '就労体験 リサイクル工房みどり', nameKana: 'シュウロウタイケン リサイクルコウボウミドリ', kind: 'work_experience', district: 'chuo', schedule: '月〜金 10:00–15:00', description: '家具の修理と販売。障害のある方の就労体験も受け入れ。', targets: ['employment', 'disability'], ageGroups: ['youth', 'adults'], verifiedMonthsAgo: 6, keeper: 'csw' },
  { name: '健康麻将サロン 中央', nameKana: 'ケンコウマージャンサロン チュウオウ', kind: 'salon', district: 'chuo', schedule: '毎週金曜 13:00–16:00', description: '賭けない・飲まない・吸わない健康麻将。', targets: ['isolation'], ageGroups: ['elderly'], verifiedMonthsAgo: 10, keeper: 'coordinator' },
  // 南部圏域
  { name: '南町ふれあいサロン', nameKana: 'ミナミマチフレアイサロン', kind: 'salon', district: 'minami', address: 'みどり市南町1-4-2 南町集会所', schedule: '毎月第2・第4月曜 10:00–12:00', targets: ['isolation'], ageGroups: ['elderly'], verifiedMonthsAgo: 3, keeper: 'coordinator' },
  { name: '南部いきいき百歳体操', nameKana: 'ナンブイキイキヒャクサイタイソウ', kind: 'exercise_class', district: 'minami', address: 'みどり市南町1-4-2 南町集会所', schedule: '毎週金曜 10:00–11:00', targets: ['long_term_care', 'illness'], ageGroups: ['elderly'], verifiedMonthsAgo: 2, keeper: 'coordinator' },
  { name: '認知症カフェ ささえ', nameKana: 'ニンチショウカフェ ササエ', kind: 'dementia_cafe', district: 'minami', schedule: '毎月第1土曜 13:00–15:00', targets: ['long_term_care', 'double_care'], ageGroups: ['adults', 'elderly'], verifiedMonthsAgo: 5, keeper: 'coordinator' },
  { name: '南町子ども食堂 もぐもぐ', nameKana: 'ミナミマチコドモショクドウ モグモグ', kind: 'children_cafeteria', district: 'minami', schedule: '毎月第3土曜 12:00–14:00', targets: ['no_food', 'child_rearing'], ageGroups: ['children'], accepting: false, internalNote: '会場の改修で休止中（再開未定）。', verifiedMonthsAgo: 1, keeper: 'coordinator' },
  { key: 'minamiMimamori', name: '南町ささえあい見守り隊', nameKana: 'ミナミマチササエアイミマモリタイ', kind: 'watching_shopping_support', district: 'minami', schedule: '週1回の訪問（曜日は相談）', description: '近所の有志による声かけと、買い物の付き添い。', targets: ['isolation', 'hoarding', 'long_term_care'], ageGroups: ['elderly'], verifiedMonthsAgo: 4, keeper: 'csw' },
  { name: '南部配食サービス ふくふく', nameKana: 'ナンブハイショクサービス フクフク', kind: 'meal_delivery', district: 'minami', schedule: '月・水・金 昼食', targets: ['no_food'], ageGroups: ['elderly'], verifiedMonthsAgo: 11, keeper: 'coordinator' },
  { name: '南部学習支援 みなみ塾', nameKana: 'ナンブガクシュウシエン ミナミジュク', kind: 'learning_support', district: 'minami', schedule: '毎週土曜 10:00–12:00', targets: ['school_refusal'], ageGroups: ['children'], verifiedMonthsAgo: 6, keeper: 'csw' },
  { name: '介護者の会 やすらぎ', nameKana: 'カイゴシャノカイ ヤスラギ', kind: 'peer_group', district: 'minami', address: 'みどり市南町3-3-3 南部地域包括支援センター', schedule: '毎月第3火曜 13:30–15:00', description: '家族を介護している方どうしの情報交換と息抜きの会。', contact: '南部地域包括支援センター 048-203-1111', targets: ['long_term_care', 'double_care'], ageGroups: ['adults', 'elderly'], public: true, verifiedMonthsAgo: 2, keeper: 'csw' },
  { name: '南町ボランティアグループ ほほえみ', nameKana: 'ミナミマチボランティアグループ ホホエミ', kind: 'volunteer_group', district: 'minami', schedule: '随時', targets: ['long_term_care', 'isolation'], ageGroups: ['elderly'], verifiedMonthsAgo: 8, keeper: 'csw' },
  { name: '居場所カフェ みなみのいえ', nameKana: 'イバショカフェ ミナミノイエ', kind: 'place_to_belong', district: 'minami', schedule: '毎週火曜 10:00–15:00', targets: ['isolation', 'hikikomori'], ageGroups: ['adults', 'elderly'], verifiedMonthsAgo: 18, keeper: 'csw' },
  { name: '就労体験 南部作業所', nameKana: 'シュウロウタイケン ナンブサギョウショ', kind: 'work_experience', district: 'minami', schedule: '月〜金 9:30–15:30', targets: ['employment', 'disability'], ageGroups: ['youth', 'adults'], verifiedMonthsAgo: 9, keeper: 'csw' },
  // 市全域
  { name: 'みどり市ひきこもり当事者会 かざみどり', nameKana: 'ミドリシヒキコモリトウジシャカイ カザミドリ', kind: 'peer_group', schedule: '毎月最終日曜 14:00–16:00（オンライン参加可）', targets: ['hikikomori', 'isolation'], ageGroups: ['youth', 'adults'], verifiedMonthsAgo: 4, keeper: 'csw' },
  { name: '成年後見・権利擁護の相談会', nameKana: 'セイネンコウケン ケンリヨウゴノソウダンカイ', kind: 'other', address: 'みどり市中央1-9-9 社会福祉協議会 相談室', schedule: '毎月第1水曜 13:00–16:00（予約制）', targets: ['guardianship', 'debt'], ageGroups: ['adults', 'elderly'], verifiedMonthsAgo: 3, keeper: 'csw' },
  { name: 'ダブルケア・ピアサポート みどり', nameKana: 'ダブルケアピアサポート ミドリ', kind: 'peer_group', schedule: '毎月第2水曜 10:00–11:30（託児あり）', targets: ['double_care', 'child_rearing', 'long_term_care'], ageGroups: ['adults'], verifiedMonthsAgo: 13, keeper: 'coordinator' },
];

@Injectable()
export class DemoResources {
  constructor(
    private readonly cls: ClsService,
    private readonly cases: CasesService,
    private readonly resources: ResourcesService,
    private readonly participations: ParticipationsService,
    private readonly unmetNeeds: UnmetNeedsService,
  ) {}

  async seed(municipalityId: string, users: Map<string, { id: string; agencyId: string | null; roles: Role[] }>): Promise<void> {
    const as = <T>(username: string, fn: (actor: Actor) => Promise<T>): Promise<T> => {
      const u = users.get(username)!;
      const actor: Actor = { userId: u.id, municipalityId, agencyId: u.agencyId, roles: u.roles, username };
      return this.cls.run({ ifNested: 'override' }, () => {
        this.cls.set(CTX_MUNICIPALITY, municipalityId);
        this.cls.set(CTX_ACTOR, actor);
        return fn(actor);
      });
    };
    const today = tokyoToday();

    const ids = new Map<string, string>();
    for (const { key, keeper, verifiedMonthsAgo, ...dto } of RESOURCES) {
      const created = await as(keeper, (actor) => this.resources.create(actor, { ...dto, verifiedOn: addMonthsToDate(today, -verifiedMonthsAgo) }));
      if (key) ids.set(key, created.id);
    }
    const r = (key: string) => ids.get(key)!;

    /** A demo case found the way staff find it, by name; with its members by name. */
    const find = async (username: string, name: string) => {
      const page = await as(username, (actor) => this.cases.list(actor, { q: name }));
      const kase = await as(username, (actor) => this.cases.get(actor, page.items[0].id));
      const member = (memberName: string) => kase.household.members.find((m) => m.name === memberName)!.id;
      return { id: kase.id, member };
    };

    // The 8050 household: the mother joins the exercise class near home; the CSW proposes a
    // place to belong to the son, and records what the district lacks for people his age.
    const c8050 = await find('houkatsu', '山田 花子');
    await as('houkatsu', (actor) => this.participations.create(actor, c8050.id, { resourceId: r('kitaTaiso'), memberId: c8050.member('山田 花子'), status: 'started', startedOn: addDaysToDate(today, -10), note: '送迎は長女が担当。' }));
    await as('csw', (actor) => this.participations.create(actor, c8050.id, { resourceId: r('hotSpace'), memberId: c8050.member('山田 太郎'), note: '本人に手紙で紹介。見学の返事待ち。' }));
    await as('csw', (actor) => this.participations.create(actor, c8050.id, { resourceId: r('tsubasa'), memberId: c8050.member('山田 花子'), status: 'started', startedOn: addDaysToDate(today, -24), note: '長女と一緒に参加。' }));
    await as('csw', (actor) => this.unmetNeeds.record(actor, c8050.id, { concern: 'hikikomori', description: '40代以上のひきこもりの方が日中に通える居場所が北部圏域にない（既存の居場所は若者向け）。' }));

    // The home buried in rubbish: neighbours' watching-over, and no help with clearing in the south.
    const hoarding = await find('desk', '佐藤 正');
    await as('desk', (actor) => this.participations.create(actor, hoarding.id, { resourceId: r('minamiMimamori'), status: 'started', startedOn: addDaysToDate(today, -3), note: '週1回の声かけから。' }));
    await as('desk', (actor) => this.unmetNeeds.record(actor, hoarding.id, { concern: 'hoarding', description: 'ごみの片付けを手伝えるボランティア団体が南部圏域にない。' }));

    // The foreign resident: food while out of work (ended once work was found), and work experience proposed.
    const foreign = await find('desk', 'グエン ヴァン アン');
    const food = await as('desk', (actor) => this.participations.create(actor, foreign.id, { resourceId: r('foodBank'), status: 'started', startedOn: addDaysToDate(today, -30) }));
    await as('desk', (actor) => this.participations.check(actor, food.id, { checkedOn: addDaysToDate(today, -2), attending: true, note: '週1回受け取りに来ている。' }));
    await as('desk', (actor) => this.participations.end(actor, food.id, { endedOn: today, reason: 'goal_met', note: '派遣の仕事が決まり利用終了。' }));
    await as('desk', (actor) => this.participations.create(actor, foreign.id, { resourceId: r('farm'), note: '日本語の練習も兼ねて。本人は前向き。' }));
    await as('desk', (actor) => this.unmetNeeds.record(actor, foreign.id, { concern: 'foreign_resident', district: 'chuo', description: 'やさしい日本語で生活の手続きを教わる教室が平日夜にない。' }));

    // Double care: the mother to the parents' salon; the father's dementia café proposed.
    const double = await find('desk', '髙橋 恵');
    await as('desk', (actor) => this.participations.create(actor, double.id, { resourceId: r('piyopiyo'), memberId: double.member('髙橋 恵'), status: 'started', startedOn: addDaysToDate(today, -17) }));
    await as('desk', (actor) => this.participations.create(actor, double.id, { resourceId: r('kitaCafe'), memberId: double.member('渡邉 一郎') }));
    await as('desk', (actor) => this.unmetNeeds.record(actor, double.id, { concern: 'double_care', description: '育児と介護を同時にしている人が子連れで参加できる集まりが北部圏域にない。' }));
  }
}
