import { Injectable } from '@nestjs/common';
import { addDaysToDate, isValidDateString } from '@tsunagi/calendar';
import { AuditService } from '@tsunagi/audit';
import { Actor, badRequest, decodeCursor, DEFAULT_LIMIT, encodeCursor, Page } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { CalendarService } from '@tsunagi/municipalities';
import { HandoffDto, HandoffQueryDto } from './dto/handoff.dto';
import { HandoffsRepository } from './handoffs.repository';

const tokyoMidnight = (date: string) => new Date(`${date}T00:00:00+09:00`);

/** The supervisors' board: every hand-off with its times, where they stall, longest waiting first. */
@Injectable()
export class HandoffsService {
  constructor(
    private readonly db: Db,
    private readonly repo: HandoffsRepository,
    private readonly calendars: CalendarService,
    private readonly audit: AuditService,
  ) {}

  list(actor: Actor, query: HandoffQueryDto): Promise<Page<HandoffDto>> {
    for (const field of ['from', 'to'] as const) {
      if (query[field] && !isValidDateString(query[field]!)) throw badRequest('INVALID_DATE', `${field} is not a date`, field);
    }
    const limit = query.limit ?? DEFAULT_LIMIT;
    const cursor = decodeCursor(query.cursor, 3);
    return this.db.transaction(async () => {
      const { calendar } = await this.calendars.current();
      const rows = await this.repo.list({
        agencyId: actor.agencyId,
        status: query.status,
        overdue: query.overdue,
        fromAgencyId: query.fromAgencyId,
        toAgencyId: query.toAgencyId,
        from: query.from ? tokyoMidnight(query.from) : undefined,
        to: query.to ? tokyoMidnight(addDaysToDate(query.to, 1)) : undefined,
        limit,
        after: cursor ? { rank: Number(cursor[0]), createdAt: String(cursor[1]), id: String(cursor[2]) } : undefined,
      });
      const hasMore = rows.length > limit;
      const page = hasMore ? rows.slice(0, limit) : rows;
      const now = new Date();
      const items: HandoffDto[] = page.map((r) => ({
        referralId: r.referralId,
        caseId: r.caseId,
        caseNumber: r.caseNumber,
        fromAgency: { id: r.fromId, name: r.fromName, kind: r.fromKind },
        toAgency: { id: r.toId, name: r.toName, kind: r.toKind },
        kind: r.kind,
        basis: r.basis,
        status: r.status,
        createdAt: new Date(r.createdAt).toISOString(),
        answeredAt: r.answeredAt ? new Date(r.answeredAt).toISOString() : null,
        firstContactAt: r.firstContactAt ? new Date(r.firstContactAt).toISOString() : null,
        respondBy: new Date(r.respondBy).toISOString(),
        overdue: r.status === 'pending' && new Date(r.respondBy).getTime() < now.getTime(),
        businessDaysWaiting: calendar.businessDaysBetween(new Date(r.createdAt), r.answeredAt ? new Date(r.answeredAt) : now),
        declineReason: r.declineReason,
        nextToAgency: r.nextId ? { id: r.nextId, name: r.nextName!, kind: r.nextKind! } : null,
      }));
      await this.audit.record({ action: 'handoff.listed', entityType: 'referral', detail: { count: items.length } });
      const last = page[page.length - 1];
      return { items, nextCursor: hasMore && last ? encodeCursor([Number(last.pendingRank), new Date(last.createdAt).toISOString(), last.referralId]) : null };
    });
  }
}
