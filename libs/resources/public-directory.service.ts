import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { badRequest, decodeCursor, DEFAULT_LIMIT, DomainError, encodeCursor, isUuid, MAX_LIMIT, notFound } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { MunicipalitiesService } from '@tsunagi/municipalities';
import { RESOURCE_KINDS } from '@tsunagi/vocabularies';
import type { PublicResourceDto, PublicResourcePageDto } from './dto/resource.dto';
import { publicDirectoryCsv } from './public-directory-csv';
import { ResourceRow, ResourcesRepository } from './resources.repository';
import { staleBefore } from './resources.service';

/** The query parameters the public directory knows; every other one is ignored. */
export interface PublicDirectoryQuery {
  municipality: string;
  kind?: string;
  district?: string;
  format: 'json' | 'csv';
  limit: number;
  cursor?: string;
}

export type PublicDirectoryAnswer = { format: 'json'; body: PublicResourcePageDto; code: string } | { format: 'csv'; body: string; code: string };

const CODE = /^[a-z0-9][a-z0-9-]{1,39}$/;
const MAX_CACHE_ENTRIES = 500;
/** A CSV holds the whole public directory of a municipality, up to this many rows. */
const CSV_MAX_ROWS = 10000;
const CSV_PAGE = 1000;

/**
 * The public directory (GET /public/resources): no token, only resources marked public, only
 * directory fields — never the internal note, a case, a participant or a count of them; the
 * SQL reads resources alone. Answers are kept briefly in this process (and by caches on the
 * way, through Cache-Control): a municipality's web page may send every visitor here. When
 * the database fails, an expired answer still in the cache is served rather than an error.
 */
@Injectable()
export class PublicDirectoryService {
  private readonly logger = new Logger(PublicDirectoryService.name);
  private readonly cache = new Map<string, { expiresAt: number; answer: PublicDirectoryAnswer }>();

  constructor(
    private readonly db: Db,
    private readonly repo: ResourcesRepository,
    private readonly municipalities: MunicipalitiesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get cacheSeconds(): number {
    return this.config.publicCacheSeconds;
  }

  /**
   * Reads the parameters it knows from the raw query string object and ignores the rest
   * (a web page's tracking parameters must not break the link). Known ones with bad values
   * are 400; a parameter given twice is 400.
   */
  parse(raw: Record<string, unknown> | null | undefined): PublicDirectoryQuery {
    const query = raw ?? {};
    const one = (name: string): string | undefined => {
      const value = query[name];
      if (value === undefined) return undefined;
      if (typeof value !== 'string') throw badRequest('INVALID_PARAMETER', `${name} must be given once`, name);
      return value;
    };
    const municipality = one('municipality');
    if (municipality === undefined || municipality === '') throw badRequest('MUNICIPALITY_REQUIRED', 'municipality (the municipality code) is required', 'municipality');
    const kind = one('kind') || undefined;
    if (kind !== undefined && !(RESOURCE_KINDS as readonly string[]).includes(kind)) throw badRequest('UNKNOWN_KIND', `kind must be one of ${RESOURCE_KINDS.join(', ')}`, 'kind');
    const district = one('district') || undefined;
    if (district !== undefined && (district.length > 50 || district.includes('\u0000'))) throw badRequest('INVALID_PARAMETER', 'district is a code of at most 50 characters', 'district');
    const format = one('format') || 'json';
    if (format !== 'json' && format !== 'csv') throw badRequest('INVALID_FORMAT', 'format must be json or csv', 'format');
    const rawLimit = one('limit');
    let limit = DEFAULT_LIMIT;
    if (rawLimit !== undefined) {
      if (!/^\d{1,3}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_LIMIT) throw badRequest('INVALID_PARAMETER', `limit must be an integer from 1 to ${MAX_LIMIT}`, 'limit');
      limit = Number(rawLimit);
    }
    const cursor = one('cursor') || undefined;
    if (cursor !== undefined) {
      const [key, id] = decodeCursor(cursor, 2)!;
      if (typeof key !== 'string' || !isUuid(id)) throw badRequest('INVALID_CURSOR', 'cursor is not valid', 'cursor');
    }
    return { municipality, kind, district, format, limit, cursor };
  }

  async directory(q: PublicDirectoryQuery): Promise<PublicDirectoryAnswer> {
    const key = JSON.stringify([q.municipality, q.kind ?? null, q.district ?? null, q.format, q.format === 'csv' ? null : q.limit, q.format === 'csv' ? null : (q.cursor ?? null)]);
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.answer;
    try {
      const answer = await this.read(q);
      this.remember(key, answer);
      return answer;
    } catch (error) {
      if (cached && !(error instanceof DomainError)) {
        this.logger.warn({ err: (error as Error).message }, 'public directory served from an expired cache entry');
        return cached.answer;
      }
      throw error;
    }
  }

  private async read(q: PublicDirectoryQuery): Promise<PublicDirectoryAnswer> {
    // An invalid code cannot exist: the same 404 as an unknown one, without a lookup.
    const municipality = CODE.test(q.municipality) ? await this.municipalities.findByCode(q.municipality) : null;
    if (!municipality) throw notFound('municipality');
    return this.db.forMunicipality(municipality.id, async () => {
      const filter = { public: true, kind: q.kind, district: q.district, staleBefore: staleBefore() };
      if (q.format === 'csv') {
        const rows: ResourceRow[] = [];
        for (let after: { sortKey: string; id: string } | undefined; rows.length < CSV_MAX_ROWS; ) {
          const page = await this.repo.search({ ...filter, limit: CSV_PAGE, after });
          rows.push(...page);
          if (page.length < CSV_PAGE) break;
          after = { sortKey: page[page.length - 1].sortKey, id: page[page.length - 1].id };
        }
        const { districts } = await this.municipalities.settings();
        const names = new Map((districts ?? []).map((d) => [d.code, d.name]));
        return { format: 'csv', code: municipality.code, body: publicDirectoryCsv(rows.slice(0, CSV_MAX_ROWS).map(publicView), names) };
      }
      const cursor = decodeCursor(q.cursor, 2);
      const rows = await this.repo.search({ ...filter, limit: q.limit + 1, after: cursor ? { sortKey: String(cursor[0]), id: String(cursor[1]) } : undefined });
      const hasMore = rows.length > q.limit;
      const page = hasMore ? rows.slice(0, q.limit) : rows;
      const last = page[page.length - 1];
      return { format: 'json', code: municipality.code, body: { items: page.map(publicView), nextCursor: hasMore && last ? encodeCursor([last.sortKey, last.id]) : null } };
    });
  }

  private remember(key: string, answer: PublicDirectoryAnswer): void {
    if (this.config.publicCacheSeconds <= 0) return;
    if (this.cache.size >= MAX_CACHE_ENTRIES) {
      const now = Date.now();
      for (const [k, v] of this.cache) if (v.expiresAt <= now) this.cache.delete(k);
      // Still full: drop the oldest entries (a Map iterates in insertion order).
      for (const k of this.cache.keys()) {
        if (this.cache.size < MAX_CACHE_ENTRIES) break;
        this.cache.delete(k);
      }
    }
    this.cache.delete(key);
    this.cache.set(key, { expiresAt: Date.now() + this.config.publicCacheSeconds * 1000, answer });
  }
}

/** Directory fields only, by name: nothing else of the row can ever leave. */
export function publicView(r: ResourceRow): PublicResourceDto {
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
    accepting: r.accepting,
    verifiedOn: r.verifiedOn,
  };
}
