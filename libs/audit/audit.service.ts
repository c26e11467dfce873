import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { CTX_ACTOR, CTX_CLIENT_IP, newId, type Actor } from '@tsunagi/common';
import { Db } from '@tsunagi/database';

export interface AuditInput {
  /** dotted verb: `case.viewed`, `agency.created`, `auth.login_failed` … */
  action: string;
  entityType: string;
  entityId?: string | null;
  /** set on every event about case content, so "who read or changed this case" is one query */
  caseId?: string | null;
  /** names of the fields changed — never their values */
  changedFields?: string[];
  /** marks reads and writes of restricted cases (DV, abuse, 支援措置) for auditors */
  restricted?: boolean;
  /** non-sensitive facts only (status codes, counts, kinds); never names, notes or addresses */
  detail?: Record<string, unknown>;
  /** for acts without a signed-in actor (login) */
  actorId?: string | null;
  municipalityId?: string;
}

/**
 * Writes audit events inside the caller's open transaction: the event commits with the act
 * or neither does, and a failed audit write fails the act.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly db: Db,
    private readonly cls: ClsService,
  ) {}

  /** Several events of one act in one statement (each its own row, id and time). */
  async recordMany(inputs: AuditInput[]): Promise<void> {
    if (!inputs.length) return;
    const actor = this.cls.isActive() ? (this.cls.get(CTX_ACTOR) as Actor | undefined) : undefined;
    const requestId = this.cls.isActive() ? (this.cls.getId() ?? null) : null;
    const clientIp = this.cls.isActive() ? ((this.cls.get(CTX_CLIENT_IP) as string | undefined) ?? null) : null;
    const rows = inputs.map((input) => ({
      municipality_id: input.municipalityId ?? actor?.municipalityId ?? this.db.currentMunicipalityId(),
      id: newId(),
      actor_id: input.actorId !== undefined ? input.actorId : (actor?.userId ?? null),
      action: input.action,
      entity_type: input.entityType,
      entity_id: input.entityId ?? null,
      case_id: input.caseId ?? null,
      changed_fields: input.changedFields ?? [],
      restricted: input.restricted ?? false,
      detail: input.detail ?? {},
    }));
    await this.db.defer(
      'audit_events',
      `INSERT INTO audit_events (municipality_id, occurred_at, id, actor_id, actor_agency_id, actor_roles, action,
         entity_type, entity_id, case_id, request_id, client_ip, changed_fields, restricted, detail)
       SELECT r.municipality_id, clock_timestamp(), r.id, r.actor_id, $2, $3, r.action, r.entity_type, r.entity_id, r.case_id, $4, $5, r.changed_fields, r.restricted, r.detail
       FROM jsonb_to_recordset($1::jsonb) AS r (municipality_id uuid, id uuid, actor_id uuid, action text, entity_type text, entity_id uuid, case_id uuid,
         changed_fields text[], restricted boolean, detail jsonb)`,
      [JSON.stringify(rows), actor?.agencyId ?? null, actor?.roles ?? [], requestId, clientIp],
    );
  }

  async record(input: AuditInput): Promise<void> {
    const actor = this.cls.isActive() ? (this.cls.get(CTX_ACTOR) as Actor | undefined) : undefined;
    const requestId = this.cls.isActive() ? (this.cls.getId() ?? null) : null;
    const clientIp = this.cls.isActive() ? ((this.cls.get(CTX_CLIENT_IP) as string | undefined) ?? null) : null;
    await this.db.defer(
      'audit_events',
      `INSERT INTO audit_events (municipality_id, occurred_at, id, actor_id, actor_agency_id, actor_roles, action,
         entity_type, entity_id, case_id, request_id, client_ip, changed_fields, restricted, detail)
       VALUES ($1, clock_timestamp(), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        input.municipalityId ?? actor?.municipalityId ?? this.db.currentMunicipalityId(),
        newId(),
        input.actorId !== undefined ? input.actorId : (actor?.userId ?? null),
        actor?.agencyId ?? null,
        actor?.roles ?? [],
        input.action,
        input.entityType,
        input.entityId ?? null,
        input.caseId ?? null,
        requestId,
        clientIp,
        input.changedFields ?? [],
        input.restricted ?? false,
        input.detail ?? {},
      ],
    );
  }
}
