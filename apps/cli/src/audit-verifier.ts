import { DataSource } from 'typeorm';
import { sealBacklog, verifyChain, VerifyResult } from '@tsunagi/audit';

export type { VerifyResult };

/**
 * Verifies the audit trail from an administrative connection: the append-only guards are in
 * place (triggers enabled, no UPDATE / DELETE / TRUNCATE for the application role), then
 * each municipality's final events are sealed and its whole hash chain is walked.
 */
export class AuditVerifier {
  constructor(private readonly dataSource: DataSource) {}

  async verify(municipalityCode?: string): Promise<VerifyResult> {
    const guards: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_trigger
       WHERE tgname IN ('audit_events_no_update', 'audit_events_no_truncate', 'audit_chain_no_update', 'audit_chain_no_truncate')
         AND tgrelid IN ('audit_events'::regclass, 'audit_chain'::regclass) AND tgenabled <> 'D'`,
    );
    if (guards[0].n !== 4) return { valid: false, eventsChecked: 0, firstInvalidEventId: null, reason: 'append-only triggers are missing or disabled' };
    const privileges: Array<{ bad: boolean }> = await this.dataSource.query(
      `SELECT bool_or(has_table_privilege('tsunagi_app', t, p)) AS bad
       FROM unnest(ARRAY['audit_events', 'audit_chain']) t, unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) p`,
    );
    if (privileges[0].bad) return { valid: false, eventsChecked: 0, firstInvalidEventId: null, reason: 'the application role may change audit events' };
    const municipalities: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM municipalities WHERE $1::text IS NULL OR code = $1 ORDER BY id`, [municipalityCode ?? null]);
    if (municipalityCode && !municipalities.length) throw new Error(`no municipality ${municipalityCode}`);
    let checked = 0;
    for (const { id } of municipalities) {
      await this.dataSource.transaction((em) => sealBacklog((sql, params) => em.query(sql, params), id));
      const result = await verifyChain((sql, params) => this.dataSource.query(sql, params), id);
      checked += result.eventsChecked;
      if (!result.valid) return { ...result, eventsChecked: checked };
    }
    return { valid: true, eventsChecked: checked, firstInvalidEventId: null };
  }
}
