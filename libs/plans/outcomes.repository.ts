import { Injectable } from '@nestjs/common';
import { Db } from '@tsunagi/database';
import type { OutcomeKind } from '@tsunagi/vocabularies';

export interface OutcomeRow {
  id: string;
  caseId: string;
  memberId: string | null;
  kind: OutcomeKind;
  occurredOn: string;
  note: string | null;
  sourceType: string | null;
  sourceId: string | null;
  createdById: string | null;
  createdAt: Date;
}

const COLUMNS = `id, case_id AS "caseId", member_id AS "memberId", kind, to_char(occurred_on, 'YYYY-MM-DD') AS "occurredOn", note,
  source_type AS "sourceType", source_id AS "sourceId", created_by_id AS "createdById", created_at AS "createdAt"`;

@Injectable()
export class OutcomesRepository {
  constructor(private readonly db: Db) {}

  async insert(o: { id: string; caseId: string; memberId: string | null; kind: string; occurredOn: string; note: string | null; sourceType: string | null; sourceId: string | null; createdById: string | null }): Promise<void> {
    await this.db.query(
      `INSERT INTO outcomes (municipality_id, id, case_id, member_id, kind, occurred_on, note, source_type, source_id, created_by_id)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4, $5::date, $6, $7, $8, $9)`,
      [o.id, o.caseId, o.memberId, o.kind, o.occurredOn, o.note, o.sourceType, o.sourceId, o.createdById],
    );
  }

  async byId(id: string): Promise<OutcomeRow | null> {
    return (await this.db.query<OutcomeRow>(`SELECT ${COLUMNS} FROM outcomes WHERE id = $1`, [id]))[0] ?? null;
  }

  async byCase(caseId: string): Promise<OutcomeRow[]> {
    return this.db.query<OutcomeRow>(`SELECT ${COLUMNS} FROM outcomes WHERE case_id = $1 ORDER BY occurred_on, created_at, id`, [caseId]);
  }
}
