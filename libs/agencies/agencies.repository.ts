import { Injectable } from '@nestjs/common';
import { decodeCursor } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import type { AgencyKind } from '@tsunagi/vocabularies';

export interface Agency {
  id: string;
  code: string;
  name: string;
  kind: AgencyKind;
  area: string | null;
  createdAt: string;
}

const COLUMNS = `id, code, name, kind, area, created_at AS "createdAt"`;

@Injectable()
export class AgenciesRepository {
  constructor(private readonly db: Db) {}

  async insert(a: Omit<Agency, 'createdAt'>): Promise<Agency | null> {
    const rows = await this.db.query(
      `INSERT INTO agencies (municipality_id, id, code, name, kind, area)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4, $5)
       ON CONFLICT (municipality_id, code) DO NOTHING
       RETURNING ${COLUMNS}`,
      [a.id, a.code, a.name, a.kind, a.area],
    );
    return rows[0] ? serialize(rows[0]) : null;
  }

  async findById(id: string): Promise<Agency | null> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM agencies WHERE id = $1`, [id]);
    return rows[0] ? serialize(rows[0]) : null;
  }

  async findByIds(ids: string[]): Promise<Agency[]> {
    if (!ids.length) return [];
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM agencies WHERE id = ANY($1::uuid[])`, [ids]);
    return rows.map(serialize);
  }

  /** Ordered by code; keyset on (code). */
  async list(filter: { kind?: string; limit: number; cursor?: string }): Promise<Agency[]> {
    const after = decodeCursor(filter.cursor, 1);
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM agencies
       WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR code > $2)
       ORDER BY code LIMIT $3`,
      [filter.kind ?? null, after ? String(after[0]) : null, filter.limit + 1],
    );
    return rows.map(serialize);
  }
}

function serialize(row: Agency & { createdAt: Date | string }): Agency {
  return { ...row, createdAt: new Date(row.createdAt).toISOString() };
}
