/**
 * Every code list of the contract (CONTRACT.md "Vocabularies", DOMAIN.md glossary).
 *
 * Each list is a tuple of codes in the contract's order (for `@IsIn`, Swagger `enum`,
 * CHECK constraints) plus a label table typed by that tuple, so the compiler refuses a
 * code without labels or a label without a code. `VOCABULARIES` is built from the two and
 * is what `GET /meta/vocabularies` returns. Japanese labels are the words a municipal
 * welfare office prints on its forms; they are display text, never stored or compared.
 */

export interface VocabularyEntry {
  code: string;
  ja: string;
  en: string;
}

type Labels<C extends string> = { readonly [K in C]: { readonly ja: string; readonly en: string } };

// --- staff and agencies -----------------------------------------------------------------

export const ROLES = [
  'admin',
  'desk_staff',
  'csw',
  'coordinator',
  'agency_staff',
  'supervisor',
  'auditor',
  'volunteer',
] as const;
export type Role = (typeof ROLES)[number];
const ROLE_LABELS: Labels<Role> = {
  admin: { ja: 'システム管理者', en: 'Administrator' },
  desk_staff: { ja: '相談員', en: 'Consultation desk staff' },
  csw: { ja: 'コミュニティソーシャルワーカー', en: 'Community social worker (CSW)' },
  coordinator: { ja: '生活支援コーディネーター', en: 'Lifestyle-support coordinator' },
  agency_staff: { ja: '相談支援機関職員', en: 'Agency staff' },
  supervisor: { ja: 'スーパーバイザー', en: 'Supervisor' },
  auditor: { ja: '監査担当', en: 'Auditor' },
  volunteer: { ja: '民生委員・児童委員', en: 'Commissioned welfare volunteer' },
};

export const AGENCY_KINDS = [
  'consultation_desk',
  'community_support_centre',
  'disability_support_centre',
  'child_support_centre',
  'social_welfare_council',
  'self_reliance_support',
  'lifestyle_support',
  'city_department',
  'community_centre',
  'volunteer_council',
  'other',
] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];
const AGENCY_KIND_LABELS: Labels<AgencyKind> = {
  consultation_desk: { ja: '福祉の相談窓口', en: 'Welfare consultation desk' },
  community_support_centre: { ja: '地域包括支援センター', en: 'Community support centre' },
  disability_support_centre: { ja: '基幹相談支援センター', en: 'Core disability support centre' },
  child_support_centre: { ja: 'こども支援センター', en: 'Child support centre' },
  social_welfare_council: { ja: '社会福祉協議会', en: 'Social welfare council' },
  self_reliance_support: { ja: '自立相談支援機関', en: 'Self-reliance support agency' },
  lifestyle_support: { ja: '生活支援体制整備（生活支援コーディネーター）', en: 'Lifestyle support (coordinators)' },
  city_department: { ja: '庁内関係課', en: 'City department' },
  community_centre: { ja: '地域センター・公民館', en: 'Community centre' },
  volunteer_council: { ja: '民生委員・児童委員協議会', en: 'Welfare volunteers council' },
  other: { ja: 'その他', en: 'Other' },
};

// --- intake -------------------------------------------------------------------------------

export const CHANNELS = [
  'walk_in',
  'phone',
  'home_visit',
  'outreach',
  'agency_referral',
  'volunteer_report',
  'email',
  'fax',
  'online',
  'other',
] as const;
export type Channel = (typeof CHANNELS)[number];
const CHANNEL_LABELS: Labels<Channel> = {
  walk_in: { ja: '来所', en: 'Walk-in' },
  phone: { ja: '電話', en: 'Phone' },
  home_visit: { ja: '訪問', en: 'Home visit' },
  outreach: { ja: 'アウトリーチ', en: 'Outreach' },
  agency_referral: { ja: '関係機関から', en: 'Referred by an agency' },
  volunteer_report: { ja: '民生委員から', en: 'Reported by a welfare volunteer' },
  email: { ja: 'メール', en: 'Email' },
  fax: { ja: 'FAX', en: 'Fax' },
  online: { ja: 'オンライン', en: 'Online' },
  other: { ja: 'その他', en: 'Other' },
};

export const CONCERNS = [
  'illness',
  'disability',
  'long_term_care',
  'child_rearing',
  'isolation',
  'financial_hardship',
  'debt',
  'housing',
  'employment',
  'family_relations',
  'neighbourhood_relations',
  'hikikomori',
  'school_refusal',
  'eighty_fifty',
  'double_care',
  'hoarding',
  'domestic_violence',
  'abuse',
  'suicide_risk',
  'no_food',
  'foreign_resident',
  'guardianship',
  'disaster_support',
  'reoffending',
  'other',
] as const;
export type Concern = (typeof CONCERNS)[number];
const CONCERN_LABELS: Labels<Concern> = {
  illness: { ja: '病気・健康', en: 'Illness and health' },
  disability: { ja: '障害', en: 'Disability' },
  long_term_care: { ja: '介護', en: 'Long-term care' },
  child_rearing: { ja: '子育て', en: 'Child rearing' },
  isolation: { ja: '孤立', en: 'Isolation' },
  financial_hardship: { ja: '収入・生活費', en: 'Income and living costs' },
  debt: { ja: '債務・家賃・ローン・税', en: 'Debt, rent, loans and taxes' },
  housing: { ja: '住まい', en: 'Housing' },
  employment: { ja: '仕事探し・仕事上のトラブル', en: 'Job search and trouble at work' },
  family_relations: { ja: '家族関係', en: 'Family relations' },
  neighbourhood_relations: { ja: '地域との関係', en: 'Relations with the neighbourhood' },
  hikikomori: { ja: 'ひきこもり', en: 'Social withdrawal (hikikomori)' },
  school_refusal: { ja: '不登校', en: 'School refusal' },
  eighty_fifty: { ja: '8050問題', en: '8050 problem' },
  double_care: { ja: 'ダブルケア', en: 'Double care' },
  hoarding: { ja: 'ごみ屋敷', en: 'Hoarding' },
  domestic_violence: { ja: 'DV', en: 'Domestic violence' },
  abuse: { ja: '虐待', en: 'Abuse' },
  suicide_risk: { ja: '自殺リスク', en: 'Suicide risk' },
  no_food: { ja: '食べるものがない', en: 'No food' },
  foreign_resident: { ja: '外国人', en: 'Foreign resident' },
  guardianship: { ja: '権利擁護・成年後見', en: 'Advocacy and adult guardianship' },
  disaster_support: { ja: '避難行動要支援', en: 'Needs help to evacuate in a disaster' },
  reoffending: { ja: '再犯防止', en: 'Preventing reoffending' },
  other: { ja: 'その他', en: 'Other' },
};

export const URGENCIES = ['normal', 'high', 'emergency'] as const;
export type Urgency = (typeof URGENCIES)[number];
const URGENCY_LABELS: Labels<Urgency> = {
  normal: { ja: '通常', en: 'Normal' },
  high: { ja: '至急', en: 'High' },
  emergency: { ja: '緊急', en: 'Emergency' },
};

export const SEXES = ['female', 'male', 'other', 'unknown'] as const;
export type Sex = (typeof SEXES)[number];
const SEX_LABELS: Labels<Sex> = {
  female: { ja: '女性', en: 'Female' },
  male: { ja: '男性', en: 'Male' },
  other: { ja: 'その他', en: 'Other' },
  unknown: { ja: '不明', en: 'Unknown' },
};

export const NOTE_KINDS = ['interview', 'phone', 'visit', 'accompany', 'meeting', 'record'] as const;
export type NoteKind = (typeof NOTE_KINDS)[number];
const NOTE_KIND_LABELS: Labels<NoteKind> = {
  interview: { ja: '面談', en: 'Interview' },
  phone: { ja: '電話', en: 'Phone call' },
  visit: { ja: '訪問', en: 'Visit' },
  accompany: { ja: '同行', en: 'Accompanied visit' },
  meeting: { ja: '会議', en: 'Meeting' },
  record: { ja: '記録', en: 'Record' },
};

export const AGE_GROUPS = ['children', 'youth', 'adults', 'elderly'] as const;
export type AgeGroup = (typeof AGE_GROUPS)[number];
const AGE_GROUP_LABELS: Labels<AgeGroup> = {
  children: { ja: '子ども', en: 'Children' },
  youth: { ja: '若者', en: 'Young people' },
  adults: { ja: '成人', en: 'Adults' },
  elderly: { ja: '高齢者', en: 'Older people' },
};

// --- case life cycle ------------------------------------------------------------------------

export const CASE_STATUSES = ['intake', 'assessment', 'support', 'monitoring', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
const CASE_STATUS_LABELS: Labels<CaseStatus> = {
  intake: { ja: '受付', en: 'Intake' },
  assessment: { ja: 'アセスメント', en: 'Assessment' },
  support: { ja: '支援中', en: 'In support' },
  monitoring: { ja: 'モニタリング', en: 'Monitoring' },
  closed: { ja: '終結', en: 'Closed' },
};

export const CLOSURE_REASONS = [
  'resolved',
  'information_only',
  'suspended',
  'moved_away',
  'deceased',
  'no_contact',
  'declined_by_person',
  'other',
] as const;
export type ClosureReason = (typeof CLOSURE_REASONS)[number];
const CLOSURE_REASON_LABELS: Labels<ClosureReason> = {
  resolved: { ja: '課題解決', en: 'Resolved' },
  information_only: { ja: '情報提供のみで終了', en: 'Information only' },
  suspended: { ja: '中断', en: 'Suspended (stopped engaging)' },
  moved_away: { ja: '転出', en: 'Moved away' },
  deceased: { ja: '死亡', en: 'Deceased' },
  no_contact: { ja: '連絡不通', en: 'No contact' },
  declined_by_person: { ja: '本人が支援を希望しない', en: 'Declined by the person' },
  other: { ja: 'その他', en: 'Other' },
};

// --- referrals, consent, conferences ---------------------------------------------------------

export const REFERRAL_KINDS = ['transfer', 'collaboration'] as const;
export type ReferralKind = (typeof REFERRAL_KINDS)[number];
const REFERRAL_KIND_LABELS: Labels<ReferralKind> = {
  transfer: { ja: '主担当の移管', en: 'Transfer' },
  collaboration: { ja: '連携依頼', en: 'Collaboration' },
};

export const REFERRAL_STATUSES = ['pending', 'accepted', 'declined', 'withdrawn'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
const REFERRAL_STATUS_LABELS: Labels<ReferralStatus> = {
  pending: { ja: '回答待ち', en: 'Pending' },
  accepted: { ja: '受理', en: 'Accepted' },
  declined: { ja: '受入不可', en: 'Declined' },
  withdrawn: { ja: '取下げ', en: 'Withdrawn' },
};

export const REFERRAL_BASES = ['consent', 'support_meeting', 'emergency'] as const;
export type ReferralBasis = (typeof REFERRAL_BASES)[number];
const REFERRAL_BASIS_LABELS: Labels<ReferralBasis> = {
  consent: { ja: '本人同意', en: 'Consent' },
  support_meeting: { ja: '支援会議', en: 'Support meeting' },
  emergency: { ja: '緊急（生命・身体・財産の保護）', en: 'Emergency (to protect life, body or property)' },
};

export const CONSENT_STATUSES = ['not_asked', 'obtained', 'refused'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
const CONSENT_STATUS_LABELS: Labels<ConsentStatus> = {
  not_asked: { ja: '未確認', en: 'Not asked' },
  obtained: { ja: '同意あり', en: 'Obtained' },
  refused: { ja: '同意なし', en: 'Refused' },
};

export const CONFERENCE_TYPES = [
  'support_meeting',
  'multi_agency_meeting',
  'plan_coordination_meeting',
  'care_meeting',
  'case_review',
] as const;
export type ConferenceType = (typeof CONFERENCE_TYPES)[number];
const CONFERENCE_TYPE_LABELS: Labels<ConferenceType> = {
  support_meeting: { ja: '支援会議', en: 'Support meeting' },
  multi_agency_meeting: { ja: '重層的支援会議', en: 'Multi-agency meeting' },
  plan_coordination_meeting: { ja: '支援調整会議', en: 'Plan coordination meeting' },
  care_meeting: { ja: '地域ケア会議', en: 'Community care meeting' },
  case_review: { ja: 'ケース検討会議', en: 'Case review' },
};

// --- tasks ----------------------------------------------------------------------------------

export const TASK_KINDS = [
  'referral_response',
  'reroute',
  'handoff_check',
  'escalation',
  'monitoring',
  'custom',
  'plan_action',
  'plan_review',
  'participation_check',
  'resource_verification',
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];
const TASK_KIND_LABELS: Labels<TaskKind> = {
  referral_response: { ja: 'つなぎへの回答', en: 'Answer a referral' },
  reroute: { ja: 'つなぎ先の再調整', en: 'Re-route a declined referral' },
  handoff_check: { ja: 'つなぎ後の確認', en: 'Check on the person after a hand-off' },
  escalation: { ja: 'エスカレーション', en: 'Escalation' },
  monitoring: { ja: 'モニタリング', en: 'Monitoring' },
  custom: { ja: 'フォローアップ', en: 'Follow-up' },
  plan_action: { ja: '支援プランの取組', en: 'Plan action' },
  plan_review: { ja: '支援プランの評価', en: 'Plan review' },
  participation_check: { ja: '参加状況の確認', en: 'Participation check' },
  resource_verification: { ja: '社会資源情報の確認', en: 'Resource verification' },
};

export const TASK_STATUSES = ['open', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
const TASK_STATUS_LABELS: Labels<TaskStatus> = {
  open: { ja: '未完了', en: 'Open' },
  done: { ja: '完了', en: 'Done' },
  cancelled: { ja: '取消', en: 'Cancelled' },
};

// --- plans and outcomes ---------------------------------------------------------------------

export const PLAN_STATUSES = ['draft', 'active', 'ended', 'superseded'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];
const PLAN_STATUS_LABELS: Labels<PlanStatus> = {
  draft: { ja: '作成中', en: 'Draft' },
  active: { ja: '実施中', en: 'Active' },
  ended: { ja: '終了', en: 'Ended' },
  superseded: { ja: '旧版（再プラン済み）', en: 'Superseded' },
};

export const GOAL_TERMS = ['long_term', 'short_term'] as const;
export type GoalTerm = (typeof GOAL_TERMS)[number];
const GOAL_TERM_LABELS: Labels<GoalTerm> = {
  long_term: { ja: '長期目標', en: 'Long-term goal' },
  short_term: { ja: '短期目標', en: 'Short-term goal' },
};

export const GOAL_RESULTS = ['achieved', 'partly_achieved', 'not_achieved'] as const;
export type GoalResult = (typeof GOAL_RESULTS)[number];
const GOAL_RESULT_LABELS: Labels<GoalResult> = {
  achieved: { ja: '達成', en: 'Achieved' },
  partly_achieved: { ja: '一部達成', en: 'Partly achieved' },
  not_achieved: { ja: '未達成', en: 'Not achieved' },
};

export const EVALUATION_DECISIONS = ['continue', 'replan', 'end'] as const;
export type EvaluationDecision = (typeof EVALUATION_DECISIONS)[number];
const EVALUATION_DECISION_LABELS: Labels<EvaluationDecision> = {
  continue: { ja: '継続', en: 'Continue' },
  replan: { ja: '再プラン', en: 'Re-plan' },
  end: { ja: '終了', en: 'End' },
};

export const OUTCOME_KINDS = [
  'employment_started',
  'income_increased',
  'housing_secured',
  'debt_arranged',
  'benefits_started',
  'participation_started',
  'isolation_reduced',
  'health_care_started',
  'other',
] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];
const OUTCOME_KIND_LABELS: Labels<OutcomeKind> = {
  employment_started: { ja: '就労', en: 'Started work' },
  income_increased: { ja: '増収', en: 'Income increased' },
  housing_secured: { ja: '住まいの確保', en: 'Housing secured' },
  debt_arranged: { ja: '債務の整理', en: 'Debt arranged' },
  benefits_started: { ja: '制度・給付の利用開始', en: 'Started receiving benefits' },
  participation_started: { ja: '社会参加の開始', en: 'Started participating' },
  isolation_reduced: { ja: '孤立の改善', en: 'Less isolated' },
  health_care_started: { ja: '受診・医療につながった', en: 'Started health care' },
  other: { ja: 'その他', en: 'Other' },
};

// --- community resources and participation ------------------------------------------------

export const RESOURCE_KINDS = [
  'salon',
  'place_to_belong',
  'children_cafeteria',
  'dementia_cafe',
  'exercise_class',
  'work_experience',
  'watching_shopping_support',
  'meal_delivery',
  'learning_support',
  'food_bank',
  'volunteer_group',
  'peer_group',
  'other',
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];
const RESOURCE_KIND_LABELS: Labels<ResourceKind> = {
  salon: { ja: 'サロン', en: 'Salon' },
  place_to_belong: { ja: '居場所', en: 'Place to belong' },
  children_cafeteria: { ja: '子ども食堂', en: "Children's cafeteria" },
  dementia_cafe: { ja: '認知症カフェ', en: 'Dementia cafe' },
  exercise_class: { ja: '体操教室', en: 'Exercise class' },
  work_experience: { ja: '就労体験・中間的就労', en: 'Work experience and transitional work' },
  watching_shopping_support: { ja: '見守り・買い物支援', en: 'Watching over and shopping support' },
  meal_delivery: { ja: '配食', en: 'Meal delivery' },
  learning_support: { ja: '学習支援', en: 'Learning support' },
  food_bank: { ja: 'フードバンク', en: 'Food bank' },
  volunteer_group: { ja: 'ボランティア団体', en: 'Volunteer group' },
  peer_group: { ja: '当事者会・家族会', en: 'Peer and family group' },
  other: { ja: 'その他', en: 'Other' },
};

export const PARTICIPATION_STATUSES = ['proposed', 'started', 'ended'] as const;
export type ParticipationStatus = (typeof PARTICIPATION_STATUSES)[number];
const PARTICIPATION_STATUS_LABELS: Labels<ParticipationStatus> = {
  proposed: { ja: '提案', en: 'Proposed' },
  started: { ja: '参加中', en: 'Started' },
  ended: { ja: '終了', en: 'Ended' },
};

export const PARTICIPATION_END_REASONS = [
  'goal_met',
  'stopped_attending',
  'not_suitable',
  'resource_closed',
  'other',
] as const;
export type ParticipationEndReason = (typeof PARTICIPATION_END_REASONS)[number];
const PARTICIPATION_END_REASON_LABELS: Labels<ParticipationEndReason> = {
  goal_met: { ja: '目的達成', en: 'Goal met' },
  stopped_attending: { ja: '参加しなくなった', en: 'Stopped attending' },
  not_suitable: { ja: '本人に合わなかった', en: 'Not suitable' },
  resource_closed: { ja: '資源の休止・廃止', en: 'Resource closed' },
  other: { ja: 'その他', en: 'Other' },
};

// --- registry -------------------------------------------------------------------------------

function entries<C extends string>(codes: readonly C[], labels: Labels<C>): readonly VocabularyEntry[] {
  // Frozen so a consumer (e.g. a controller that decorates the list) cannot alter what
  // every other request sees.
  return Object.freeze(codes.map((code) => Object.freeze({ code, ja: labels[code].ja, en: labels[code].en })));
}

/** The registry's keys, in the order the contract lists the vocabularies. */
export const VOCABULARY_NAMES = [
  'roles',
  'agencyKinds',
  'channels',
  'concerns',
  'urgencies',
  'sexes',
  'noteKinds',
  'ageGroups',
  'caseStatuses',
  'closureReasons',
  'referralKinds',
  'referralStatuses',
  'referralBases',
  'consentStatuses',
  'conferenceTypes',
  'taskKinds',
  'taskStatuses',
  'planStatuses',
  'goalTerms',
  'goalResults',
  'evaluationDecisions',
  'outcomeKinds',
  'resourceKinds',
  'participationStatuses',
  'participationEndReasons',
] as const;
export type VocabularyName = (typeof VOCABULARY_NAMES)[number];

const registry = {
  roles: entries(ROLES, ROLE_LABELS),
  agencyKinds: entries(AGENCY_KINDS, AGENCY_KIND_LABELS),
  channels: entries(CHANNELS, CHANNEL_LABELS),
  concerns: entries(CONCERNS, CONCERN_LABELS),
  urgencies: entries(URGENCIES, URGENCY_LABELS),
  sexes: entries(SEXES, SEX_LABELS),
  noteKinds: entries(NOTE_KINDS, NOTE_KIND_LABELS),
  ageGroups: entries(AGE_GROUPS, AGE_GROUP_LABELS),
  caseStatuses: entries(CASE_STATUSES, CASE_STATUS_LABELS),
  closureReasons: entries(CLOSURE_REASONS, CLOSURE_REASON_LABELS),
  referralKinds: entries(REFERRAL_KINDS, REFERRAL_KIND_LABELS),
  referralStatuses: entries(REFERRAL_STATUSES, REFERRAL_STATUS_LABELS),
  referralBases: entries(REFERRAL_BASES, REFERRAL_BASIS_LABELS),
  consentStatuses: entries(CONSENT_STATUSES, CONSENT_STATUS_LABELS),
  conferenceTypes: entries(CONFERENCE_TYPES, CONFERENCE_TYPE_LABELS),
  taskKinds: entries(TASK_KINDS, TASK_KIND_LABELS),
  taskStatuses: entries(TASK_STATUSES, TASK_STATUS_LABELS),
  planStatuses: entries(PLAN_STATUSES, PLAN_STATUS_LABELS),
  goalTerms: entries(GOAL_TERMS, GOAL_TERM_LABELS),
  goalResults: entries(GOAL_RESULTS, GOAL_RESULT_LABELS),
  evaluationDecisions: entries(EVALUATION_DECISIONS, EVALUATION_DECISION_LABELS),
  outcomeKinds: entries(OUTCOME_KINDS, OUTCOME_KIND_LABELS),
  resourceKinds: entries(RESOURCE_KINDS, RESOURCE_KIND_LABELS),
  participationStatuses: entries(PARTICIPATION_STATUSES, PARTICIPATION_STATUS_LABELS),
  participationEndReasons: entries(PARTICIPATION_END_REASONS, PARTICIPATION_END_REASON_LABELS),
} satisfies Record<VocabularyName, readonly VocabularyEntry[]>;

/**
 * Every code list with its labels, keyed by camelCase plural name (`VOCABULARY_NAMES`).
 * Typed with `string` keys so a lookup by a name from a request needs no cast; the
 * `satisfies` above is what guarantees that every vocabulary is present.
 */
export const VOCABULARIES: Readonly<Record<string, readonly VocabularyEntry[]>> = Object.freeze(registry);
