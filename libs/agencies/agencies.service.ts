import { Injectable } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { conflict, DEFAULT_LIMIT, newId, notFound, Page, toPage } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { AgenciesRepository, Agency } from './agencies.repository';
import { AgencyListQueryDto, CreateAgencyDto } from './dto/agency.dto';

@Injectable()
export class AgenciesService {
  constructor(
    private readonly db: Db,
    private readonly repo: AgenciesRepository,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateAgencyDto): Promise<Agency> {
    return this.db.transaction(async () => {
      const agency = await this.repo.insert({ id: newId(), code: dto.code, name: dto.name, kind: dto.kind, area: dto.area ?? null });
      if (!agency) throw conflict('AGENCY_CODE_TAKEN', `an agency with code ${dto.code} exists`);
      await this.audit.record({ action: 'agency.created', entityType: 'agency', entityId: agency.id, changedFields: Object.keys(dto) });
      return agency;
    });
  }

  list(query: AgencyListQueryDto): Promise<Page<Agency>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    return this.db.transaction(async () => toPage(await this.repo.list({ ...query, limit }), limit, (a) => [a.code]));
  }

  async get(id: string): Promise<Agency> {
    const agency = await this.db.transaction(() => this.repo.findById(id));
    if (!agency) throw notFound('agency');
    return agency;
  }

  /** The agencies of this municipality among `ids` (inside the caller's transaction). */
  findByIds(ids: string[]): Promise<Agency[]> {
    return this.repo.findByIds(ids);
  }
}
