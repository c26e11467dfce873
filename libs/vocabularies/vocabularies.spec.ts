import * as vocabularies from './vocabularies';
import { VOCABULARIES, VOCABULARY_NAMES } from './vocabularies';

// Each exported tuple and the registry key that must list the same codes in the same order.
const TUPLES: Record<string, readonly string[]> = {
  roles: vocabularies.ROLES,
  agencyKinds: vocabularies.AGENCY_KINDS,
  channels: vocabularies.CHANNELS,
  concerns: vocabularies.CONCERNS,
  urgencies: vocabularies.URGENCIES,
  sexes: vocabularies.SEXES,
  noteKinds: vocabularies.NOTE_KINDS,
  ageGroups: vocabularies.AGE_GROUPS,
  caseStatuses: vocabularies.CASE_STATUSES,
  closureReasons: vocabularies.CLOSURE_REASONS,
  referralKinds: vocabularies.REFERRAL_KINDS,
  referralStatuses: vocabularies.REFERRAL_STATUSES,
  referralBases: vocabularies.REFERRAL_BASES,
  consentStatuses: vocabularies.CONSENT_STATUSES,
  conferenceTypes: vocabularies.CONFERENCE_TYPES,
  taskKinds: vocabularies.TASK_KINDS,
  taskStatuses: vocabularies.TASK_STATUSES,
  planStatuses: vocabularies.PLAN_STATUSES,
  goalTerms: vocabularies.GOAL_TERMS,
  goalResults: vocabularies.GOAL_RESULTS,
  evaluationDecisions: vocabularies.EVALUATION_DECISIONS,
  outcomeKinds: vocabularies.OUTCOME_KINDS,
  resourceKinds: vocabularies.RESOURCE_KINDS,
  participationStatuses: vocabularies.PARTICIPATION_STATUSES,
  participationEndReasons: vocabularies.PARTICIPATION_END_REASONS,
};

describe('vocabularies', () => {
  it('has exactly the contract vocabularies, and every exported tuple is in the registry', () => {
    expect(Object.keys(VOCABULARIES)).toEqual([...VOCABULARY_NAMES]);
    expect(Object.keys(TUPLES).sort()).toEqual([...VOCABULARY_NAMES].sort());
    const exportedTuples = Object.entries(vocabularies).filter(
      ([name, value]) => /^[A-Z_]+$/.test(name) && name !== 'VOCABULARIES' && name !== 'VOCABULARY_NAMES' && Array.isArray(value),
    );
    expect(exportedTuples).toHaveLength(VOCABULARY_NAMES.length);
  });

  describe.each(VOCABULARY_NAMES.map((name) => [name]))('%s', (name) => {
    const list = VOCABULARIES[name];

    it('agrees with its code tuple, in order', () => {
      expect(list.map((entry) => entry.code)).toEqual([...TUPLES[name]]);
    });

    it('has unique snake_case codes and non-empty labels', () => {
      const codes = list.map((entry) => entry.code);
      expect(new Set(codes).size).toBe(codes.length);
      expect(list.length).toBeGreaterThan(0);
      for (const entry of list) {
        expect(entry.code).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
        expect(entry.ja.trim()).not.toBe('');
        expect(entry.en.trim()).not.toBe('');
        expect(Object.keys(entry).sort()).toEqual(['code', 'en', 'ja']);
      }
    });

    it('cannot be altered by a consumer', () => {
      expect(Object.isFrozen(list)).toBe(true);
      expect(list.every((entry) => Object.isFrozen(entry))).toBe(true);
    });
  });

  it('uses the glossary Japanese', () => {
    const ja = (name: string, code: string) => VOCABULARIES[name].find((entry) => entry.code === code)?.ja;
    expect(ja('concerns', 'illness')).toBe('病気・健康');
    expect(ja('concerns', 'financial_hardship')).toBe('収入・生活費');
    expect(ja('concerns', 'hoarding')).toBe('ごみ屋敷');
    expect(ja('concerns', 'eighty_fifty')).toBe('8050問題');
    expect(ja('channels', 'walk_in')).toBe('来所');
    expect(ja('channels', 'volunteer_report')).toBe('民生委員から');
    expect(ja('roles', 'volunteer')).toBe('民生委員・児童委員');
    expect(ja('caseStatuses', 'closed')).toBe('終結');
    expect(ja('closureReasons', 'information_only')).toBe('情報提供のみで終了');
    expect(ja('conferenceTypes', 'multi_agency_meeting')).toBe('重層的支援会議');
    expect(ja('resourceKinds', 'children_cafeteria')).toBe('子ども食堂');
  });
});
