import { Injectable } from '@nestjs/common';
import { notFound } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { MunicipalitySettings, withDefaults } from '@tsunagi/municipalities';
import type { CaseStatus, Concern, ConsentStatus, Sex } from '@tsunagi/vocabularies';

export interface CaseRow {
  id: string;
  caseNumber: string;
  fiscalYear: number;
  status: CaseStatus;
  channel: string;
  summary: string;
  receivedAt: Date;
  urgency: string;
  concerns: Concern[];
  primaryConcern: Concern | null;
  referralSource: string | null;
  visitor: Record<string, string> | null;
  interpreterLanguage: string | null;
  consentStatus: ConsentStatus;
  consentObtainedAt: Date | null;
  restricted: boolean;
  householdAddress: string | null;
  householdDistrict: string | null;
  leadAgencyId: string;
  leadWorkerId: string | null;
  intakeAgencyId: string;
  closureReason: string | null;
  closedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface MemberRow {
  id: string;
  position: number;
  name: string | null;
  nameKana: string | null;
  birthDate: string | null;
  sex: Sex | null;
  relationship: string | null;
  isPrimary: boolean;
  phone: string | null;
  notes: string | null;
  consentStatus: ConsentStatus;
  consentObtainedAt: Date | null;
}

export interface InvolvementRow {
  agencyId: string;
  involvement: string;
  since: Date;
}

/** What a case's full view shows besides its row: read with it in one statement. */
export interface CaseDetails {
  members: MemberRow[];
  involvements: InvolvementRow[];
  openReferrals: Array<Record<string, unknown>>;
}

/** How the caller's agency stands to a case (DOMAIN.md rule 8). */
export interface CaseRelation {
  isLead: boolean;
  isInvolved: boolean;
  isReceiving: boolean;
}

const CASE_COLUMNS = `
  c.id, c.case_number AS "caseNumber", c.fiscal_year AS "fiscalYear", c.status, c.channel, c.summary,
  c.received_at AS "receivedAt", c.urgency, c.concerns, c.primary_concern AS "primaryConcern",
  c.referral_source AS "referralSource", c.visitor, c.interpreter_language AS "interpreterLanguage",
  c.consent_status AS "consentStatus", c.consent_obtained_at AS "consentObtainedAt", c.restricted,
  c.household_address AS "householdAddress", c.household_district AS "householdDistrict",
  c.lead_agency_id AS "leadAgencyId", c.lead_worker_id AS "leadWorkerId", c.intake_agency_id AS "intakeAgencyId",
  c.closure_reason AS "closureReason", c.closed_at AS "closedAt", c.version,
  c.created_at AS "createdAt", c.updated_at AS "updatedAt"`;

const MEMBER_COLUMNS = `
  id, position, name, name_kana AS "nameKana", to_char(birth_date, 'YYYY-MM-DD') AS "birthDate", sex, relationship,
  is_primary AS "isPrimary", phone, notes, consent_status AS "consentStatus", consent_obtained_at AS "consentObtainedAt"`;

/** A case number, `2026-000123`, from the fiscal year ($2) and the serial of CTE `n`. */
const CASE_NUMBER = `($2::int)::text || '-' || CASE WHEN n.serial < 1000000 THEN lpad(n.serial::text, 6, '0') ELSE n.serial::text END`;

const INSERT_MEMBERS = `INSERT INTO household_members (municipality_id, id, case_id, position, name, name_kana, birth_date, sex, relationship, is_primary, phone, notes, consent_status, consent_obtained_at)`;

/**
 * Whether the caller's agency ($2) may see the case `c` (rule 8): lead, involved, receiver of
 * a pending referral — or a supervisor ($3), for every case that is not restricted.
 */
export const VISIBLE_TO_AGENCY = `(
  c.lead_agency_id = $2
  OR EXISTS (SELECT 1 FROM case_agencies ca WHERE ca.municipality_id = c.municipality_id AND ca.case_id = c.id AND ca.agency_id = $2)
  OR EXISTS (SELECT 1 FROM referrals r WHERE r.municipality_id = c.municipality_id AND r.case_id = c.id AND r.to_agency_id = $2 AND r.status = 'pending')
  OR ($3::boolean AND NOT c.restricted))`;

/** The household, involvements and pending referrals of case `c`, as JSON arrays. */
const DETAIL_COLUMNS = `
  (SELECT COALESCE(json_agg(m ORDER BY m.position), '[]') FROM (
     SELECT ${MEMBER_COLUMNS} FROM household_members WHERE municipality_id = c.municipality_id AND case_id = c.id) m) AS members,
  (SELECT COALESCE(json_agg(i ORDER BY i.since), '[]') FROM (
     SELECT agency_id AS "agencyId", involvement, since FROM case_agencies WHERE municipality_id = c.municipality_id AND case_id = c.id) i) AS involvements,
  (SELECT COALESCE(json_agg(r ORDER BY r."createdAt"), '[]') FROM (
     SELECT id, kind, status, from_agency_id AS "fromAgencyId", to_agency_id AS "toAgencyId", basis, respond_by AS "respondBy", created_at AS "createdAt"
     FROM referrals WHERE municipality_id = c.municipality_id AND case_id = c.id AND status = 'pending') r) AS "openReferrals"`;

export interface NewCase {
  id: string;
  fiscalYear: number;
  channel: string;
  summary: string;
  receivedAt: Date;
  urgency: string;
  concerns: string[];
  primaryConcern: string | null;
  referralSource: string | null;
  visitor: object | null;
  interpreterLanguage: string | null;
  consentStatus: string;
  consentObtainedAt: Date | null;
  restricted: boolean;
  householdAddress: string | null;
  householdDistrict: string | null;
  leadAgencyId: string;
  leadWorkerId: string | null;
  openedById: string | null;
  searchText: string;
  searchGrams: string[];
}

export interface NewMember extends Omit<MemberRow, 'consentObtainedAt'> {
  consentObtainedAt: Date | null;
}

@Injectable()
export class CasesRepository {
  constructor(private readonly db: Db) {}

  /** The municipality's settings, with their defaults. */
  async settings(): Promise<MunicipalitySettings> {
    const [row] = await this.db.query<{ settings: Partial<MunicipalitySettings> | null }>(
      `SELECT m.settings FROM municipalities m WHERE m.id = current_setting('app.municipality_id')::uuid`,
    );
    if (!row) throw notFound('municipality');
    return withDefaults(row.settings);
  }

  /**
   * An intake in one statement: the next case number of the fiscal year (a sequence: a
   * rolled-back intake leaves a gap, never a duplicate), the case, its household (the members'
   * foreign key to the case is checked at the end of the statement, when the case is there)
   * and the act's deferred writes (`Db.queryCarrying`: its timeline entry and audit event).
   * Answers the case and its members as stored, the members in order, and the municipality's
   * settings read with the number, for the checks that depend on them (a failed check rolls
   * the whole intake back).
   */
  async insert(c: NewCase, members: NewMember[]): Promise<{ row: CaseRow; members: MemberRow[]; settings: MunicipalitySettings }> {
    const values: unknown[] = [c.id, c.fiscalYear, c.channel, c.summary, c.receivedAt, c.urgency, c.concerns, c.primaryConcern, c.referralSource,
      c.visitor, c.interpreterLanguage, c.consentStatus, c.consentObtainedAt, c.restricted, c.householdAddress, c.householdDistrict,
      c.leadAgencyId, c.leadWorkerId, c.openedById, c.searchText, c.searchGrams];
    const parts = [
      `n AS (SELECT next_case_number(m.id, $2::int) AS serial, m.settings FROM municipalities m WHERE m.id = current_setting('app.municipality_id')::uuid)`,
      `c AS (INSERT INTO cases AS c (municipality_id, id, case_number, fiscal_year, channel, summary, received_at, urgency, concerns, primary_concern,
         referral_source, visitor, interpreter_language, consent_status, consent_obtained_at, restricted, household_address,
         household_district, lead_agency_id, lead_worker_id, intake_agency_id, opened_by_id, search_text, search_grams)
       VALUES (current_setting('app.municipality_id')::uuid, $1, (SELECT ${CASE_NUMBER} FROM n), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
         $16, $17, $18, $17, $19, $20, $21)
       RETURNING ${CASE_COLUMNS})`,
    ];
    if (members.length) parts.push(`m AS (${INSERT_MEMBERS} VALUES ${memberTuples(values, '$1', members)} RETURNING ${MEMBER_COLUMNS})`);
    const [stored] = await this.db.queryCarrying<CaseRow & { members: MemberRow[] | null; settings: Partial<MunicipalitySettings> | null }>(
      `WITH ${parts.join(',\n')}
       SELECT c.*, ${members.length ? '(SELECT json_agg(m ORDER BY m.position) FROM m)' : 'NULL::json'} AS members, (SELECT settings FROM n) AS settings FROM c`,
      values,
    );
    if (!stored) throw notFound('municipality');
    const { members: rows, settings, ...row } = stored;
    return { row, members: rows ?? [], settings: withDefaults(settings) };
  }

  /** One multi-row insert for the whole household; answers the members as stored, in order. */
  async insertMembers(caseId: string, members: NewMember[]): Promise<MemberRow[]> {
    if (!members.length) return [];
    const values: unknown[] = [caseId];
    const rows = await this.db.query<MemberRow>(
      `${INSERT_MEMBERS}
       VALUES ${memberTuples(values, '$1', members)}
       RETURNING ${MEMBER_COLUMNS}`,
      values,
    );
    return rows.sort((x, y) => x.position - y.position);
  }

  async updateMember(caseId: string, m: NewMember): Promise<void> {
    await this.db.query(
      `UPDATE household_members SET position = $3, name = $4, name_kana = $5, birth_date = $6::date, sex = $7, relationship = $8,
         is_primary = $9, phone = $10, notes = $11, consent_status = $12, consent_obtained_at = $13
       WHERE case_id = $1 AND id = $2`,
      [caseId, m.id, m.position, m.name, m.nameKana, m.birthDate, m.sex, m.relationship, m.isPrimary, m.phone, m.notes, m.consentStatus, m.consentObtainedAt],
    );
  }

  async deleteMembers(caseId: string, ids: string[]): Promise<void> {
    if (ids.length) await this.db.query(`DELETE FROM household_members WHERE case_id = $1 AND id = ANY($2::uuid[])`, [caseId, ids]);
  }

  /** Clears is_primary first, so the one-primary index never sees two during a reorder. */
  async clearPrimary(caseId: string): Promise<void> {
    await this.db.query(`UPDATE household_members SET is_primary = false WHERE case_id = $1 AND is_primary`, [caseId]);
  }

  /**
   * The case and how the caller's agency stands to it; null when it does not exist. With
   * `details`, its household, involved agencies and pending referrals come in the same
   * statement (the full view of GET /cases/{id} in one round trip).
   */
  async findWithRelation(id: string, agencyId: string | null): Promise<(CaseRow & CaseRelation) | null>;
  async findWithRelation(id: string, agencyId: string | null, details: true): Promise<(CaseRow & CaseRelation & CaseDetails) | null>;
  async findWithRelation(id: string, agencyId: string | null, details = false): Promise<(CaseRow & CaseRelation & Partial<CaseDetails>) | null> {
    const rows = await this.db.query(
      `SELECT ${CASE_COLUMNS},
         (c.lead_agency_id = $2) AS "isLead",
         EXISTS (SELECT 1 FROM case_agencies ca WHERE ca.municipality_id = c.municipality_id AND ca.case_id = c.id AND ca.agency_id = $2) AS "isInvolved",
         EXISTS (SELECT 1 FROM referrals r WHERE r.municipality_id = c.municipality_id AND r.case_id = c.id AND r.to_agency_id = $2 AND r.status = 'pending') AS "isReceiving"
         ${details ? `, ${DETAIL_COLUMNS}` : ''}
       FROM cases c WHERE c.id = $1`,
      [id, agencyId],
    );
    return rows[0] ?? null;
  }

  /** Locks the case row for the rest of the transaction (status changes, referrals). */
  async lock(id: string): Promise<void> {
    await this.db.query(`SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`, [id]);
  }

  async members(caseId: string): Promise<MemberRow[]> {
    return this.db.query(`SELECT ${MEMBER_COLUMNS} FROM household_members WHERE case_id = $1 ORDER BY position`, [caseId]);
  }

  async involvements(caseId: string): Promise<InvolvementRow[]> {
    return this.db.query(`SELECT agency_id AS "agencyId", involvement, since FROM case_agencies WHERE case_id = $1 ORDER BY since`, [caseId]);
  }

  /**
   * Conditional update: applies only when the version is still `expectedVersion`, and bumps
   * it. Returns false when someone changed the case in between.
   */
  async update(id: string, expectedVersion: number, set: Record<string, unknown>): Promise<boolean> {
    const columns = Object.keys(set);
    const assignments = columns.map((column, i) => `${column} = $${i + 3}`);
    const { affected } = await this.db.execute(
      `UPDATE cases SET ${[...assignments, 'version = version + 1', 'updated_at = now()'].join(', ')} WHERE id = $1 AND version = $2`,
      [id, expectedVersion, ...columns.map((c) => set[c])],
    );
    return affected === 1;
  }

  async list(filter: {
    agencyId: string | null;
    supervisor: boolean;
    status?: string;
    concern?: string;
    leadAgencyId?: string;
    grams?: string[];
    like?: string;
    limit: number;
    after?: { createdAt: string; id: string };
  }): Promise<Array<CaseRow & { primaryName: string | null }>> {
    // A name search takes its page of ids from search_case_ids (indexed, see its migration) and
    // joins them back through the primary key; the conditions below then hold again under RLS.
    const source = filter.grams
      ? `search_case_ids($7::text[], $8::text, $2::uuid, $3::boolean, $4::text, $5::text, $6::uuid, $1::int, $9::timestamptz, $10::uuid) hit JOIN cases c ON c.municipality_id = current_setting('app.municipality_id')::uuid AND c.id = hit.id`
      : `cases c`;
    const rows = await this.db.query(
      `SELECT ${CASE_COLUMNS},
         (SELECT m.name FROM household_members m WHERE m.municipality_id = c.municipality_id AND m.case_id = c.id AND m.is_primary) AS "primaryName"
       FROM ${source}
       WHERE ${VISIBLE_TO_AGENCY}
         AND ($4::text IS NULL OR c.status = $4)
         AND ($5::text IS NULL OR $5 = ANY(c.concerns))
         AND ($6::uuid IS NULL OR c.lead_agency_id = $6)
         AND ($7::text[] IS NULL OR $8::text IS NOT NULL)
         AND ($9::timestamptz IS NULL OR (c.created_at, c.id) < ($9::timestamptz, $10::uuid))
       ORDER BY c.created_at DESC, c.id DESC
       LIMIT $1`,
      [filter.limit + 1, filter.agencyId, filter.supervisor, filter.status ?? null, filter.concern ?? null, filter.leadAgencyId ?? null,
        filter.grams ?? null, filter.like ?? null, filter.after?.createdAt ?? null, filter.after?.id ?? null],
    );
    return rows;
  }

  /** Members born on this date in open, unrestricted cases, with their case's lead agency. */
  async membersBornOn(birthDate: string): Promise<Array<{ name: string | null; nameKana: string | null; leadAgencyId: string; leadAgencyName: string; openedOn: string; status: string }>> {
    return this.db.query(
      `SELECT m.name, m.name_kana AS "nameKana", c.lead_agency_id AS "leadAgencyId", a.name AS "leadAgencyName",
              to_char(c.received_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD') AS "openedOn", c.status
       FROM household_members m
       JOIN cases c ON c.municipality_id = m.municipality_id AND c.id = m.case_id
       JOIN agencies a ON a.municipality_id = c.municipality_id AND a.id = c.lead_agency_id
       WHERE m.birth_date = $1::date AND c.status <> 'closed' AND NOT c.restricted`,
      [birthDate],
    );
  }

  async insertNote(n: { id: string; caseId: string; kind: string; body: string; occurredAt: Date; authorId: string; authorAgencyId: string | null }): Promise<void> {
    await this.db.query(
      `INSERT INTO case_notes (municipality_id, id, case_id, kind, body, occurred_at, author_id, author_agency_id)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4, $5, $6, $7)`,
      [n.id, n.caseId, n.kind, n.body, n.occurredAt, n.authorId, n.authorAgencyId],
    );
  }

  async notes(caseId: string, limit: number, after?: { occurredAt: string; id: string }) {
    return this.db.query(
      `SELECT id, kind, body, occurred_at AS "occurredAt", author_id AS "authorId", author_agency_id AS "authorAgencyId", created_at AS "createdAt"
       FROM case_notes
       WHERE case_id = $1 AND ($2::timestamptz IS NULL OR (occurred_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY occurred_at DESC, id DESC LIMIT $4`,
      [caseId, after?.occurredAt ?? null, after?.id ?? null, limit + 1],
    );
  }

  async isWorkerOfAgency(userId: string, agencyId: string): Promise<boolean> {
    const rows = await this.db.query(`SELECT 1 FROM users WHERE id = $1 AND agency_id = $2 AND NOT disabled`, [userId, agencyId]);
    return rows.length > 0;
  }

  async setPrimaryConsent(caseId: string, status: string, obtainedAt: Date | null): Promise<void> {
    await this.db.query(`UPDATE household_members SET consent_status = $2, consent_obtained_at = $3 WHERE case_id = $1 AND is_primary`, [caseId, status, obtainedAt]);
  }

  /** Pending referrals shown on the case. */
  async openReferrals(caseId: string): Promise<object[]> {
    return this.db.query(
      `SELECT id, kind, status, from_agency_id AS "fromAgencyId", to_agency_id AS "toAgencyId", basis, respond_by AS "respondBy", created_at AS "createdAt"
       FROM referrals WHERE case_id = $1 AND status = 'pending' ORDER BY created_at`,
      [caseId],
    );
  }

  /**
   * Whether any of these members is on the record elsewhere (they cannot be removed): named by
   * a referral that shared their information, or the person of an outcome or a participation.
   */
  async membersInUse(caseId: string, memberIds: string[]): Promise<boolean> {
    const [{ named }] = await this.db.query<{ named: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM referrals WHERE case_id = $1 AND member_ids && $2::uuid[])
           OR EXISTS (SELECT 1 FROM outcomes WHERE case_id = $1 AND member_id = ANY($2::uuid[]))
           OR EXISTS (SELECT 1 FROM participations WHERE case_id = $1 AND member_id = ANY($2::uuid[])) AS named`,
      [caseId, memberIds],
    );
    return named;
  }

  async hasPendingReferral(caseId: string): Promise<boolean> {
    const rows = await this.db.query(`SELECT 1 FROM referrals WHERE case_id = $1 AND status = 'pending' LIMIT 1`, [caseId]);
    return rows.length > 0;
  }

  async firstAgencyOfKind(kind: string): Promise<string | null> {
    const rows = await this.db.query(`SELECT id FROM agencies WHERE kind = $1 ORDER BY created_at, id LIMIT 1`, [kind]);
    return rows[0]?.id ?? null;
  }
}

/** VALUES tuples of household members for a case given by parameter `caseParam`; appends their values to `values`. */
function memberTuples(values: unknown[], caseParam: string, members: NewMember[]): string {
  return members
    .map((m) => {
      const base = values.length;
      values.push(m.id, m.position, m.name, m.nameKana, m.birthDate, m.sex, m.relationship, m.isPrimary, m.phone, m.notes, m.consentStatus, m.consentObtainedAt);
      const p = (i: number) => `$${base + i}`;
      return `(current_setting('app.municipality_id')::uuid, ${p(1)}, ${caseParam}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}::date, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)})`;
    })
    .join(', ');
}
