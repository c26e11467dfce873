import { RESOURCE_MIGRATION_CODES } from '../../migrations/1796100000000-Resources';
import { AGE_GROUPS, CONCERNS, PARTICIPATION_END_REASONS, PARTICIPATION_STATUSES, RESOURCE_KINDS } from '@tsunagi/vocabularies';

/**
 * The resources migration freezes the codes its CHECK constraints allow. When a vocabulary
 * gains a code, this fails until a migration widens the constraint and this list follows it.
 */
describe('resource CHECK constraints and the vocabularies', () => {
  it('allow exactly the codes of the vocabularies', () => {
    expect(RESOURCE_MIGRATION_CODES.resourceKinds).toEqual([...RESOURCE_KINDS]);
    expect(RESOURCE_MIGRATION_CODES.concerns).toEqual([...CONCERNS]);
    expect(RESOURCE_MIGRATION_CODES.ageGroups).toEqual([...AGE_GROUPS]);
    expect(RESOURCE_MIGRATION_CODES.participationStatuses).toEqual([...PARTICIPATION_STATUSES]);
    expect(RESOURCE_MIGRATION_CODES.participationEndReasons).toEqual([...PARTICIPATION_END_REASONS]);
  });
});
