import { Injectable } from '@nestjs/common';
import { Actor, CASE_ROLES, forbidden, hasRole, notFound } from '@tsunagi/common';
import { CaseDetails, CaseRelation, CaseRow, CasesRepository } from './cases.repository';

/**
 * What a caller may do with a case (DOMAIN.md rule 8, CONTRACT.md "Who may do what"):
 * - read (V): lead, involved, receiver of a pending referral, or a supervisor when the case
 *   is not restricted; everyone else gets 404 — its existence is not revealed;
 * - lead (L): staff of the lead agency, or a supervisor who can see it;
 * - involved (I): staff of the lead or an involved agency, or a supervisor who can see it.
 * Roles that never read cases (admin, auditor, volunteer) get 403 whatever the id.
 */
export type CaseNeed = 'read' | 'lead' | 'involved';

export interface CaseAccess {
  row: CaseRow;
  relation: CaseRelation;
  supervisor: boolean;
  /** with `{ details: true }`: the household, involvements and pending referrals, read in the same statement */
  details?: CaseDetails;
}

@Injectable()
export class CaseAccessService {
  constructor(private readonly repo: CasesRepository) {}

  /** Must run inside the act's transaction. */
  async require(actor: Actor, caseId: string, need: CaseNeed, opts: { details?: boolean } = {}): Promise<CaseAccess> {
    if (!hasRole(actor, ...CASE_ROLES)) throw forbidden('Your role does not read cases');
    const found = opts.details ? await this.repo.findWithRelation(caseId, actor.agencyId, true) : await this.repo.findWithRelation(caseId, actor.agencyId);
    if (!found) throw notFound('case');
    const { isLead, isInvolved, isReceiving, members, involvements, openReferrals, ...row } = found as CaseRow & CaseRelation & Partial<CaseDetails>;
    const relation = { isLead, isInvolved, isReceiving };
    const supervisor = hasRole(actor, 'supervisor');
    const visible = isLead || isInvolved || isReceiving || (supervisor && !row.restricted);
    if (!visible) throw notFound('case');
    if (need === 'lead' && !isLead && !supervisor) throw forbidden('Only the lead agency may do this');
    if (need === 'involved' && !isLead && !isInvolved && !supervisor) throw forbidden('Only the lead or an involved agency may do this');
    const details = members && involvements && openReferrals ? { members, involvements, openReferrals } : undefined;
    return { row, relation, supervisor, details };
  }
}
