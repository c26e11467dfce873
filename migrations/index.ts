/**
 * Every migration, in order. Listed explicitly (not globbed) so the compiled build and the
 * tests load exactly the same set, whatever bundler or folder layout is used.
 */
import { Foundation1795400000000 } from './1795400000000-Foundation';
import { Cases1795500000000 } from './1795500000000-Cases';
import { Referrals1795600000000 } from './1795600000000-Referrals';
import { ConferencesTasksNotifications1795700000000 } from './1795700000000-ConferencesTasksNotifications';
import { DueTimes1795800000000 } from './1795800000000-DueTimes';
import { AuditChain1795850000000 } from './1795850000000-AuditChain';
import { CaseNameSearch1795870000000 } from './1795870000000-CaseNameSearch';
import { EmailNotifications1795880000000 } from './1795880000000-EmailNotifications';
import { ReportingIndexes1795900000000 } from './1795900000000-ReportingIndexes';
import { Plans1796000000000 } from './1796000000000-Plans';
import { Resources1796100000000 } from './1796100000000-Resources';
import { WorklistIndexes1796200000000 } from './1796200000000-WorklistIndexes';
import { AuditQueryIndexes1796300000000 } from './1796300000000-AuditQueryIndexes';
import { ReportingRollups1796400000000 } from './1796400000000-ReportingRollups';
import { AuditVerifyFast1796500000000 } from './1796500000000-AuditVerifyFast';
import { ResourceTextSearch1796600000000 } from './1796600000000-ResourceTextSearch';
import { CaseNameSearchWalk1796700000000 } from './1796700000000-CaseNameSearchWalk';

export const MIGRATIONS = [Foundation1795400000000, Cases1795500000000, Referrals1795600000000, ConferencesTasksNotifications1795700000000, DueTimes1795800000000, AuditChain1795850000000, CaseNameSearch1795870000000, EmailNotifications1795880000000, ReportingIndexes1795900000000, Plans1796000000000, Resources1796100000000, WorklistIndexes1796200000000, AuditQueryIndexes1796300000000, ReportingRollups1796400000000, AuditVerifyFast1796500000000, ResourceTextSearch1796600000000, CaseNameSearchWalk1796700000000];
