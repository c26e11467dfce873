import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface VerifyResult {
  valid: boolean;
  eventsChecked: number;
  firstInvalidEventId: string | null;
  reason?: string;
}

/**
 * Verifies the audit trail of one municipality or all of them: the append-only guards are in
 * place (the triggers exist and the application role holds no UPDATE, DELETE or TRUNCATE) and
 * every event is well-formed. The hash chain that detects edits by a superuser is checked
 * here too once it exists.
 */
@Injectable()
export class AuditVerifier {
  constructor(private readonly dataSource: DataSource) {}

  async verify(municipalityCode?: string): Promise<VerifyResult> {
    const guards: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass AND tgname IN ('audit_events_no_update', 'audit_events_no_truncate') AND tgenabled <> 'D'`,
    );
    if (guards[0].n !== 2) return { valid: false, eventsChecked: 0, firstInvalidEventId: null, reason: 'append-only triggers are missing or disabled' };
    const privileges: Array<{ bad: boolean }> = await this.dataSource.query(
      `SELECT has_table_privilege('tsunagi_app', 'audit_events', 'UPDATE') OR has_table_privilege('tsunagi_app', 'audit_events', 'DELETE') OR has_table_privilege('tsunagi_app', 'audit_events', 'TRUNCATE') AS bad`,
    );
    if (privileges[0].bad) return { valid: false, eventsChecked: 0, firstInvalidEventId: null, reason: 'the application role may change audit events' };
    const rows: Array<{ checked: number; first_invalid: string | null }> = await this.dataSource.query(
      `SELECT count(*)::int AS checked,
              (array_agg(e.id ORDER BY e.occurred_at, e.id) FILTER (WHERE e.action = '' OR e.entity_type = '' OR e.occurred_at > now() + interval '5 minutes'))[1] AS first_invalid
       FROM audit_events e JOIN municipalities m ON m.id = e.municipality_id
       WHERE $1::text IS NULL OR m.code = $1`,
      [municipalityCode ?? null],
    );
    const first = rows[0].first_invalid;
    return { valid: !first, eventsChecked: rows[0].checked, firstInvalidEventId: first ?? null };
  }
}
