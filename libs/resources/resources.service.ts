import { Injectable, Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AuditService } from '@tsunagi/audit';
import { addMonthsToDate, isValidDateString, tokyoToday } from '@tsunagi/calendar';
import { Actor, badRequest, decodeCursor, DEFAULT_LIMIT, DomainError, encodeCursor, forbidden, hasRole, isUuid, newId, notFound, Page, ruleViolation } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { CalendarService, MunicipalitiesService } from '@tsunagi/municipalities';
import { buildSearchDocument, likePattern, normalizeForSearch, queryGrams } from '@tsunagi/search-text';
import { TasksService } from '@tsunagi/tasks';
import { CreateResourceDto, ResourceDto, ResourceListQueryDto, UpdateResourceDto, VerifyResourceDto } from './dto/resource.dto';
import { ResourceRow, ResourceSearch, ResourcesRepository } from './resources.repository';

/** A resource not verified for this many months is stale (DOMAIN.md rule 11). */
export const STALE_AFTER_MONTHS = 12;
/**
 * A verification task falls due one month after the sweep finds the resource stale, at the
 * closing time of that day (or of the next business day): long enough to reach a volunteer
 * group that meets monthly — most サロン and 子ども食堂 do — and short enough that the
 * directory is corrected before the next monthly round of the 第2層 協議体.
 */
export const VERIFICATION_DUE_MONTHS = 1;
const SOURCE = 'resource';

/** The first day on which a resource verified before it is stale: 12 months before today. */
export function staleBefore(today: string = tokyoToday()): string {
  return addMonthsToDate(today, -STALE_AFTER_MONTHS);
}

/**
 * The community resource directory (社会資源): kept by coordinators and CSWs, searched by every
 * staff member, verified at least once a year (rule 11) — a stale entry gives its keeper
 * agency a `resource_verification` task, once.
 */
@Injectable()
export class ResourcesService {
  private readonly logger = new Logger(ResourcesService.name);

  constructor(
    private readonly db: Db,
    private readonly repo: ResourcesRepository,
    private readonly tasks: TasksService,
    private readonly municipalities: MunicipalitiesService,
    private readonly calendars: CalendarService,
    private readonly audit: AuditService,
  ) {}

  /** Coordinators, CSWs and supervisors record resources; their agency keeps them. */
  async create(actor: Actor, dto: CreateResourceDto): Promise<ResourceDto> {
    const today = tokyoToday();
    const verifiedOn = dto.verifiedOn ?? today;
    checkVerifiedOn(verifiedOn, today);
    if (!actor.agencyId) throw ruleViolation('NO_AGENCY', 'A resource is kept by an agency; your account has none');
    return this.db.transaction(async () => {
      await this.checkDistrict(dto.district);
      const id = newId();
      await this.repo.insert({
        id,
        name: dto.name,
        nameKana: dto.nameKana ?? null,
        kind: dto.kind,
        district: dto.district ?? null,
        address: dto.address ?? null,
        description: dto.description ?? null,
        contact: dto.contact ?? null,
        schedule: dto.schedule ?? null,
        targets: dto.targets ?? [],
        ageGroups: dto.ageGroups ?? [],
        capacity: dto.capacity ?? null,
        accepting: dto.accepting ?? true,
        public: dto.public ?? false,
        internalNote: dto.internalNote ?? null,
        verifiedOn,
        keeperAgencyId: actor.agencyId!,
        createdById: actor.userId,
        ...searchFields(dto.name, dto.nameKana ?? null, dto.description ?? null),
      });
      await this.audit.record({ action: 'resource.created', entityType: 'resource', entityId: id, changedFields: Object.keys(dto) });
      return view((await this.repo.findById(id))!, today);
    });
  }

  async get(id: string): Promise<ResourceDto> {
    return this.db.transaction(async () => {
      const row = await this.repo.findById(id);
      if (!row) throw notFound('resource');
      return view(row);
    });
  }

  /**
   * The directory for staff: filters, text in kanji or kana, stale or not, in keyset pages —
   * in reading order, or newest first when searching by text (as case search does; the text
   * index cannot give reading order cheaply, see the migration).
   */
  async list(query: ResourceListQueryDto): Promise<Page<ResourceDto>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const text = textFilter(query.q);
    const byText = !!text.grams;
    const cursor = decodeCursor(query.cursor, 2);
    // A text cursor is [0, id], a directory cursor [sortKey, id]: one of the other kind is refused.
    if (cursor && ((typeof cursor[0] === 'number') !== byText || !isUuid(cursor[1]))) throw badRequest('INVALID_CURSOR', 'cursor is not valid for this query', 'cursor');
    const today = tokyoToday();
    const rows = await this.db.transaction(() =>
      this.repo.search({
        ...text,
        kind: query.kind,
        district: query.district,
        concern: query.concern,
        accepting: query.accepting,
        public: query.public,
        stale: query.stale,
        staleBefore: staleBefore(today),
        limit: limit + 1,
        after: cursor ? { sortKey: byText ? null : String(cursor[0]), id: String(cursor[1]) } : undefined,
      }),
    );
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return { items: page.map((r) => view(r, today)), nextCursor: hasMore && last ? encodeCursor([byText ? 0 : last.sortKey, last.id]) : null };
  }

  /** The keeper agency or a supervisor edits a resource, with If-Match. */
  async update(actor: Actor, id: string, expectedVersion: number, dto: UpdateResourceDto): Promise<ResourceDto> {
    const changed = Object.keys(dto).filter((k) => (dto as Record<string, unknown>)[k] !== undefined);
    return this.db.transaction(async () => {
      const row = await this.keeperOnly(actor, id);
      if (row.version !== expectedVersion) throw versionMismatch(row.version);
      if (!changed.length) return view(row);
      const set: Record<string, unknown> = {};
      for (const field of changed) set[field] = (dto as Record<string, unknown>)[field];
      if (dto.district !== undefined && dto.district !== null) await this.checkDistrict(dto.district);
      if (dto.keeperAgencyId !== undefined && !(await this.repo.agencyExists(dto.keeperAgencyId))) {
        throw ruleViolation('UNKNOWN_AGENCY', 'keeperAgencyId is not an agency of this municipality', 'keeperAgencyId');
      }
      if (dto.name !== undefined || dto.nameKana !== undefined || dto.description !== undefined) {
        Object.assign(set, searchFields(dto.name ?? row.name, dto.nameKana !== undefined ? dto.nameKana : row.nameKana, dto.description !== undefined ? dto.description : row.description));
      }
      if (changed.length && !(await this.repo.update(id, expectedVersion, set))) throw versionMismatch();
      await this.audit.record({ action: 'resource.updated', entityType: 'resource', entityId: id, changedFields: changed });
      return view((await this.repo.findById(id))!);
    });
  }

  /** Verification resets the clock (verifiedOn = today) and completes the open verification task. */
  async verify(actor: Actor, id: string, dto: VerifyResourceDto): Promise<ResourceDto> {
    const today = tokyoToday();
    return this.db.transaction(async () => {
      const row = await this.keeperOnly(actor, id, true);
      await this.repo.markVerified(id, today);
      const completed = await this.tasks.closeBySource(SOURCE, id, ['resource_verification'], 'done', dto.note ?? '確認済み');
      await this.audit.record({ action: 'resource.verified', entityType: 'resource', entityId: id, changedFields: ['verifiedOn'], detail: { previousVerifiedOn: row.verifiedOn, tasksCompleted: completed } });
      return view((await this.repo.findById(id))!, today);
    });
  }

  /**
   * The worker's sweep: every stale resource whose keeper has no open verification task gets
   * one, each in its own municipality's transaction. `now` is injectable for tests. Returns
   * how many stale resources it looked at (a full batch means more may be waiting).
   */
  async sweepStale(now = new Date(), batch = 200): Promise<{ found: number; created: number }> {
    const today = tokyoToday(now);
    const before = staleBefore(today);
    const stale = await this.repo.staleWithoutVerification(before, batch);
    let created = 0;
    for (const { municipalityId, id } of stale) {
      try {
        if (await this.db.forMunicipality(municipalityId, () => this.requestVerification(id, before, today))) created++;
      } catch (error) {
        // Another worker made it first: the unique index refused the second. Anything else
        // is retried by the next sweep.
        if (!isUniqueViolation(error)) this.logger.warn({ err: (error as Error).message }, 'resource verification task not created; the next sweep retries');
      }
    }
    return { found: stale.length, created };
  }

  /** One verification task for a stale resource, unless the world moved on (verified, or a task exists). */
  private async requestVerification(id: string, before: string, today: string): Promise<boolean> {
    const row = await this.repo.findById(id, true);
    if (!row || row.verifiedOn >= before) return false;
    if (await this.repo.openVerificationTask(id)) return false;
    const { calendar } = await this.calendars.current();
    await this.tasks.createSystem({
      kind: 'resource_verification',
      title: `社会資源情報の確認: ${row.name}（最終確認 ${row.verifiedOn}）`,
      caseId: null,
      dueAt: calendar.dueAtForDate(addMonthsToDate(today, VERIFICATION_DUE_MONTHS)),
      assigneeAgencyId: row.keeperAgencyId,
      sourceType: SOURCE,
      sourceId: id,
    });
    return true;
  }

  /** The keeper agency's staff, or a supervisor; other staff 403, an unknown resource 404. */
  private async keeperOnly(actor: Actor, id: string, lock = false): Promise<ResourceRow> {
    const row = await this.repo.findById(id, lock);
    if (!row) throw notFound('resource');
    if (row.keeperAgencyId !== actor.agencyId && !hasRole(actor, 'supervisor')) throw forbidden('Only the keeper agency or a supervisor may change this resource');
    return row;
  }

  private async checkDistrict(district: string | null | undefined): Promise<void> {
    if (district === undefined || district === null) return;
    const { districts } = await this.municipalities.settings();
    if (districts && !districts.some((d) => d.code === district)) {
      throw badRequest('UNKNOWN_DISTRICT', `district must be one of ${districts.map((d) => d.code).join(', ')}`, 'district');
    }
  }
}

/** Text query → the gram and LIKE filters of a search; nothing when it normalises to ''. */
export function textFilter(q: string | undefined): Pick<ResourceSearch, 'grams' | 'like'> {
  const normalized = q ? normalizeForSearch(q) : '';
  return normalized ? { grams: queryGrams(normalized), like: likePattern(normalized) } : {};
}

/** The search document and directory order of a resource (also what the bench seeds). */
export function searchFields(name: string, nameKana: string | null, description: string | null) {
  const doc = buildSearchDocument([name, nameKana, description]);
  return { searchText: doc.text, searchGrams: doc.grams, sortKey: normalizeForSearch(nameKana ?? '') || normalizeForSearch(name) || name };
}

function checkVerifiedOn(date: string, today: string): void {
  if (!isValidDateString(date)) throw badRequest('INVALID_DATE', 'verifiedOn is not a date', 'verifiedOn');
  if (date > today) throw badRequest('DATE_IN_FUTURE', 'verifiedOn must not be in the future', 'verifiedOn');
}

function versionMismatch(current?: number) {
  return new DomainError('precondition_failed', 'VERSION_MISMATCH', 'The resource has changed since you read it; reload it and try again', undefined, current ? { currentVersion: current } : undefined);
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string } | undefined)?.code === '23505';
}

export function view(r: ResourceRow, today: string = tokyoToday()): ResourceDto {
  return {
    id: r.id,
    name: r.name,
    nameKana: r.nameKana,
    kind: r.kind,
    district: r.district,
    address: r.address,
    description: r.description,
    contact: r.contact,
    schedule: r.schedule,
    targets: r.targets,
    ageGroups: r.ageGroups,
    capacity: r.capacity,
    accepting: r.accepting,
    public: r.public,
    internalNote: r.internalNote,
    verifiedOn: r.verifiedOn,
    stale: r.verifiedOn < staleBefore(today),
    keeperAgencyId: r.keeperAgencyId,
    version: r.version,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}
