import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { fiscalYearOf } from '@tsunagi/calendar/fiscal-year';
import { newId } from '@tsunagi/common/ids';
import { buildSearchDocument } from '@tsunagi/search-text';
import { HouseholdGenerator } from './households';
import { round1 } from './proc';

/**
 * Fills one municipality with cases and household members straight through COPY, as a city
 * migrating years of paper records would end up: the same households the intake scenario
 * sends, received over the last year, with `search_text` / `search_grams` computed by the
 * project's own `buildSearchDocument` exactly as CasesService.open does. Runs as the login
 * role (table owner: row-level security does not apply), every row with its municipality_id.
 */

export interface LoadTarget {
  municipalityId: string;
  agencyId: string;
  userId: string;
  members: number;
  /** at least this many cases as well (loading goes on until both targets are reached) */
  cases?: number;
}

export interface LoadResult {
  cases: number;
  members: number;
  seconds: number;
  casesPerSecond: number;
  membersPerSecond: number;
  megabytesSent: number;
  vacuumAnalyzeSeconds: number;
  /** every case and member of the database after the load, the intake scenario's included */
  casesInDatabase: number;
  membersInDatabase: number;
  sizes: Record<string, string>;
}

const CHUNK_CASES = 10_000;
const RESTRICTING = new Set(['domestic_violence', 'abuse']);

const CASE_COPY = `COPY cases (municipality_id, id, case_number, fiscal_year, status, channel, summary, received_at, urgency, concerns,
  primary_concern, referral_source, visitor, interpreter_language, consent_status, consent_obtained_at, restricted, household_address,
  household_district, lead_agency_id, lead_worker_id, intake_agency_id, opened_by_id, search_text, search_grams, created_at, updated_at) FROM STDIN`;
const MEMBER_COPY = `COPY household_members (municipality_id, id, case_id, position, name, name_kana, birth_date, sex, relationship,
  is_primary, phone, consent_status, consent_obtained_at, created_at) FROM STDIN`;

/** A value in COPY's text format. */
export function field(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value !== 'string') return String(value);
  return value.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

/** A text[] literal, every element quoted. */
export function arrayLiteral(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

export async function copy(client: Client, sql: string, text: string): Promise<void> {
  await pipeline(Readable.from([Buffer.from(text)]), client.query(copyFrom(sql)));
}

export async function bulkLoad(dbUrl: string, target: LoadTarget, log: (line: string) => void): Promise<LoadResult> {
  const casesClient = new Client({ connectionString: dbUrl });
  const membersClient = new Client({ connectionString: dbUrl });
  await Promise.all([casesClient.connect(), membersClient.connect()]);
  try {
    for (const c of [casesClient, membersClient]) await c.query(`SET synchronous_commit = off`);
    const generator = new HouseholdGenerator(20261123);
    const now = Date.now();
    const yearMs = 365 * 24 * 3600 * 1000;
    let cases = 0;
    let members = 0;
    let bytes = 0;
    let serial = 0;
    let pendingMembers: Promise<void> = Promise.resolve();
    const t0 = performance.now();
    let lastLog = t0;

    const more = () => members < target.members || cases < (target.cases ?? 0);
    while (more()) {
      let caseText = '';
      let memberText = '';
      for (let i = 0; i < CHUNK_CASES && more(); i++) {
        const receivedMs = now - generator.int(0, yearMs);
        const body = generator.intake(new Date(receivedMs));
        const createdMs = Math.min(now - 1000, receivedMs + generator.int(0, 3 * 24 * 3600 * 1000));
        const created = new Date(createdMs).toISOString();
        const id = newId(createdMs);
        const fiscalYear = fiscalYearOf(new Date(receivedMs));
        const search = buildSearchDocument(body.household.members.flatMap((m) => [m.name, m.nameKana]));
        const consentAt = body.consent.status === 'obtained' ? body.consent.obtainedAt ?? null : null;
        caseText +=
          [
            target.municipalityId, id, `${fiscalYear}-B${String(++serial).padStart(7, '0')}`, fiscalYear, 'intake', body.channel,
            body.summary, body.receivedAt, body.urgency, arrayLiteral(body.concerns), body.primaryConcern, body.referralSource ?? null,
            body.visitor ? JSON.stringify(body.visitor) : null, body.interpreterLanguage ?? null, body.consent.status, consentAt,
            body.concerns.some((c) => RESTRICTING.has(c)), body.household.address, body.household.district, target.agencyId, target.userId,
            target.agencyId, target.userId, search.text, arrayLiteral(search.grams), created, created,
          ]
            .map(field)
            .join('\t') + '\n';
        body.household.members.forEach((m, position) => {
          const primary = !!m.isPrimary;
          memberText +=
            [
              target.municipalityId, newId(createdMs), id, position, m.name ?? null, m.nameKana ?? null, m.birthDate, m.sex, m.relationship,
              primary, m.phone ?? null, primary ? body.consent.status : 'not_asked', primary ? consentAt : null, created,
            ]
              .map(field)
              .join('\t') + '\n';
        });
        cases++;
        members += body.household.members.length;
      }
      bytes += Buffer.byteLength(caseText) + Buffer.byteLength(memberText);
      // Members need their cases committed (composite foreign key); the next chunk's cases
      // load while this chunk's members do, on two connections.
      await copy(casesClient, CASE_COPY, caseText);
      await pendingMembers;
      pendingMembers = copy(membersClient, MEMBER_COPY, memberText);
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`  loaded ${cases.toLocaleString('en')} cases / ${members.toLocaleString('en')} members (${Math.round(members / ((lastLog - t0) / 1000)).toLocaleString('en')} members/s)`);
      }
    }
    await pendingMembers;
    const seconds = (performance.now() - t0) / 1000;

    const v0 = performance.now();
    await casesClient.query(`SET maintenance_work_mem = '256MB'`);
    // VACUUM also merges the GIN index's pending list, as autovacuum would soon after a load.
    await casesClient.query('VACUUM (ANALYZE) cases');
    await casesClient.query('VACUUM (ANALYZE) household_members');
    const vacuumAnalyzeSeconds = (performance.now() - v0) / 1000;

    const { rows } = await casesClient.query<{ name: string; size: string }>(
      `SELECT name, pg_size_pretty(size) AS size FROM (
         SELECT 'cases (table + indexes)' AS name, pg_total_relation_size('cases') AS size
         UNION ALL SELECT 'household_members (table + indexes)', pg_total_relation_size('household_members')
         UNION ALL SELECT 'cases_search (GIN on search_grams)', pg_relation_size('cases_search')
         UNION ALL SELECT 'cases_recent (btree)', pg_relation_size('cases_recent')) s`,
    );
    const counts = await casesClient.query<{ cases: string; members: string }>(
      'SELECT (SELECT count(*) FROM cases) AS cases, (SELECT count(*) FROM household_members) AS members',
    );
    return {
      casesInDatabase: Number(counts.rows[0].cases),
      membersInDatabase: Number(counts.rows[0].members),
      cases,
      members,
      seconds: round1(seconds),
      casesPerSecond: Math.round(cases / seconds),
      membersPerSecond: Math.round(members / seconds),
      megabytesSent: round1(bytes / 1024 / 1024),
      vacuumAnalyzeSeconds: round1(vacuumAnalyzeSeconds),
      sizes: Object.fromEntries(rows.map((r) => [r.name, r.size])),
    };
  } finally {
    await Promise.all([casesClient.end(), membersClient.end()]);
  }
}
