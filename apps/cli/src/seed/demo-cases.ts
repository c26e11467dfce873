import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { CasesService } from '@tsunagi/cases';
import { Actor, CTX_ACTOR, CTX_MUNICIPALITY } from '@tsunagi/common';
import { ConferencesService } from '@tsunagi/conferences';
import { OutcomesService, PlansService } from '@tsunagi/plans';
import { ReferralsService } from '@tsunagi/referrals';
import type { Role } from '@tsunagi/vocabularies';

type CaseView = { id: string; household: { members: Array<{ id: string }> } };

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600e3).toISOString();
/** A calendar date (Asia/Tokyo) this many days from today. */
const daysFromToday = (d: number) => new Date(Date.now() + 9 * 3600e3 + d * 86400e3).toISOString().slice(0, 10);
/** A staff member opened it, so the answer is the full case. */
const view = (result: { body: unknown }): CaseView => result.body as CaseView;

/**
 * Realistic cases for みどり市, made through the same services staff use (so each has its
 * timeline, tasks and audit trail): the 8050 household, a home buried in rubbish, a foreign
 * resident who lost work, a welfare volunteer's report, a DV case (restricted) and a double-care
 * family.
 */
@Injectable()
export class DemoCases {
  constructor(
    private readonly cls: ClsService,
    private readonly cases: CasesService,
    private readonly referrals: ReferralsService,
    private readonly conferences: ConferencesService,
    private readonly plans: PlansService,
    private readonly outcomes: OutcomesService,
  ) {}

  async seed(municipalityId: string, users: Map<string, { id: string; agencyId: string | null; roles: Role[] }>, agencies: Map<string, string>): Promise<void> {
    const as = <T>(username: string, fn: (actor: Actor) => Promise<T>): Promise<T> => {
      const u = users.get(username)!;
      const actor: Actor = { userId: u.id, municipalityId, agencyId: u.agencyId, roles: u.roles, username };
      return this.cls.run({ ifNested: 'override' }, () => {
        this.cls.set(CTX_MUNICIPALITY, municipalityId);
        this.cls.set(CTX_ACTOR, actor);
        return fn(actor);
      });
    };
    const a = (code: string) => agencies.get(code)!;

    // 1. The 8050 household: mother to the community support centre, son to the CSW team.
    const c8050 = view(await as('desk', (actor) =>
      this.cases.open(actor, {
        channel: 'walk_in',
        summary: '80代の母と、20年以上ひきこもり状態の50代の長男の二人暮らし。母の足腰が弱り介護が必要になってきたが、長男は外部との接触を拒んでいる。長女（市外在住）が来所して相談。',
        concerns: ['long_term_care', 'hikikomori', 'isolation'],
        primaryConcern: 'eighty_fifty',
        urgency: 'high',
        visitor: { name: '田中 由美', relationship: '長女' },
        household: {
          address: 'みどり市北町2-14-3',
          district: 'kita',
          members: [
            { name: '山田 花子', nameKana: 'ヤマダ ハナコ', birthDate: '1943-06-02', sex: 'female', relationship: '本人', isPrimary: true, consent: { status: 'obtained' } },
            { name: '山田 太郎', nameKana: 'ヤマダ タロウ', birthDate: '1972-11-20', sex: 'male', relationship: '長男' },
          ],
        },
      }),
    ));
    await as('desk', (actor) => this.conferences.record(actor, c8050.id, { type: 'support_meeting', heldAt: hoursAgo(30), participantAgencyIds: [a('madoguchi'), a('shakyo-csw'), a('houkatsu-kita')], summary: '長男への関わり方と、母の介護サービス導入の進め方を協議。', decisions: '母は北部包括へ移管。長男へはCSWが訪問を重ねる。' }));
    const toCentre = (await as('desk', (actor) => this.referrals.create(actor, c8050.id, { toAgencyId: a('houkatsu-kita'), kind: 'transfer', reason: '母の要介護認定申請と在宅サービスの調整', basis: 'consent', accompanied: true }))).body as { id: string };
    await as('houkatsu', (actor) => this.referrals.accept(actor, toCentre.id, { note: '来週訪問します' }));
    await as('houkatsu', (actor) => this.referrals.firstContact(actor, toCentre.id, { occurredAt: new Date().toISOString(), note: '自宅訪問。母と面談、長男は自室から出てこず。' }));
    const toCsw = (await as('houkatsu', (actor) => this.referrals.create(actor, c8050.id, { toAgencyId: a('shakyo-csw'), kind: 'collaboration', reason: '長男へのアウトリーチ', basis: 'support_meeting', memberIds: [c8050.household.members[1].id] }))).body as { id: string };
    await as('csw', (actor) => this.referrals.accept(actor, toCsw.id, { note: '訪問を重ねます' }));
    await this.plan8050(as, a, c8050);

    // 2. A home buried in rubbish, reported by a neighbour.
    const hoarding = view(await as('desk', (actor) =>
      this.cases.open(actor, {
        channel: 'phone',
        summary: '近隣住民から「隣家の庭にごみがあふれ、においがする。一人暮らしの高齢男性で最近姿を見ない」との電話。',
        concerns: ['hoarding', 'isolation'],
        primaryConcern: 'hoarding',
        referralSource: '近隣住民',
        household: { address: 'みどり市南町5-1-8', district: 'minami', members: [{ name: '佐藤 正', nameKana: 'サトウ タダシ', sex: 'male', relationship: '本人' }] },
      }),
    ));
    await as('desk', (actor) => this.conferences.record(actor, hoarding.id, { type: 'support_meeting', heldAt: hoursAgo(4), participantAgencyIds: [a('madoguchi'), a('shakyo-csw'), a('houkatsu-minami')], summary: '安否確認の方法と訪問の分担を協議。' }));
    await as('desk', (actor) => this.referrals.create(actor, hoarding.id, { toAgencyId: a('shakyo-csw'), kind: 'collaboration', reason: '安否確認とアウトリーチ、片付け支援の検討', basis: 'support_meeting' }));

    // 3. A foreign resident who lost work.
    const foreign = view(await as('desk', (actor) =>
      this.cases.open(actor, {
        channel: 'walk_in',
        summary: '工場の派遣契約が終わり収入がない。家賃を2か月滞納。日本語での手続きに不安がある。',
        concerns: ['employment', 'financial_hardship', 'housing', 'foreign_resident'],
        primaryConcern: 'financial_hardship',
        interpreterLanguage: 'vi',
        household: { district: 'chuo', members: [{ name: 'グエン ヴァン アン', nameKana: 'グエン ヴァン アン', birthDate: '1996-03-14', sex: 'male', relationship: '本人', consent: { status: 'obtained' } }] },
      }),
    ));
    await as('desk', (actor) => this.referrals.create(actor, foreign.id, { toAgencyId: a('jiritsu'), kind: 'transfer', reason: '住居確保給付金と就労支援', basis: 'consent', accompanied: true }));

    // 4. A welfare volunteer's report lands at the desk.
    await as('minsei', (actor) => this.cases.open(actor, { channel: 'volunteer_report', summary: '担当地区の一人暮らしの高齢女性宅で、新聞がたまっている。声をかけたが応答がない。' }));

    // 5. Domestic violence: restricted by default.
    await as('desk', (actor) =>
      this.cases.open(actor, {
        channel: 'walk_in',
        summary: '配偶者からの暴力。子どもと避難したい。',
        concerns: ['domestic_violence', 'child_rearing'],
        primaryConcern: 'domestic_violence',
        urgency: 'emergency',
        household: { address: '（秘匿）', members: [{ name: '鈴木 美咲', nameKana: 'スズキ ミサキ', sex: 'female', relationship: '本人', isPrimary: true, consent: { status: 'obtained' } }, { name: '鈴木 陽菜', relationship: '長女', birthDate: '2019-08-30', sex: 'female' }] },
      }),
    );

    // 6. Double care: a mother caring for her infant and her own father.
    const double = view(await as('desk', (actor) =>
      this.cases.open(actor, {
        channel: 'online',
        summary: '乳児の育児と、認知症の父の介護が重なり眠れない。仕事も続けられるか不安。',
        concerns: ['double_care', 'child_rearing', 'long_term_care'],
        primaryConcern: 'double_care',
        household: { district: 'kita', members: [{ name: '髙橋 恵', nameKana: 'タカハシ メグミ', birthDate: '1988-01-09', sex: 'female', relationship: '本人', consent: { status: 'obtained' } }, { name: '髙橋 健', relationship: '長男', birthDate: '2025-12-01', sex: 'male' }, { name: '渡邉 一郎', relationship: '父', birthDate: '1950-04-22', sex: 'male' }] },
      }),
    ));
    await as('desk', (actor) => this.referrals.create(actor, double.id, { toAgencyId: a('kodomo'), kind: 'collaboration', reason: '育児負担の軽減（一時預かり等）', basis: 'consent' }));
  }

  /**
   * The 8050 household's support plan (支援プラン): version 1 approved at a 重層的支援会議 and
   * activated, evaluated and re-planned; version 2 (with a goal for the son's participation)
   * approved and active, version 1 superseded and still readable.
   */
  private async plan8050(as: <T>(username: string, fn: (actor: Actor) => Promise<T>) => Promise<T>, a: (code: string) => string, c8050: CaseView): Promise<void> {
    const [mother, son] = c8050.household.members.map((m) => m.id);
    const meeting = await as('houkatsu', (actor) =>
      this.conferences.record(actor, c8050.id, {
        type: 'multi_agency_meeting',
        heldAt: hoursAgo(20),
        participantAgencyIds: [a('houkatsu-kita'), a('shakyo-csw'), a('madoguchi')],
        summary: '本人（母）の同意を得て、支援プラン（第1版）を協議。',
        decisions: '母の在宅生活を介護サービスで支え、長男へはCSWが月2回訪問する。3か月後に評価。',
      }),
    );
    const draft = await as('houkatsu', (actor) =>
      this.plans.create(actor, c8050.id, {
        personWishes: '母「この家で息子と暮らし続けたい。息子に迷惑をかけたくない」。長男は面談に応じていない。',
        goals: [
          { term: 'long_term', text: '母が介護サービスを使いながら自宅で暮らし続ける' },
          { term: 'short_term', text: '要介護認定を受け、訪問介護を週2回利用する' },
          { term: 'short_term', text: '長男がCSWと顔を合わせられるようになる' },
        ],
        actions: [
          { title: '要介護認定の申請支援とケアマネジャーへのつなぎ', agencyId: a('houkatsu-kita'), frequency: '随時', startOn: daysFromToday(0), dueOn: daysFromToday(21) },
          { title: '長男への訪問（手紙・声かけ）', agencyId: a('shakyo-csw'), frequency: '月2回', dueOn: daysFromToday(30) },
        ],
        employmentSupport: false,
      }),
    );
    const v1 = await as('houkatsu', (actor) => this.plans.activate(actor, draft.id, { personAgreedOn: daysFromToday(0), conferenceId: meeting.id }));
    const evaluation = await as('houkatsu', (actor) =>
      this.plans.evaluate(actor, v1.id, {
        evaluatedOn: daysFromToday(0),
        goalResults: [
          { goalId: v1.goals[0].id, result: 'partly_achieved', note: '在宅生活は継続。転倒が1回あった。' },
          { goalId: v1.goals[1].id, result: 'achieved', note: '要介護1。訪問介護を週2回利用開始。' },
          { goalId: v1.goals[2].id, result: 'partly_achieved', note: '玄関先でCSWと短い会話ができた。' },
        ],
        summary: '母の生活は安定してきた。長男に変化の兆しがあり、社会参加に向けた目標を加えて再プラン。',
        decision: 'replan',
        conferenceId: meeting.id,
      }),
    );
    const v2Draft = await as('houkatsu', (actor) => this.plans.get(actor, evaluation.nextPlanId!));
    await as('houkatsu', (actor) =>
      this.plans.update(actor, v2Draft.id, v2Draft.revision, {
        personWishes: '母「息子が少しでも外に出られたら安心」。長男「人の少ない時間なら、近所の居場所を見てみてもいい」。',
        goals: [
          { term: 'long_term', text: '母が介護サービスを使いながら自宅で暮らし続ける' },
          { term: 'long_term', text: '長男が地域の中に安心して過ごせる場所を持つ' },
          { term: 'short_term', text: '長男がCSWと一緒に地域の居場所を見学する' },
        ],
        actions: [
          { title: 'ケアプランの見直しと見守りの継続', agencyId: a('houkatsu-kita'), frequency: '月1回', dueOn: daysFromToday(45) },
          { title: '長男と居場所の見学（同行）', agencyId: a('shakyo-csw'), frequency: '月2回', dueOn: daysFromToday(30) },
        ],
        employmentSupport: true,
      }),
    );
    const approval = await as('houkatsu', (actor) =>
      this.conferences.record(actor, c8050.id, {
        type: 'multi_agency_meeting',
        heldAt: hoursAgo(2),
        participantAgencyIds: [a('houkatsu-kita'), a('shakyo-csw'), a('madoguchi')],
        summary: '支援プラン（第2版）を協議し承認。',
      }),
    );
    await as('houkatsu', (actor) => this.plans.activate(actor, v2Draft.id, { personAgreedOn: daysFromToday(0), conferenceId: approval.id }));
    await as('houkatsu', (actor) => this.outcomes.create(actor, c8050.id, { kind: 'health_care_started', occurredOn: daysFromToday(0), memberId: mother, note: '訪問介護の利用開始' }));
    await as('csw', (actor) => this.outcomes.create(actor, c8050.id, { kind: 'isolation_reduced', occurredOn: daysFromToday(0), memberId: son, note: 'CSWと定期的に会えるようになった' }));
  }
}
