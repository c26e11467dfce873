import type { Channel, Concern, Sex, Urgency } from '@tsunagi/vocabularies';
import { FAMILY_NAMES, FEMALE_NAMES, FOREIGN_RESIDENTS, familyWeight, Generation, MALE_NAMES, TOWNS } from './names';

/**
 * Realistic intakes (POST /cases bodies) for the benchmark: the households a 福祉総合相談窓口
 * sees — 8050, elderly living alone, 老老介護, single parents, debt, double care, school
 * refusal, DV, foreign residents — with 1–4 members, Japanese names and kana, birth dates
 * that fit the relationship, concern codes, channels and a ~100-character summary. Seeded,
 * so two runs send the same data.
 */

export interface MemberBody {
  name?: string;
  nameKana?: string;
  birthDate: string;
  sex: Sex;
  relationship: string;
  isPrimary?: boolean;
  phone?: string;
}

export interface IntakeBody {
  channel: Channel;
  summary: string;
  receivedAt: string;
  concerns: Concern[];
  primaryConcern: Concern;
  urgency: Urgency;
  referralSource?: string;
  visitor?: { name?: string; relationship?: string };
  interpreterLanguage?: string;
  consent: { status: 'not_asked' | 'obtained' | 'refused'; obtainedAt?: string };
  household: { address: string; district: string; members: MemberBody[] };
}

/** mulberry32: small, fast, good enough to vary test data reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAMILY_CUMULATIVE: number[] = (() => {
  let sum = 0;
  return FAMILY_NAMES.map((_, rank) => (sum += familyWeight(rank)));
})();

const CHANNEL_WEIGHTS: ReadonlyArray<readonly [Channel, number]> = [
  ['walk_in', 35], ['phone', 33], ['agency_referral', 11], ['volunteer_report', 8], ['home_visit', 5], ['outreach', 3],
  ['email', 2], ['online', 2], ['fax', 1],
];

const REFERRAL_SOURCES = ['地域包括支援センターからの紹介', '民生委員・児童委員からの連絡', '市税務課からの案内', '病院の医療ソーシャルワーカーから', '学校のスクールソーシャルワーカーから', 'ハローワークからの紹介'];
const DISTRICTS = ['北部', '中部', '南部', '東部', '西部'];

export class HouseholdGenerator {
  private readonly rnd: () => number;

  constructor(seed: number, private readonly now: Date = new Date()) {
    this.rnd = seededRandom(seed);
  }

  /** One intake, received at `receivedAt` (default: within the last 30 days). */
  intake(receivedAt?: Date): IntakeBody {
    const received = receivedAt ?? new Date(this.now.getTime() - this.int(0, 30 * 24 * 3600) * 1000);
    const template = this.weighted(TEMPLATES);
    const built = template(this, received.getUTCFullYear());
    const consentRoll = this.rnd();
    const consent: IntakeBody['consent'] =
      consentRoll < 0.55 ? { status: 'obtained', obtainedAt: received.toISOString() } : consentRoll < 0.65 ? { status: 'refused' } : { status: 'not_asked' };
    const channel = built.channel ?? this.weighted(CHANNEL_WEIGHTS.map(([c, w]) => [c, w] as const));
    const urgencyRoll = this.rnd();
    const body: IntakeBody = {
      channel,
      summary: built.summary,
      receivedAt: received.toISOString(),
      concerns: built.concerns,
      primaryConcern: built.concerns[0],
      urgency: built.urgency ?? (urgencyRoll < 0.03 ? 'emergency' : urgencyRoll < 0.15 ? 'high' : 'normal'),
      consent,
      household: {
        address: `ベンチ市${this.pick(TOWNS)}${this.int(1, 5)}丁目${this.int(1, 30)}番${this.int(1, 20)}号`,
        district: this.pick(DISTRICTS),
        members: built.members,
      },
    };
    if (channel === 'agency_referral') body.referralSource = this.pick(REFERRAL_SOURCES);
    if (built.visitor) body.visitor = built.visitor;
    if (built.language) body.interpreterLanguage = built.language;
    return body;
  }

  // ---- helpers the templates use ----

  int(min: number, max: number): number {
    return min + Math.floor(this.rnd() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.rnd() < p;
  }

  pick<T>(items: ReadonlyArray<T>): T {
    return items[Math.floor(this.rnd() * items.length)];
  }

  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.rnd() * total;
    for (const [item, w] of items) if ((r -= w) < 0) return item;
    return items[items.length - 1][0];
  }

  family(): readonly [string, string] {
    const r = this.rnd() * FAMILY_CUMULATIVE[FAMILY_CUMULATIVE.length - 1];
    let lo = 0;
    let hi = FAMILY_CUMULATIVE.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (FAMILY_CUMULATIVE[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return FAMILY_NAMES[lo];
  }

  /** A member of the household: name and kana as typed at a desk (mostly with a space). */
  member(family: readonly [string, string], sex: 'female' | 'male', age: number, year: number, relationship: string): MemberBody {
    const born = year - age;
    const generation: Generation = born < 1960 ? 'old' : born < 1990 ? 'middle' : 'young';
    const [given, givenKana] = this.pick((sex === 'female' ? FEMALE_NAMES : MALE_NAMES)[generation]);
    const style = this.rnd();
    const sep = style < 0.8 ? ' ' : style < 0.9 ? '\u3000' : '';
    const m: MemberBody = {
      name: `${family[0]}${sep}${given}`,
      birthDate: `${born}-${String(this.int(1, 12)).padStart(2, '0')}-${String(this.int(1, 28)).padStart(2, '0')}`,
      sex,
      relationship,
    };
    if (!this.chance(0.05)) m.nameKana = `${family[1]}${sep === '' ? '' : ' '}${givenKana}`;
    return m;
  }

  phone(): string {
    return this.chance(0.6) ? `090-${this.int(1000, 9999)}-${this.int(1000, 9999)}` : `0${this.int(10, 99)}-${this.int(100, 999)}-${this.int(1000, 9999)}`;
  }

  /** Someone who came on the person's behalf. */
  visitor(relationship: string): { name: string; relationship: string } {
    const f = this.family();
    const [given] = this.pick(this.chance(0.5) ? FEMALE_NAMES.middle : MALE_NAMES.middle);
    return { name: `${f[0]} ${given}`, relationship };
  }
}

interface Built {
  members: MemberBody[];
  concerns: Concern[];
  summary: string;
  channel?: Channel;
  urgency?: Urgency;
  visitor?: { name?: string; relationship?: string };
  language?: string;
}

type Template = (g: HouseholdGenerator, year: number) => Built;

function primary(m: MemberBody, g: HouseholdGenerator): MemberBody {
  const p: MemberBody = { ...m, isPrimary: true };
  if (g.chance(0.7)) p.phone = g.phone();
  return p;
}

function decade(age: number): string {
  return `${Math.floor(age / 10) * 10}代`;
}

/** Extra concerns, no duplicates, the template's own first. */
function concerns(g: HouseholdGenerator, base: Concern[], extra: Concern[]): Concern[] {
  const out = [...base];
  for (const c of extra) if (!out.includes(c) && g.chance(0.35)) out.push(c);
  return out;
}

const TEMPLATES: ReadonlyArray<readonly [Template, number]> = [
  [
    (g, year) => {
      const f = g.family();
      const motherAge = g.int(78, 92);
      const sonAge = g.int(48, 62);
      const years = g.int(10, 30);
      const trigger = g.pick(['転倒して入院した', '認知症の診断を受けた', '介護保険の認定調査を受けた', '年金だけでは家賃が払えなくなった']);
      const who = g.pick(['担当のケアマネジャー', '地区の民生委員', '近所に住む親戚', '地域包括支援センター']);
      return {
        members: [primary(g.member(f, 'female', motherAge, year, '本人'), g), g.member(f, 'male', sonAge, year, '長男')],
        concerns: concerns(g, ['eighty_fifty', 'hikikomori'], ['financial_hardship', 'isolation', 'long_term_care']),
        summary: `${decade(motherAge)}の母と${decade(sonAge)}の長男の二人暮らし。長男は${years}年以上ひきこもりの状態で、母の年金で生活している。母が${trigger}ことをきっかけに、${who}から相談があった。今後の生活費と長男の将来について不安を訴えている。`,
        visitor: g.chance(0.4) ? g.visitor(g.pick(['民生委員', 'ケアマネジャー', '親戚'])) : undefined,
      };
    },
    18,
  ],
  [
    (g, year) => {
      const f = g.family();
      const sex = g.chance(0.65) ? 'female' : 'male';
      const age = g.int(72, 95);
      const state = g.pick(['部屋にごみがたまり、異臭がすると近隣から苦情が出ている', '最近は食事をほとんどとれておらず、体重が減っている', '物忘れが増え、公共料金の支払いが滞っている', '配偶者を亡くしてから外出が減り、誰とも話さない日が続いている']);
      return {
        members: [primary(g.member(f, sex, age, year, '本人'), g)],
        concerns: concerns(g, ['isolation'], ['hoarding', 'no_food', 'long_term_care', 'illness']),
        summary: `${decade(age)}の一人暮らし。${state}。近所の住民が心配して民生委員に連絡し、民生委員と一緒に来所した。介護保険の申請はまだしておらず、見守りと生活支援の必要性について検討したい。`,
        channel: g.chance(0.5) ? 'volunteer_report' : undefined,
      };
    },
    16,
  ],
  [
    (g, year) => {
      const f = g.family();
      const husbandAge = g.int(76, 90);
      return {
        members: [primary(g.member(f, 'male', husbandAge, year, '本人'), g), g.member(f, 'female', husbandAge - g.int(0, 6), year, '妻')],
        concerns: concerns(g, ['long_term_care', 'illness'], ['isolation', 'financial_hardship']),
        summary: `${decade(husbandAge)}の夫婦二人暮らし。妻が脳梗塞の後遺症で介助が必要になり、夫が一人で介護している。夫も持病があり、夜間の介助で眠れない日が続いている。子どもは遠方に住んでおり、頼れる人がいない。`,
      };
    },
    12,
  ],
  [
    (g, year) => {
      const f = g.family();
      const motherAge = g.int(27, 45);
      const children = g.int(1, 2);
      const members = [primary(g.member(f, 'female', motherAge, year, '本人'), g)];
      members.push(g.member(f, 'male', g.int(3, Math.min(17, motherAge - 18)), year, '長男'));
      if (children > 1) members.push(g.member(f, 'female', g.int(1, Math.min(15, motherAge - 18)), year, '長女'));
      return {
        members,
        concerns: concerns(g, ['child_rearing', 'financial_hardship'], ['employment', 'housing', 'debt']),
        summary: `ひとり親家庭。離婚後、パートで働きながら子ども${children}人を育てている。勤務先の時短で収入が減り、家賃と給食費の支払いが遅れている。児童扶養手当は受給しているが、来月の生活費の見通しが立たないとのこと。`,
      };
    },
    14,
  ],
  [
    (g, year) => {
      const f = g.family();
      const age = g.int(35, 55);
      return {
        members: [
          primary(g.member(f, 'male', age, year, '本人'), g),
          g.member(f, 'female', age - g.int(-3, 5), year, '妻'),
          g.member(f, 'male', g.int(6, 17), year, '長男'),
          g.member(f, 'female', g.int(2, 14), year, '長女'),
        ],
        concerns: concerns(g, ['debt', 'financial_hardship'], ['employment', 'housing', 'family_relations']),
        summary: `会社の倒産で失職し、求職中。消費者金融など${g.int(3, 6)}社からの借入があり、返済のために新たな借入を重ねている。家賃を${g.int(2, 4)}か月滞納しており、退去を求められている。家族4人の生活をどう立て直すか相談したい。`,
      };
    },
    12,
  ],
  [
    (g, year) => {
      const f = g.family();
      const age = g.int(40, 55);
      const motherFamily = g.chance(0.7) ? g.family() : f;
      return {
        members: [
          primary(g.member(f, 'female', age, year, '本人'), g),
          g.member(motherFamily, 'female', age + g.int(25, 33), year, '母'),
          g.member(f, 'female', g.int(5, 14), year, '長女'),
        ],
        concerns: concerns(g, ['double_care', 'long_term_care', 'child_rearing'], ['employment', 'illness']),
        summary: `実母の介護と子育てが重なるダブルケアの状態。母は要介護2で、デイサービスのない日は本人が仕事を休んで見ている。長女は小学生で、最近学校を休みがちになっている。仕事を続けられるか不安で、利用できる支援を知りたい。`,
      };
    },
    8,
  ],
  [
    (g, year) => {
      const f = g.family();
      const age = g.int(18, 35);
      return {
        members: [primary(g.member(f, g.chance(0.6) ? 'male' : 'female', age, year, '本人'), g)],
        concerns: concerns(g, ['employment', 'isolation'], ['financial_hardship', 'housing', 'suicide_risk']),
        summary: `${decade(age)}。職場の人間関係で体調を崩して退職し、半年ほど仕事をしていない。貯金が底をつきかけ、家賃の支払いが不安。人と話すのが怖くなっているが、少しずつ働きたい気持ちはある。就労体験の場を探したい。`,
        channel: g.chance(0.4) ? 'online' : undefined,
      };
    },
    8,
  ],
  [
    (g, year) => {
      const f = g.family();
      const childAge = g.int(12, 16);
      return {
        members: [primary(g.member(f, g.chance(0.5) ? 'male' : 'female', childAge, year, '本人'), g), g.member(f, 'female', childAge + g.int(26, 40), year, '母')],
        concerns: concerns(g, ['school_refusal', 'child_rearing'], ['family_relations', 'isolation']),
        summary: `中学${g.int(1, 3)}年生。2学期から登校できなくなり、昼夜逆転の生活になっている。母はどう接してよいか分からず、学校の担任とも話がかみ合わないと悩んでいる。スクールソーシャルワーカーからの紹介で母が来所した。`,
        visitor: g.visitor('母'),
      };
    },
    6,
  ],
  [
    (g, year) => {
      const f = g.family();
      const age = g.int(25, 50);
      return {
        members: [primary(g.member(f, 'female', age, year, '本人'), g), g.member(f, 'female', g.int(2, 12), year, '長女')],
        concerns: concerns(g, ['domestic_violence'], ['child_rearing', 'housing', 'financial_hardship']),
        summary: `夫からの暴言と暴力が続いており、子どもと一緒に家を出たいとの相談。現在は実家に身を寄せているが、夫が実家に来ることがある。住民票の閲覧制限と、当面の住まいと生活費について支援を求めている。`,
        urgency: 'high',
      };
    },
    3,
  ],
  [
    (g, year) => {
      const person = g.pick(FOREIGN_RESIDENTS);
      const members: MemberBody[] = [
        { name: person.name, nameKana: person.kana, birthDate: `${year - g.int(22, 45)}-${String(g.int(1, 12)).padStart(2, '0')}-${String(g.int(1, 28)).padStart(2, '0')}`, sex: person.sex, relationship: '本人', isPrimary: true },
      ];
      return {
        members,
        concerns: concerns(g, ['foreign_resident', 'employment'], ['housing', 'financial_hardship', 'child_rearing']),
        summary: `技能実習の後、市内の工場で働いていたが雇い止めにあった。日本語での手続きが難しく、在留資格の更新と仕事探し、住まいについて相談したい。通訳を介して面談。同じ国出身の知人が付き添って来所した。`,
        language: person.language,
      };
    },
    3,
  ],
];
