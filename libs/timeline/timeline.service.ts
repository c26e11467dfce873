import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { Actor, CTX_ACTOR, newId } from '@tsunagi/common';
import { Db } from '@tsunagi/database';

export interface TimelineEvent {
  caseId: string;
  /** dotted: `case.opened`, `note.added`, `referral.declined`, `task.escalated` … */
  type: string;
  occurredAt?: Date;
  entityType?: string;
  entityId?: string;
  /** facts for the timeline (kinds, statuses, agency ids); readers of the case may see it */
  data?: Record<string, unknown>;
  /** acting agency when not the signed-in actor's (the worker, a volunteer's report) */
  agencyId?: string | null;
}

export interface TimelineEntry {
  id: string;
  occurredAt: string;
  type: string;
  actorId: string | null;
  agencyId: string | null;
  entityType: string | null;
  entityId: string | null;
  data: Record<string, unknown>;
}

/**
 * The case timeline. Every module appends its own events (in the transaction of its act);
 * the cases module only reads them, so new capabilities add entries without touching it.
 */
@Injectable()
export class TimelineService {
  constructor(
    private readonly db: Db,
    private readonly cls: ClsService,
  ) {}

  async append(event: TimelineEvent): Promise<void> {
    const actor = this.cls.isActive() ? (this.cls.get(CTX_ACTOR) as Actor | undefined) : undefined;
    await this.db.defer(
      'case_events',
      `INSERT INTO case_events (municipality_id, id, case_id, occurred_at, type, actor_id, agency_id, entity_type, entity_id, data)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        newId(),
        event.caseId,
        event.occurredAt ?? new Date(),
        event.type,
        actor?.userId ?? null,
        event.agencyId !== undefined ? event.agencyId : (actor?.agencyId ?? null),
        event.entityType ?? null,
        event.entityId ?? null,
        event.data ?? {},
      ],
    );
  }

  /** Several events in one statement, in the order given. */
  async appendMany(events: TimelineEvent[]): Promise<void> {
    if (!events.length) return;
    const actor = this.cls.isActive() ? (this.cls.get(CTX_ACTOR) as Actor | undefined) : undefined;
    const now = new Date().toISOString();
    const rows = events.map((event) => ({
      id: newId(),
      case_id: event.caseId,
      occurred_at: event.occurredAt?.toISOString() ?? now,
      type: event.type,
      agency_id: event.agencyId !== undefined ? event.agencyId : (actor?.agencyId ?? null),
      entity_type: event.entityType ?? null,
      entity_id: event.entityId ?? null,
      data: event.data ?? {},
    }));
    await this.db.defer(
      'case_events',
      `INSERT INTO case_events (municipality_id, id, case_id, occurred_at, type, actor_id, agency_id, entity_type, entity_id, data)
       SELECT current_setting('app.municipality_id')::uuid, r.id, r.case_id, r.occurred_at, r.type, $2, r.agency_id, r.entity_type, r.entity_id, r.data
       FROM jsonb_to_recordset($1::jsonb) AS r (id uuid, case_id uuid, occurred_at timestamptz, type text, agency_id uuid, entity_type text, entity_id uuid, data jsonb)`,
      [JSON.stringify(rows), actor?.userId ?? null],
    );
  }

  async list(caseId: string, limit: number, after?: { occurredAt: string; id: string }): Promise<TimelineEntry[]> {
    const rows = await this.db.query(
      `SELECT id, occurred_at AS "occurredAt", type, actor_id AS "actorId", agency_id AS "agencyId",
              entity_type AS "entityType", entity_id AS "entityId", data
       FROM case_events
       WHERE case_id = $1 AND ($2::timestamptz IS NULL OR (occurred_at, id) > ($2::timestamptz, $3::uuid))
       ORDER BY occurred_at, id
       LIMIT $4`,
      [caseId, after?.occurredAt ?? null, after?.id ?? null, limit + 1],
    );
    return rows.map((r) => ({ ...r, occurredAt: new Date(r.occurredAt).toISOString() }));
  }
}
