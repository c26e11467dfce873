import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { CTX_MUNICIPALITY } from '@tsunagi/common';
import { Municipality, MunicipalitiesService } from '@tsunagi/municipalities';
import { User } from './users.repository';
import { UsersService } from './users.service';

/**
 * Administrative provisioning outside any HTTP request: a new municipality with its first
 * administrator (CLI `municipality:create`, the demo seed, test fixtures).
 */
@Injectable()
export class ProvisioningService {
  constructor(
    private readonly cls: ClsService,
    private readonly municipalities: MunicipalitiesService,
    private readonly users: UsersService,
  ) {}

  async createMunicipality(input: { code: string; name: string; adminUsername: string; adminPassword: string }): Promise<{ municipality: Municipality; admin: User }> {
    const municipality = await this.municipalities.create({ code: input.code, name: input.name });
    const admin = await this.asMunicipality(municipality.id, () =>
      this.users.create({ username: input.adminUsername, displayName: 'システム管理者 (Administrator)', roles: ['admin'], password: input.adminPassword }),
    );
    return { municipality, admin };
  }

  /** Runs `fn` in a fresh request context acting for the municipality (no signed-in user). */
  asMunicipality<T>(municipalityId: string, fn: () => Promise<T>): Promise<T> {
    return this.cls.run({ ifNested: 'override' }, () => {
      this.cls.set(CTX_MUNICIPALITY, municipalityId);
      return fn();
    });
  }
}
