import type { Scenario } from '../scenario';
import { referralAccept } from './accept';
import { audit } from './audit';
import { escalations } from './escalations';
import { indicators } from './indicators';
import { pgbenchIntake } from './pgbench';
import { planActivation } from './plans';
import { resources } from './resources';
import { worklists } from './worklists';

/**
 * The scenario modules, in the order they run (after intake, case read and name search,
 * which run.ts does itself). A scenario that starts the worker or verifies the audit trail
 * seals the events written so far: it must come after `audit`, whose seeded history has to be
 * chained before the bench's own newer events. `indicators` reads the referrals `worklists` seeds.
 */
export const SCENARIOS: ReadonlyArray<Scenario<any>> = [pgbenchIntake, planActivation, resources, referralAccept, worklists, indicators, audit, escalations];
