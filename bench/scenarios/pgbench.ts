import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fiscalYearOf } from '@tsunagi/calendar/fiscal-year';
import { buildSearchDocument } from '@tsunagi/search-text';
import { n } from '../report';
import type { BenchContext, Scenario } from '../scenario';

const run = promisify(execFile);

/**
 * The limit beside intake (issue 8 item 1): the statements `POST /cases` sends for a
 * household of two, in the same order and inside the same transaction, driven by pgbench at
 * the same concurrency against the same database, as the same role (tsunagi_app: row-level
 * security applies) — BEGIN with the tenant setting and the principal check (Db.openEarly);
 * one statement with the timeline entry and the audit event (Db.defer, carried by
 * Db.queryCarrying), the case number with the settings, the case and its members, RETURNING
 * what the api answers; COMMIT. What
 * pgbench reaches is what PostgreSQL on this machine allows for intake with nothing in
 * between; `tsunagi intake req/s ÷ pgbench tps` is how much of it the api keeps (goal ≥ 0.5).
 * The api sends BEGIN, the setting and the check as one simple-protocol message; pgbench's
 * extended protocol takes one statement per message, so it sends BEGIN alone and the setting
 * with the check: one round trip more than the api, and the limit is if anything slightly
 * understated.
 */

const SECONDS = { quick: 5, full: 30 };
const GOAL_RATIO = 0.5;

export interface PgbenchResult {
  available: boolean;
  version?: string;
  clients: number;
  seconds: number;
  tps?: number;
  latencyMsAverage?: number;
  transactions?: number;
  failed?: number;
  /** the api's intake req/s of the same run, when it ran */
  intakeRps?: number;
  ratio?: number;
  note?: string;
}

function script(fiscalYear: number): string {
  // Named 試験, a family name the name search scenario never asks for (and removed once
  // pgbench is done: removeWhatItWrote).
  const search = buildSearchDocument(['試験 花子', 'シケン ハナコ', '試験 太郎', 'シケン タロウ']);
  const grams = `{${search.grams.map((g) => `"${g.replace(/"/g, '\\"')}"`).join(',')}}`;
  const summary = '80代の母と50代の長男の二人暮らし。母の足腰が弱り介護が必要になってきたが、長男は外部との接触を拒んでいる。長女が来所して相談。';
  const memberCols = `id, position, name, name_kana AS "nameKana", to_char(birth_date, 'YYYY-MM-DD') AS "birthDate", sex, relationship, is_primary AS "isPrimary", phone, notes, consent_status AS "consentStatus", consent_obtained_at AS "consentObtainedAt"`;
  return `
BEGIN;
SELECT s.tenant, p.id, p.username, p.agency_id, p.roles, p.disabled, p.token_version
  FROM (SELECT set_config('app.municipality_id', :mun, true) AS tenant) s LEFT JOIN auth_principal(:mun::uuid, :usr::uuid) p ON true;
WITH ids AS (SELECT gen_random_uuid() AS id),
deferred_0 AS (INSERT INTO case_events (municipality_id, id, case_id, occurred_at, type, actor_id, agency_id, entity_type, entity_id, data)
SELECT current_setting('app.municipality_id')::uuid, gen_random_uuid(), ids.id, now(), 'case.opened', :usr::uuid, :agency::uuid, 'case', ids.id,
  '{"channel": "walk_in", "leadAgencyId": "x", "volunteerReport": false}'::jsonb FROM ids),
deferred_1 AS (INSERT INTO audit_events (municipality_id, occurred_at, id, actor_id, actor_agency_id, actor_roles, action, entity_type, entity_id, case_id, request_id, client_ip, changed_fields, restricted, detail)
SELECT :mun::uuid, clock_timestamp(), gen_random_uuid(), :usr::uuid, :agency::uuid, '{desk_staff}', 'case.opened', 'case', ids.id, ids.id, gen_random_uuid()::text, '127.0.0.1',
  '{channel,summary,concerns,primaryConcern,urgency,visitor,household}', false, '{}'::jsonb FROM ids),
n AS (SELECT next_case_number(m.id, ${fiscalYear}) AS serial, m.settings FROM municipalities m WHERE m.id = current_setting('app.municipality_id')::uuid),
c AS (INSERT INTO cases AS c (municipality_id, id, case_number, fiscal_year, channel, summary, received_at, urgency, concerns, primary_concern,
  referral_source, visitor, interpreter_language, consent_status, consent_obtained_at, restricted, household_address,
  household_district, lead_agency_id, lead_worker_id, intake_agency_id, opened_by_id, search_text, search_grams)
SELECT current_setting('app.municipality_id')::uuid, ids.id, '${fiscalYear}-P' || lpad(n.serial::text, 7, '0'), ${fiscalYear}, 'walk_in', '${summary}', now(), 'high',
  '{eighty_fifty,long_term_care,hikikomori}', 'eighty_fifty', NULL, '{"name": "田中 由美", "relationship": "長女"}'::jsonb, NULL, 'obtained', now(), false, 'みどり市北町2-14-3',
  'kita', :agency::uuid, :usr::uuid, :agency::uuid, :usr::uuid, '${search.text.replace(/'/g, "''")}', '${grams}' FROM ids, n
RETURNING c.id AS case_id, c.case_number, c.fiscal_year, c.status, c.channel, c.summary, c.received_at, c.urgency, c.concerns, c.primary_concern,
  c.referral_source, c.visitor, c.interpreter_language, c.consent_status, c.consent_obtained_at, c.restricted, c.household_address,
  c.household_district, c.lead_agency_id, c.lead_worker_id, c.intake_agency_id, c.closure_reason, c.closed_at, c.version, c.created_at, c.updated_at),
m AS (INSERT INTO household_members (municipality_id, id, case_id, position, name, name_kana, birth_date, sex, relationship, is_primary, phone, notes, consent_status, consent_obtained_at)
SELECT current_setting('app.municipality_id')::uuid, gen_random_uuid(), ids.id, v.* FROM ids, (VALUES
  (0, '試験 花子', 'シケン ハナコ', '1943-06-02'::date, 'female', '本人', true, NULL, NULL, 'obtained', now()),
  (1, '試験 太郎', 'シケン タロウ', '1972-11-20'::date, 'male', '長男', false, NULL, NULL, 'not_asked', NULL)) AS v
RETURNING ${memberCols})
SELECT c.*, (SELECT json_agg(m ORDER BY m.position) FROM m) AS members, (SELECT settings FROM n) AS settings FROM c;
COMMIT;
`;
}

/**
 * pgbench's cases (numbered `<year>-P…`), their households and timeline entries, deleted as the
 * cluster's superuser once it is done: the scenarios after it (name search walks the newest
 * cases first) see the database intake left, not tens of thousands of identical households.
 * The cases' tallies go with them (the delete trigger); their audit events stay, as the trail
 * allows no deletion.
 */
async function removeWhatItWrote(ctx: BenchContext): Promise<void> {
  const started = Date.now();
  const mine = `SELECT id FROM cases WHERE municipality_id = $1 AND case_number LIKE '%-P%'`;
  await ctx.admin.query('BEGIN');
  try {
    await ctx.admin.query(`DELETE FROM household_members WHERE municipality_id = $1 AND case_id IN (${mine})`, [ctx.municipalityId]);
    await ctx.admin.query(`DELETE FROM case_events WHERE municipality_id = $1 AND case_id IN (${mine})`, [ctx.municipalityId]);
    const { rowCount } = await ctx.admin.query(`DELETE FROM cases WHERE municipality_id = $1 AND case_number LIKE '%-P%'`, [ctx.municipalityId]);
    await ctx.admin.query('COMMIT');
    ctx.log(`pgbench: its ${n(rowCount ?? 0, 0)} cases removed in ${Date.now() - started} ms`);
  } catch (error) {
    await ctx.admin.query('ROLLBACK');
    throw error;
  }
}

export const pgbenchIntake: Scenario<PgbenchResult> = {
  name: 'pgbench',
  summary: 'the limit beside intake: its SQL transaction driven by pgbench at the same concurrency; ratio tsunagi intake req/s ÷ pgbench tps',
  async run(ctx: BenchContext) {
    const seconds = SECONDS[ctx.mode];
    const clients = ctx.connections;
    let version: string;
    try {
      version = (await run('pgbench', ['--version'])).stdout.trim();
    } catch {
      ctx.log('pgbench: not installed (apt install postgresql-client); the limit is not measured');
      return { available: false, clients, seconds, note: 'pgbench not installed' };
    }
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tsunagi-pgbench-'));
    const file = path.join(dir, 'intake.sql');
    await fs.writeFile(file, script(fiscalYearOf(new Date())));
    try {
      const args = ['-n', '-M', 'extended', '-c', String(clients), '-j', String(Math.min(clients, os.cpus().length)), '-T', String(seconds), '-f', file,
        '-D', `mun=${ctx.municipalityId}`, '-D', `usr=${ctx.desk.userId}`, '-D', `agency=${ctx.desk.agencyId}`, ctx.dbUrl];
      ctx.log(`pgbench: ${clients} clients for ${seconds} s, the intake transaction as tsunagi_app`);
      // the api's pooled connections run as tsunagi_app: so does pgbench
      const { stdout } = await run('pgbench', args, { env: { ...process.env, PGOPTIONS: '-c role=tsunagi_app' }, maxBuffer: 16 * 1024 * 1024 });
      const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
      const latency = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1]);
      const transactions = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1]);
      const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
      ctx.log(`pgbench: ${Math.round(tps)} tps, latency average ${latency} ms, ${transactions} transactions, ${failed} failed`);
      const intakeRps = ctx.bench.intake?.load.requestsPerSecond;
      const ratio = intakeRps !== undefined && tps > 0 ? Math.round((intakeRps / tps) * 100) / 100 : undefined;
      if (ratio !== undefined) ctx.log(`pgbench: tsunagi intake ${intakeRps} req/s ÷ pgbench ${Math.round(tps)} tps = ${ratio}`);
      return { available: true, version, clients, seconds, tps: Math.round(tps * 10) / 10, latencyMsAverage: latency, transactions, failed, intakeRps, ratio };
    } catch (error) {
      const message = (error as { stderr?: string }).stderr ?? String(error);
      ctx.log(`pgbench failed: ${message.slice(0, 500)}`);
      return { available: false, clients, seconds, note: `pgbench failed: ${message.slice(0, 200)}` };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
      await removeWhatItWrote(ctx);
    }
  },
  goals(r) {
    if (!r.available || !r.tps) return [{ goal: `tsunagi intake ÷ pgbench ≥ ${GOAL_RATIO}`, measured: r.note ?? 'not measured' }];
    return [{ goal: `tsunagi intake req/s ÷ pgbench tps ≥ ${GOAL_RATIO}`, measured: r.ratio !== undefined ? `${n(r.intakeRps, 0)} ÷ ${n(r.tps, 0)} = ${r.ratio}` : `pgbench ${n(r.tps, 0)} tps (intake not run)`, met: r.ratio !== undefined ? r.ratio >= GOAL_RATIO : undefined }];
  },
  section(r) {
    return [
      '## The limit beside intake (pgbench)',
      '',
      r.available
        ? `${r.version}: the SQL of one \`POST /cases\` (household of two) as a pgbench script, ${r.clients} clients, ${r.seconds} s, extended protocol, as tsunagi_app. ` +
          `**${n(r.tps, 0)} tps**, latency average ${n(r.latencyMsAverage)} ms, ${n(r.transactions, 0)} transactions, ${r.failed ?? 0} failed.` +
          (r.ratio !== undefined ? ` tsunagi intake ${n(r.intakeRps, 0)} req/s ÷ pgbench ${n(r.tps, 0)} tps = **${r.ratio}** (goal ≥ ${GOAL_RATIO}).` : '')
        : `Not measured: ${r.note}.`,
      '',
    ];
  },
};
