import { Injectable } from '@nestjs/common';
import { newId } from '@tsunagi/common';
import { Db } from '@tsunagi/database';

export interface NewNotification {
  recipientUserId?: string | null;
  recipientAgencyId?: string | null;
  kind: string;
  title: string;
  caseId?: string | null;
  entityType?: string | null;
  entityId?: string | null;
}

@Injectable()
export class NotificationsRepository {
  constructor(private readonly db: Db) {}

  /** Every notification in one statement. */
  async insertMany(items: NewNotification[]): Promise<void> {
    if (!items.length) return;
    await this.db.query(
      `INSERT INTO notifications (municipality_id, id, recipient_user_id, recipient_agency_id, kind, title, case_id, entity_type, entity_id)
       SELECT current_setting('app.municipality_id')::uuid, r.id, r.recipient_user_id, r.recipient_agency_id, r.kind, r.title, r.case_id, r.entity_type, r.entity_id
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::uuid[])
         AS r (id, recipient_user_id, recipient_agency_id, kind, title, case_id, entity_type, entity_id)`,
      [
        items.map(() => newId()),
        items.map((n) => n.recipientUserId ?? null),
        items.map((n) => n.recipientAgencyId ?? null),
        items.map((n) => n.kind),
        items.map((n) => n.title),
        items.map((n) => n.caseId ?? null),
        items.map((n) => n.entityType ?? null),
        items.map((n) => n.entityId ?? null),
      ],
    );
  }

  /** Active supervisors of each agency. */
  async supervisorsOf(agencyIds: string[]): Promise<Array<{ id: string; agencyId: string }>> {
    if (!agencyIds.length) return [];
    return this.db.query(
      `SELECT id, agency_id AS "agencyId" FROM users WHERE agency_id = ANY($1::uuid[]) AND 'supervisor' = ANY(roles) AND NOT disabled`,
      [agencyIds],
    );
  }

  async list(userId: string, agencyId: string | null, unread: boolean, limit: number, after?: { createdAt: string; id: string }) {
    return this.db.query(
      `SELECT id, kind, title, case_id AS "caseId", entity_type AS "entityType", entity_id AS "entityId", created_at AS "createdAt", read_at AS "readAt",
              recipient_user_id AS "recipientUserId", recipient_agency_id AS "recipientAgencyId"
       FROM notifications
       WHERE (recipient_user_id = $1 OR ($2::uuid IS NOT NULL AND recipient_agency_id = $2))
         AND (NOT $3::boolean OR read_at IS NULL)
         AND ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $6`,
      [userId, agencyId, unread, after?.createdAt ?? null, after?.id ?? null, limit + 1],
    );
  }

  /** Notifications of the last day not yet e-mailed to users who have an address; locked so two workers never send one twice. */
  async pendingEmails(limit: number): Promise<Array<{ id: string; title: string; email: string }>> {
    return this.db.query(
      `SELECT n.id, n.title, u.email FROM notifications n
       JOIN users u ON u.municipality_id = n.municipality_id AND u.id = n.recipient_user_id
       WHERE n.emailed_at IS NULL AND n.recipient_user_id IS NOT NULL AND u.email IS NOT NULL AND NOT u.disabled
         AND n.created_at > now() - interval '1 day'
       ORDER BY n.created_at LIMIT $1
       FOR UPDATE OF n SKIP LOCKED`,
      [limit],
    );
  }

  async markEmailed(ids: string[]): Promise<void> {
    if (ids.length) await this.db.query(`UPDATE notifications SET emailed_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async markRead(id: string, userId: string, agencyId: string | null): Promise<boolean> {
    const { affected } = await this.db.execute(
      `UPDATE notifications SET read_at = COALESCE(read_at, now()) WHERE id = $1 AND (recipient_user_id = $2 OR ($3::uuid IS NOT NULL AND recipient_agency_id = $3))`,
      [id, userId, agencyId],
    );
    return affected === 1;
  }
}
