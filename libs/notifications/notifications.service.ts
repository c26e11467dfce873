import { Injectable } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { Actor, decodeCursor, DEFAULT_LIMIT, encodeCursor, notFound, Page } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { MunicipalitiesService } from '@tsunagi/municipalities';
import { emailBody, NotificationChannel } from './email-channel';
import { NewNotification, NotificationsRepository } from './notifications.repository';

export interface NotificationView {
  id: string;
  kind: string;
  title: string;
  caseId: string | null;
  entityType: string | null;
  entityId: string | null;
  createdAt: string;
  readAt: string | null;
}

@Injectable()
export class NotificationsService {
  constructor(
    private readonly db: Db,
    private readonly repo: NotificationsRepository,
    private readonly municipalities: MunicipalitiesService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Notifies the supervisors of each agency (inside the caller's transaction). An agency with
   * no supervisor: the intake agency's supervisors instead — except on a restricted case,
   * whose existence must not reach another agency: then the agency's own staff (its queue).
   */
  notifySupervisors(agencyIds: string[], n: Omit<NewNotification, 'recipientUserId' | 'recipientAgencyId'>, opts: { restricted?: boolean } = {}): Promise<void> {
    return this.notifySupervisorsMany([{ agencyIds, notification: n, restricted: opts.restricted }]);
  }

  /** The same for several acts at once (the worker's batches): one read of the supervisors, one insert. */
  async notifySupervisorsMany(items: Array<{ agencyIds: string[]; notification: Omit<NewNotification, 'recipientUserId' | 'recipientAgencyId'>; restricted?: boolean }>): Promise<void> {
    if (!items.length) return;
    const intake = (await this.municipalities.settings()).intakeAgencyId;
    const agencies = new Set(items.flatMap((i) => i.agencyIds));
    if (intake) agencies.add(intake);
    const supervisors = await this.repo.supervisorsOf([...agencies]);
    const supervisorsOf = (agencyId: string) => supervisors.filter((s) => s.agencyId === agencyId);
    const out: NewNotification[] = [];
    for (const { agencyIds, notification: n, restricted } of items) {
      const seen = new Set<string>();
      const add = (o: NewNotification) => {
        const key = `${o.recipientUserId ?? ''}/${o.recipientAgencyId ?? ''}`;
        if (seen.has(key)) return;
        seen.add(key);
        out.push(o);
      };
      for (const agencyId of new Set(agencyIds)) {
        const own = supervisorsOf(agencyId);
        if (own.length) {
          own.forEach((s) => add({ ...n, recipientUserId: s.id }));
        } else if (!restricted && intake && intake !== agencyId) {
          const fallback = supervisorsOf(intake);
          if (fallback.length) fallback.forEach((s) => add({ ...n, recipientUserId: s.id }));
          else add({ ...n, recipientAgencyId: intake });
        } else {
          add({ ...n, recipientAgencyId: agencyId });
        }
      }
    }
    await this.repo.insertMany(out);
  }

  notifyAgency(agencyId: string, n: Omit<NewNotification, 'recipientUserId' | 'recipientAgencyId'>): Promise<void> {
    return this.repo.insertMany([{ ...n, recipientAgencyId: agencyId }]);
  }

  notifyUser(userId: string, n: Omit<NewNotification, 'recipientUserId' | 'recipientAgencyId'>): Promise<void> {
    return this.repo.insertMany([{ ...n, recipientUserId: userId }]);
  }

  /**
   * Sends the municipality's pending notifications through a channel (the worker calls this
   * per municipality, in its transaction). A notification whose sending failed stays pending
   * for the next pass. Returns how many were sent.
   */
  async dispatch(channel: NotificationChannel, limit = 100): Promise<number> {
    const pending = await this.repo.pendingEmails(limit);
    const sent: string[] = [];
    for (const n of pending) {
      try {
        await channel.send({ to: n.email, subject: `[tsunagi] ${n.title}`, text: emailBody(n.title) });
        sent.push(n.id);
      } catch {
        break; // the server is down or refusing: try again next pass
      }
    }
    await this.repo.markEmailed(sent);
    return sent.length;
  }

  list(actor: Actor, query: { unread?: boolean; limit?: number; cursor?: string }): Promise<Page<NotificationView>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const cursor = decodeCursor(query.cursor, 2);
    return this.db.transaction(async () => {
      const rows = await this.repo.list(actor.userId, actor.agencyId, !!query.unread, limit, cursor ? { createdAt: String(cursor[0]), id: String(cursor[1]) } : undefined);
      const hasMore = rows.length > limit;
      const items: NotificationView[] = (hasMore ? rows.slice(0, limit) : rows).map((r: NotificationView & { createdAt: Date; readAt: Date | null }) => ({
        id: r.id,
        kind: r.kind,
        title: r.title,
        caseId: r.caseId,
        entityType: r.entityType,
        entityId: r.entityId,
        createdAt: new Date(r.createdAt).toISOString(),
        readAt: r.readAt ? new Date(r.readAt).toISOString() : null,
      }));
      return { items, nextCursor: hasMore ? encodeCursor([items[items.length - 1].createdAt, items[items.length - 1].id]) : null };
    });
  }

  async markRead(actor: Actor, id: string): Promise<void> {
    await this.db.transaction(async () => {
      if (!(await this.repo.markRead(id, actor.userId, actor.agencyId))) throw notFound('notification');
      await this.audit.record({ action: 'notification.read', entityType: 'notification', entityId: id });
    });
  }
}
