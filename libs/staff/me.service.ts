import { Injectable } from '@nestjs/common';
import { AgenciesService } from '@tsunagi/agencies';
import { Actor, notFound } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { MunicipalitiesService } from '@tsunagi/municipalities';
import { MeDto } from './dto/user.dto';
import { UsersRepository } from './users.repository';

@Injectable()
export class MeService {
  constructor(
    private readonly db: Db,
    private readonly users: UsersRepository,
    private readonly agencies: AgenciesService,
    private readonly municipalities: MunicipalitiesService,
  ) {}

  describe(actor: Actor): Promise<MeDto> {
    return this.db.transaction(async () => {
      const user = await this.users.findById(actor.userId);
      if (!user) throw notFound('user');
      const [agency] = user.agencyId ? await this.agencies.findByIds([user.agencyId]) : [];
      const municipality = await this.municipalities.current();
      const { passwordHash: _h, tokenVersion: _v, ...rest } = user;
      return {
        ...rest,
        agency: agency ? { id: agency.id, name: agency.name, kind: agency.kind } : null,
        municipality,
      };
    });
  }
}
