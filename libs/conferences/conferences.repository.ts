import { Injectable } from '@nestjs/common';
import { Db } from '@tsunagi/database';

const COLUMNS = `id, case_id AS "caseId", type, held_at AS "heldAt", participant_agency_ids AS "participantAgencyIds", summary, decisions,
  created_by_id AS "createdById", created_at AS "createdAt",
  COALESCE((SELECT array_agg(t.id ORDER BY t.created_at) FROM tasks t WHERE t.municipality_id = conferences.municipality_id AND t.source_type = 'conference' AND t.source_id = conferences.id), '{}') AS "taskIds"`;

@Injectable()
export class ConferencesRepository {
  constructor(private readonly db: Db) {}

  async insert(c: { id: string; caseId: string; type: string; heldAt: Date; participantAgencyIds: string[]; summary: string; decisions: string | null; createdById: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO conferences (municipality_id, id, case_id, type, held_at, participant_agency_ids, summary, decisions, created_by_id)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4, $5, $6, $7, $8)`,
      [c.id, c.caseId, c.type, c.heldAt, c.participantAgencyIds, c.summary, c.decisions, c.createdById],
    );
  }

  async byCase(caseId: string) {
    return this.db.query(`SELECT ${COLUMNS} FROM conferences WHERE case_id = $1 ORDER BY held_at, id`, [caseId]);
  }

  async byId(id: string) {
    return (await this.db.query(`SELECT ${COLUMNS} FROM conferences WHERE id = $1`, [id]))[0] ?? null;
  }

  /** A recorded 支援会議 on the case in which the agency took part (rule 6, basis support_meeting). */
  async supportMeetingWith(caseId: string, agencyId: string): Promise<boolean> {
    const rows = await this.db.query(`SELECT 1 FROM conferences WHERE case_id = $1 AND type = 'support_meeting' AND $2 = ANY(participant_agency_ids) LIMIT 1`, [caseId, agencyId]);
    return rows.length > 0;
  }

  async existingAgencies(ids: string[]): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(`SELECT id FROM agencies WHERE id = ANY($1::uuid[])`, [ids]);
    return rows.map((r) => r.id);
  }
}
