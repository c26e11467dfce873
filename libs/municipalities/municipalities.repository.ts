import { Injectable } from '@nestjs/common';
import { Db } from '@tsunagi/database';
import { MunicipalitySettings, withDefaults } from './municipality-settings';

export interface Municipality {
  id: string;
  code: string;
  name: string;
}

@Injectable()
export class MunicipalitiesRepository {
  constructor(private readonly db: Db) {}

  /** Cross-tenant by design: resolves a code for login and the public directory. */
  async findByCode(code: string): Promise<Municipality | null> {
    const rows: Municipality[] = await this.db.dataSource.query('SELECT id, code, name FROM municipality_by_code($1)', [code]);
    return rows[0] ?? null;
  }

  async insert(m: Municipality): Promise<void> {
    await this.db.query('INSERT INTO municipalities (id, code, name) VALUES ($1, $2, $3)', [m.id, m.code, m.name]);
  }

  async findCurrent(): Promise<(Municipality & { settings: MunicipalitySettings }) | null> {
    const rows = await this.db.query(`SELECT id, code, name, settings FROM municipalities WHERE id = current_setting('app.municipality_id')::uuid`);
    return rows[0] ? { ...rows[0], settings: withDefaults(rows[0].settings) } : null;
  }

  async updateSettings(settings: MunicipalitySettings): Promise<void> {
    await this.db.query(
      `UPDATE municipalities SET settings = $1, updated_at = now() WHERE id = current_setting('app.municipality_id')::uuid`,
      [settings],
    );
  }
}
