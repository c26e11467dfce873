import { Injectable } from '@nestjs/common';
import { Actor, badRequest, decodeCursor, DEFAULT_LIMIT, encodeCursor, hasRole, Page } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { sealBacklog, VerifyResult, verifyChain } from './audit-chain';
import { AuditService } from './audit.service';
import { AuditEventDto, AuditQueryDto } from './dto/audit.dto';

/**
 * Whether the event's case may be named to a supervisor of agency $12 (rule 8): any case that
 * is not restricted; a restricted one only when that agency leads it, is involved in it or
 * has a referral of it pending.
 */
const CASE_SHOWN_TO_AGENCY = `EXISTS (SELECT 1 FROM cases c WHERE c.municipality_id = e.municipality_id AND c.id = e.case_id AND (NOT c.restricted
  OR c.lead_agency_id = $12
  OR EXISTS (SELECT 1 FROM case_agencies ca WHERE ca.municipality_id = c.municipality_id AND ca.case_id = c.id AND ca.agency_id = $12)
  OR EXISTS (SELECT 1 FROM referrals r WHERE r.municipality_id = c.municipality_id AND r.case_id = c.id AND r.to_agency_id = $12 AND r.status = 'pending')))`;

/**
 * Auditors and supervisors read the trail: metadata only, never case content. Auditors see
 * all of it. A supervisor sees what rule 8 lets their agency see: no event about a restricted
 * case their agency does not lead or take part in, and no lists of case ids (they would name
 * such cases); "who read this case" works for every case they can see.
 */
@Injectable()
export class AuditQueryService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
  ) {}

  list(actor: Actor, query: AuditQueryDto): Promise<Page<AuditEventDto>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const cursor = decodeCursor(query.cursor, 2);
    if (query.from && query.to && query.from > query.to) throw badRequest('INVALID_RANGE', 'from must not be after to', 'from');
    const limitedToAgency = !hasRole(actor, 'auditor');
    return this.db.transaction(async () => {
      const rows = await this.db.query(
        `SELECT id, occurred_at AS at, actor_id AS "actorId", actor_agency_id AS "actorAgencyId", actor_roles AS "actorRoles", action,
                entity_type AS "entityType", entity_id AS "entityId", case_id AS "caseId", request_id AS "requestId", client_ip AS "clientIp",
                changed_fields AS "changedFields", restricted, detail
         FROM audit_events e
         WHERE ($1::uuid IS NULL OR case_id = $1) AND ($2::text IS NULL OR entity_type = $2) AND ($3::uuid IS NULL OR entity_id = $3)
           AND ($4::uuid IS NULL OR actor_id = $4) AND ($5::text IS NULL OR action = $5)
           AND ($6::timestamptz IS NULL OR occurred_at >= $6) AND ($7::timestamptz IS NULL OR occurred_at <= $7)
           AND ($8::timestamptz IS NULL OR (occurred_at, id) < ($8::timestamptz, $9::uuid))
           AND ($11::boolean IS NULL OR restricted = $11)
           AND (NOT $13::boolean OR ((e.case_id IS NULL AND NOT e.restricted) OR (e.case_id IS NOT NULL AND ${CASE_SHOWN_TO_AGENCY})))
         ORDER BY occurred_at DESC, id DESC LIMIT $10`,
        [query.caseId ?? null, query.entityType ?? null, query.entityId ?? null, query.actorId ?? null, query.action ?? null, query.from ?? null, query.to ?? null,
          cursor ? String(cursor[0]) : null, cursor ? String(cursor[1]) : null, limit + 1, query.restricted ?? null, actor.agencyId, limitedToAgency],
      );
      const hasMore = rows.length > limit;
      const items: AuditEventDto[] = (hasMore ? rows.slice(0, limit) : rows).map((r: AuditEventDto & { at: Date }) => ({
        ...r,
        at: new Date(r.at).toISOString(),
        detail: limitedToAgency ? withoutCaseLists(r.detail) : r.detail,
      }));
      // Reading the trail is itself on the trail.
      await this.audit.record({ action: 'audit.listed', entityType: 'audit', detail: { count: items.length, filters: Object.keys(query).filter((k) => k !== 'cursor' && k !== 'limit') } });
      return { items, nextCursor: hasMore ? encodeCursor([items[items.length - 1].at, items[items.length - 1].id]) : null };
    });
  }

  /** Seals what is final, then walks the whole chain of the caller's municipality. */
  async verify(actor: Actor): Promise<VerifyResult> {
    await this.db.transaction(() => sealBacklog((sql, params) => this.db.query(sql, params), actor.municipalityId));
    return this.db.transaction(async () => {
      const result = await verifyChain((sql, params) => this.db.query(sql, params), actor.municipalityId);
      await this.audit.record({ action: 'audit.verified', entityType: 'audit', detail: { valid: result.valid, eventsChecked: result.eventsChecked } });
      return result;
    });
  }
}

/** Lists of case ids (a case list's `caseIds`) are left out for supervisors: they could name restricted cases. */
function withoutCaseLists(detail: AuditEventDto['detail']): AuditEventDto['detail'] {
  if (!detail || typeof detail !== 'object' || !('caseIds' in detail)) return detail;
  const { caseIds: _caseIds, ...rest } = detail as Record<string, unknown>;
  return rest as AuditEventDto['detail'];
}
