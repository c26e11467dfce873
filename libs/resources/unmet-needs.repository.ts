import { Injectable } from '@nestjs/common';
import { Db } from '@tsunagi/database';
import type { Concern } from '@tsunagi/vocabularies';

export interface UnmetNeedRow {
  id: string;
  caseId: string;
  concern: Concern;
  district: string | null;
  description: string;
  recordedOn: string;
  agencyId: string | null;
  createdById: string;
  createdAt: Date;
}

const COLUMNS = `id, case_id AS "caseId", concern, district, description, to_char(recorded_on, 'YYYY-MM-DD') AS "recordedOn",
  agency_id AS "agencyId", created_by_id AS "createdById", created_at AS "createdAt"`;

@Injectable()
export class UnmetNeedsRepository {
  constructor(private readonly db: Db) {}

  async insert(n: { id: string; caseId: string; concern: string; district: string | null; description: string; recordedOn: string; agencyId: string | null; createdById: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO unmet_needs (municipality_id, id, case_id, concern, district, description, recorded_on, agency_id, created_by_id)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4, $5, $6::date, $7, $8)`,
      [n.id, n.caseId, n.concern, n.district, n.description, n.recordedOn, n.agencyId, n.createdById],
    );
  }

  async findById(id: string): Promise<UnmetNeedRow | null> {
    return (await this.db.query<UnmetNeedRow>(`SELECT ${COLUMNS} FROM unmet_needs WHERE id = $1`, [id]))[0] ?? null;
  }

  /** Counts by district × concern of the needs recorded in [from, to]: no case content. */
  async countByDistrictAndConcern(from: string, to: string): Promise<Array<{ district: string | null; concern: Concern; count: number }>> {
    return this.db.query(
      `SELECT district, concern, count(*)::int AS count FROM unmet_needs
       WHERE municipality_id = current_setting('app.municipality_id')::uuid AND recorded_on BETWEEN $1::date AND $2::date
       GROUP BY district, concern`,
      [from, to],
    );
  }
}
