import { Injectable } from '@nestjs/common';
import { AgenciesService } from '@tsunagi/agencies';
import { AuditService } from '@tsunagi/audit';
import { isValidDateString } from '@tsunagi/calendar';
import { badRequest, conflict, newId, notFound, ruleViolation } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { UpdateSettingsDto } from './dto/update-settings.dto';
import { Municipality, MunicipalitiesRepository } from './municipalities.repository';
import { MunicipalitySettings } from './municipality-settings';

@Injectable()
export class MunicipalitiesService {
  constructor(
    private readonly db: Db,
    private readonly repo: MunicipalitiesRepository,
    private readonly audit: AuditService,
    private readonly agencies: AgenciesService,
  ) {}

  findByCode(code: string): Promise<Municipality | null> {
    return this.repo.findByCode(code);
  }

  /** Administrative: creates a tenant (CLI `municipality:create`, the demo seed). */
  async create(input: { code: string; name: string }): Promise<Municipality> {
    if (!/^[a-z0-9][a-z0-9-]{1,39}$/.test(input.code)) {
      throw badRequest('INVALID_MUNICIPALITY_CODE', 'code must be 2–40 lower-case letters, digits or -', 'code');
    }
    if (await this.repo.findByCode(input.code)) throw conflict('MUNICIPALITY_EXISTS', `municipality ${input.code} exists`);
    const municipality = { id: newId(), code: input.code, name: input.name };
    await this.db.transaction(async () => {
      await this.repo.insert(municipality);
      await this.audit.record({ action: 'municipality.created', entityType: 'municipality', entityId: municipality.id, municipalityId: municipality.id, actorId: null });
    }, municipality.id);
    return municipality;
  }

  /** The caller's municipality (inside or outside an open transaction). */
  async current(): Promise<Municipality> {
    return this.db.transaction(async () => {
      const current = await this.repo.findCurrent();
      if (!current) throw notFound('municipality');
      return { id: current.id, code: current.code, name: current.name };
    });
  }

  /** Settings of the caller's municipality (inside or outside an open transaction). */
  async settings(): Promise<MunicipalitySettings> {
    return this.db.transaction(async () => {
      const current = await this.repo.findCurrent();
      if (!current) throw notFound('municipality');
      return current.settings;
    });
  }

  async updateSettings(dto: UpdateSettingsDto): Promise<MunicipalitySettings> {
    for (const field of ['extraHolidays', 'extraOpenDays'] as const) {
      const bad = (dto[field] ?? []).find((d) => !isValidDateString(d));
      if (bad) throw badRequest('INVALID_DATE', `${field} contains ${bad}, which is not a date`, field);
    }
    if (dto.districts) {
      const codes = dto.districts.map((d) => d.code);
      if (new Set(codes).size !== codes.length) throw badRequest('DUPLICATE_DISTRICT', 'district codes must be unique', 'districts');
    }
    return this.db.transaction(async () => {
      const current = await this.repo.findCurrent();
      if (!current) throw notFound('municipality');
      const next: MunicipalitySettings = { ...current.settings, ...stripUndefined(dto) };
      if (next.openingTime >= next.closingTime) {
        throw ruleViolation('OPENING_AFTER_CLOSING', 'openingTime must be before closingTime', 'openingTime');
      }
      if (dto.intakeAgencyId) {
        if (!(await this.agencies.findByIds([dto.intakeAgencyId])).length) throw ruleViolation('UNKNOWN_AGENCY', 'intakeAgencyId is not an agency of this municipality', 'intakeAgencyId');
      }
      await this.repo.updateSettings(next);
      await this.audit.record({
        action: 'municipality.settings_updated',
        entityType: 'municipality',
        entityId: current.id,
        changedFields: Object.keys(stripUndefined(dto)),
      });
      return next;
    });
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
