import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { addMonthsToDate, BusinessCalendar, fiscalYearOf, fiscalYearRange, tokyoToday } from '@tsunagi/calendar';
import { APP_ROLE } from '@tsunagi/database/data-source';
import type { Db } from '@tsunagi/database';
import type { DataSource } from 'typeorm';
import { withDefaults } from '@tsunagi/municipalities/municipality-settings';
import type { CalendarService } from '@tsunagi/municipalities';
import { businessClock, calendarKey } from '@tsunagi/reporting/business-clock';
import { ReportRollups, ReportRollupsRepository } from '@tsunagi/reporting/report-rollups';
import { ParticipationIndicatorsRepository } from '@tsunagi/reporting/participation-indicators';
import { PlanIndicatorsRepository } from '@tsunagi/reporting/plan-indicators';
import { ReportingRepository } from '@tsunagi/reporting/reporting.repository';
import { round2 } from '@tsunagi/reporting/rounding';
import { dbCounters, perRequest, type DbPerRequest } from '../db-stats';
import { expectStatus, http, signIn } from '../environment';
import { latency, runSequential, timedFetch, type LoadRun, type SequentialRun } from '../http-load';
import { cpuBetween, cpuSnapshot, round1, type CpuUse } from '../proc';
import { aloneRow, loadRow, mark, ms, n, planShape, row } from '../report';
import type { BenchContext, Goal, Scenario } from '../scenario';

/**
 * Indicators (issue 7 item 4): `GET /reports/indicators?fiscalYear=` over a city of
 * 1,000,000 cases and the 3,000,000 referrals the worklists scenario seeds (with --quick: the
 * default bulk load and 100,000 referrals). Before measuring, the cases get what a year of
 * work leaves behind: closures with their reasons, conferences, and the agencies that took
 * part after accepting a referral (server-side SQL; leads stay with the desk, which later
 * scenarios rely on). Then, as a supervisor made over HTTP: the report of the current and
 * of the previous fiscal year alone, a few at once, and the CSV; every statement the report
 * sends under EXPLAIN (ANALYZE, BUFFERS) as tsunagi_app; and every figure checked against a
 * plain recount (SQL written independently, business hours by BusinessCalendar itself).
 */

const GOAL_MS = 1000;

const PLANS = {
  quick: { beforePass: 3, sequential: 10, previousSequential: 3, csvSequential: 3, budgetMs: 30_000, connections: 4, rounds: 3, batch: 20_000 },
  full: { beforePass: 3, sequential: 20, previousSequential: 5, csvSequential: 5, budgetMs: 90_000, connections: 4, rounds: 5, batch: 50_000 },
};

export interface Alone {
  label: string;
  path: string;
  sequential: SequentialRun;
  cpu: CpuUse;
}

export interface StatementTiming {
  label: string;
  executionMs: number;
  planningMs: number;
  plan: string[];
}

export interface YearShape {
  fiscalYear: number;
  casesReceived: number;
  referralsMade: number;
  referralsAnswered: number;
  closures: number;
  conferences: number;
  escalations: number;
}

export interface Check {
  figure: string;
  report: string;
  recount: string;
  equal: boolean;
}

/** The running totals as the writes left them, and the worker's catching up (ReportRollups passes). */
export interface RollupsShape {
  before: { tallyRows: number; uncompacted: number; untimedAnswers: number };
  seconds: number;
  passes: number;
  after: { tallyRows: number; uncompacted: number; untimedAnswers: number };
}

export interface IndicatorsResult {
  casesInDatabase: number;
  referralsInDatabase: number;
  rollups: RollupsShape;
  shaping: { seconds: number; closures: number; conferences: number; involvements: number; vacuumSeconds: number };
  years: YearShape[];
  alone: Alone[];
  /** `connections` requests sent at the same moment, round after round */
  concurrent: LoadRun & { db: DbPerRequest };
  statements: StatementTiming[];
  checks: Check[];
  recountSeconds: number;
}

export const indicators: Scenario<IndicatorsResult> = {
  name: 'indicators',
  summary: 'GET /reports/indicators (JSON and CSV) over 1,000,000 cases and the worklists scenario\'s referrals, alone and 4 at once, every statement explained, every figure recounted',
  needs: ['worklists'],
  bulkCases: { full: 1_000_000 },

  async run(ctx) {
    const plan = PLANS[ctx.mode];
    await ctx.bulkCases();
    const base = ctx.api.baseUrl;
    const mun = ctx.municipalityId;
    const count = async (sql: string, params: unknown[] = []) => Number((await ctx.admin.query<{ n: string }>(sql, params)).rows[0].n);
    const referralsInDatabase = await count(`SELECT count(*) AS n FROM referrals WHERE municipality_id = $1`, [mun]);
    if (!referralsInDatabase) throw new Error('indicators reads the referrals the worklists scenario seeds: it runs after it');

    // ---- what a year of work leaves on the cases ----
    ctx.log('indicators: closures, conferences and involvements on the bulk-loaded cases (server-side SQL)');
    const shaping = await shapeCases(ctx);
    ctx.log(
      `  ${shaping.closures.toLocaleString('en')} closures, ${shaping.conferences.toLocaleString('en')} conferences, ${shaping.involvements.toLocaleString('en')} involvements ` +
        `in ${shaping.seconds} s; VACUUM (ANALYZE) ${shaping.vacuumSeconds} s`,
    );
    const casesInDatabase = await count(`SELECT count(*) AS n FROM cases WHERE municipality_id = $1`, [mun]);

    // ---- a supervisor, made over HTTP by the administrator ----
    const admin = await signIn(base, ctx.municipalityCode, 'admin', ctx.adminPassword);
    const password = randomBytes(12).toString('base64url');
    await expectStatus(
      'create supervisor',
      http(base, 'POST', '/api/v1/users', { token: admin.accessToken, body: { username: 'indicators-supervisor', displayName: '統括 指導員', agencyId: ctx.desk.agencyId, roles: ['supervisor'], password } }),
      201,
    );
    const supervisor = await signIn(base, ctx.municipalityCode, 'indicators-supervisor', password);
    const headers = { authorization: `Bearer ${supervisor.accessToken}` };

    const current = fiscalYearOf(new Date());
    const years: YearShape[] = [];
    for (const fy of [current, current - 1]) years.push(await yearShape(ctx, fy));
    for (const y of years) {
      ctx.log(
        `  FY${y.fiscalYear}: ${y.casesReceived.toLocaleString('en')} cases received, ${y.referralsMade.toLocaleString('en')} referrals made, ` +
          `${y.referralsAnswered.toLocaleString('en')} answered, ${y.closures.toLocaleString('en')} closures, ${y.conferences.toLocaleString('en')} conferences`,
      );
    }

    // ---- the report alone, a few at once, and the CSV ----
    const path = (fy: number, csv = false) => `/api/v1/reports/indicators?fiscalYear=${fy}${csv ? '&format=csv' : ''}`;
    const first = await fetch(`${base}${path(current)}`, { headers });
    const unkept = (await first.json()) as Report;
    if (first.status !== 200) throw new Error(`GET ${path(current)}: ${first.status} ${JSON.stringify(unkept).slice(0, 300)}`);
    const alone: Alone[] = [];
    const measureAlone = async (label: string, p: string, times: number) => {
      const cpu0 = cpuSnapshot(ctx.watch);
      const sequential = await runSequential(times, () => timedFetch(`${base}${p}`, { headers }), plan.budgetMs);
      const result = { label, path: p, sequential, cpu: cpuBetween(cpu0, cpuSnapshot(ctx.watch), sequential.requests) };
      ctx.log(`  ${label}: p50 ${sequential.latencyMs.p50} p95 ${sequential.latencyMs.p95} max ${sequential.latencyMs.max} ms (${sequential.requests} requests, other ${result.cpu.otherPct} %)`);
      alone.push(result);
      return result;
    };
    // right after the writes: every appended difference still there, no business time stored
    const before = await rollupsShape(ctx);
    await measureAlone(
      `FY${current} (current), JSON, before the worker's pass (${n(before.uncompacted, 0)} appended tally rows, ${n(before.untimedAnswers, 0)} answers untimed)`,
      path(current),
      plan.beforePass,
    );
    ctx.log(`indicators: the worker's pass (ReportRollups: compaction, business times), as often as it says more is waiting`);
    const k0 = performance.now();
    const passes = await keepRollups(ctx, plan.batch);
    const rollups: RollupsShape = { before, seconds: round1((performance.now() - k0) / 1000), passes, after: await rollupsShape(ctx) };
    ctx.log(
      `  ${passes} passes in ${rollups.seconds} s: ${n(before.tallyRows, 0)} → ${n(rollups.after.tallyRows, 0)} tally rows, ` +
        `${n(before.untimedAnswers, 0)} → ${n(rollups.after.untimedAnswers, 0)} untimed answers`,
    );
    const again = await fetch(`${base}${path(current)}`, { headers });
    const report = (await again.json()) as Report;
    const sameBeforeAndAfter = JSON.stringify(strip(unkept)) === JSON.stringify(strip(report));
    ctx.log(`  the report before and after the pass: ${sameBeforeAndAfter ? 'the same' : 'DIFFERENT'}`);

    const main = await measureAlone(`FY${current} (current), JSON`, path(current), plan.sequential);
    await measureAlone(`FY${current - 1} (previous), JSON`, path(current - 1), plan.previousSequential);
    await measureAlone(`FY${current} (current), CSV`, path(current, true), plan.csvSequential);

    // a few supervisors opening the report at the same moment, round after round
    const c0 = cpuSnapshot(ctx.watch);
    const db0 = await dbCounters(ctx.admin, ctx.dbName);
    const t0 = performance.now();
    const latencies: number[] = [];
    let non2xx = 0;
    for (let round = 0; round < plan.rounds && (round === 0 || performance.now() - t0 < plan.budgetMs); round++) {
      const statuses = await Promise.all(
        Array.from({ length: plan.connections }, async () => {
          const s0 = performance.now();
          const status = await timedFetch(`${base}${path(current)}`, { headers });
          latencies.push(performance.now() - s0);
          return status;
        }),
      );
      non2xx += statuses.filter((st) => st !== 200).length;
    }
    const seconds = (performance.now() - t0) / 1000;
    const concurrent: IndicatorsResult['concurrent'] = {
      connections: plan.connections,
      seconds: round1(seconds),
      requests: latencies.length,
      requestsPerSecond: Math.round((latencies.length / seconds) * 100) / 100,
      latencyMs: latency(latencies),
      non2xx,
      errors: 0,
      timeouts: 0,
      statusCodes: {},
      cpu: cpuBetween(c0, cpuSnapshot(ctx.watch), latencies.length),
      db: perRequest(db0, await dbCounters(ctx.admin, ctx.dbName), latencies.length),
    };
    ctx.log(
      `  FY${current}, ${plan.connections} at once (${latencies.length / plan.connections} rounds): p50 ${concurrent.latencyMs.p50} p95 ${concurrent.latencyMs.p95} max ${concurrent.latencyMs.max} ms, ` +
        `other ${concurrent.cpu.otherPct} %`,
    );

    // ---- where the time goes: every statement of the report, explained ----
    const statements = await explainAll(ctx, current);
    for (const s of statements) ctx.log(`  SQL ${s.label}: ${s.executionMs} ms (${planShape(s.plan)})`);

    // ---- exact: every figure against a plain recount ----
    const r0 = performance.now();
    const checks = await recount(ctx, current, report);
    checks.push({ figure: 'the whole report, before and after the worker\'s pass', report: 'after', recount: 'before', equal: sameBeforeAndAfter });
    const recountSeconds = round1((performance.now() - r0) / 1000);
    const wrong = checks.filter((c) => !c.equal);
    ctx.log(`  recount: ${checks.length - wrong.length} of ${checks.length} figures equal${wrong.length ? `; DIFFERENT: ${wrong.map((c) => `${c.figure} (report ${c.report}, recount ${c.recount})`).join('; ')}` : ''} (${recountSeconds} s)`);

    return { casesInDatabase, referralsInDatabase, rollups, shaping, years, alone, concurrent, statements, checks, recountSeconds };
  },

  goals(r) {
    const main = r.alone.find((a) => !/before the worker/.test(a.label))!;
    const y = r.years[0];
    const goals: Goal[] = [
      {
        goal: `GET /reports/indicators alone p95 < ${n(GOAL_MS, 0)} ms (FY${y.fiscalYear}: ${n(y.casesReceived, 0)} of ${n(r.casesInDatabase, 0)} cases, ${n(y.referralsMade, 0)} of ${n(r.referralsInDatabase, 0)} referrals)`,
        measured: `${ms(main.sequential.latencyMs.p95)} ms (other ${n(main.cpu.otherPct)} %)`,
        met: main.sequential.latencyMs.p95 < GOAL_MS,
      },
    ];
    const wrong = r.checks.filter((c) => !c.equal).length;
    goals.push({ goal: 'indicators exact at this size (every figure recounted independently)', measured: `${r.checks.length - wrong} of ${r.checks.length} equal`, met: wrong === 0 });
    return goals;
  },

  section(r) {
    const out: string[] = [`## Indicators over ${n(r.casesInDatabase, 0)} cases and ${n(r.referralsInDatabase, 0)} referrals`, ''];
    const s = r.shaping;
    out.push(
      `What a year of work leaves on the bulk-loaded cases, by server-side SQL in ${s.seconds} s (VACUUM (ANALYZE) ${s.vacuumSeconds} s): ${n(s.closures, 0)} closures with their reasons, ` +
        `${n(s.conferences, 0)} conferences, ${n(s.involvements, 0)} agencies involved after accepting a referral. Per fiscal year:`,
      '',
      row(['fiscal year', 'cases received', 'referrals made', 'referrals answered', 'closures', 'conferences', 'escalation tasks']),
      row(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
      ...r.years.map((y) => row([`FY${y.fiscalYear}`, n(y.casesReceived, 0), n(y.referralsMade, 0), n(y.referralsAnswered, 0), n(y.closures, 0), n(y.conferences, 0), n(y.escalations, 0)])),
      '',
      `Running totals (report_tallies, answer_times): right after the writes ${n(r.rollups.before.tallyRows, 0)} tally rows of which ${n(r.rollups.before.uncompacted, 0)} appended ` +
        `and not compacted, ${n(r.rollups.before.untimedAnswers, 0)} answers without a stored business time; the worker's ReportRollups, run ${r.rollups.passes} times back to back, ` +
        `took ${r.rollups.seconds} s to leave ${n(r.rollups.after.tallyRows, 0)} rows (${n(r.rollups.after.uncompacted, 0)} appended) and ${n(r.rollups.after.untimedAnswers, 0)} untimed answers.`,
      '',
      'As a supervisor, latency in ms (request sent → response read); "other %": CPU of other programs on the machine meanwhile (% of one core).',
      '',
      row(['request', 'connections', 'req/s', 'p50', 'p95', 'p99', 'max', 'requests', 'non-2xx / errors']),
      row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    );
    for (const a of r.alone) out.push(aloneRow(`${a.label}, alone (other ${n(a.cpu.otherPct)} %)`, a.sequential));
    const c = r.concurrent;
    const main = r.alone.find((a) => !/before the worker/.test(a.label))!;
    out.push(
      loadRow(`${main.label}, ${c.connections} sent at the same moment, ${c.requests / c.connections} rounds (other ${n(c.cpu.otherPct)} %)`, c),
      '',
      `${c.connections} at once: api CPU ${ms(c.cpu.apiMsPerRequest)} ms/req, PostgreSQL CPU ${ms(c.cpu.postgresMsPerRequest)} ms/req, ` +
        `${n(c.db.rowsRead, 0)} rows read/req, ${n(c.db.transactions)} transactions/req.`,
      '',
    );
    const sent = r.statements.filter((st) => !st.label.startsWith('('));
    out.push(
      `Every statement of the report (${main.label.replace(/,.*/, '')}), EXPLAIN (ANALYZE, BUFFERS) as tsunagi_app with the municipality set, one after the other in one transaction:`,
      '',
      row(['statement', 'execution ms', 'planning ms', 'plan']),
      row(['---', '---:', '---:', '---']),
      ...r.statements.map((st) => row([st.label, ms(st.executionMs), ms(st.planningMs), planShape(st.plan)])),
      row([
        '**all the report sends**',
        ms(round1(sent.reduce((sum, st) => sum + st.executionMs, 0))),
        ms(round1(sent.reduce((sum, st) => sum + st.planningMs, 0))),
        '',
      ]),
      '',
    );
    const wrong = r.checks.filter((c) => !c.equal);
    out.push(
      `Recount (${r.recountSeconds} s): ${r.checks.length - wrong.length} of ${r.checks.length} figures of the report equal a plain recount ` +
        '(GROUP BY per figure as the login role; medians from every answered referral, business hours by `BusinessCalendar.businessHoursBetween`).' +
        (wrong.length ? ` Different: ${wrong.map((c) => `${c.figure}: report ${c.report}, recount ${c.recount}`).join('; ')}.` : ''),
      '',
    );
    for (const st of r.statements) out.push(`<details><summary>plan: ${st.label}</summary>`, '', '```', ...st.plan, '```', '', '</details>', '');
    return out;
  },
};

/**
 * Closures (a third of the cases received more than a week ago, with the reasons' usual
 * mix), conferences (about one case in eight, a few with two) and the agencies involved
 * after accepting a collaboration, or monitoring a transfer not yet contacted. Deterministic:
 * every choice is a hash of the case's or referral's id.
 */
async function shapeCases(ctx: BenchContext): Promise<IndicatorsResult['shaping']> {
  const db = new Client({ connectionString: ctx.dbUrl });
  await db.connect();
  try {
    await db.query(`SET synchronous_commit = off`);
    await db.query(`SET maintenance_work_mem = '256MB'`);
    const t0 = performance.now();
    const bucket = (salt: string, mod: number) => `(abs(hashtext(id::text || '${salt}')) % ${mod})`;
    const closed = await db.query(
      `UPDATE cases SET status = 'closed',
         closure_reason = CASE WHEN ${bucket('r', 100)} < 40 THEN 'resolved' WHEN ${bucket('r', 100)} < 65 THEN 'information_only'
                               WHEN ${bucket('r', 100)} < 73 THEN 'suspended' WHEN ${bucket('r', 100)} < 79 THEN 'moved_away'
                               WHEN ${bucket('r', 100)} < 83 THEN 'deceased' WHEN ${bucket('r', 100)} < 90 THEN 'no_contact'
                               WHEN ${bucket('r', 100)} < 96 THEN 'declined_by_person' ELSE 'other' END,
         closed_at = LEAST(received_at + make_interval(days => 3 + ${bucket('d', 150)}, hours => ${bucket('h', 9)}), now() - interval '1 hour'),
         version = version + 1
       WHERE municipality_id = $1 AND status <> 'closed' AND received_at < now() - interval '7 days' AND ${bucket('c', 1000)} < 340`,
      [ctx.municipalityId],
    );
    const conferences = await db.query(
      `INSERT INTO conferences (municipality_id, id, case_id, type, held_at, participant_agency_ids, summary, created_by_id, created_at)
       SELECT municipality_id, gen_random_uuid(), id,
              CASE WHEN ${bucket('t', 100)} < 45 THEN 'support_meeting' WHEN ${bucket('t', 100)} < 60 THEN 'multi_agency_meeting'
                   WHEN ${bucket('t', 100)} < 72 THEN 'plan_coordination_meeting' WHEN ${bucket('t', 100)} < 88 THEN 'care_meeting' ELSE 'case_review' END,
              held, ARRAY[lead_agency_id], '支援方針の確認と役割分担', $2, held
       FROM (SELECT municipality_id, id, lead_agency_id, LEAST(received_at + make_interval(days => 2 + ${bucket('h', 60)} + n * 30, hours => 1 + ${bucket('m', 8)}), now() - interval '1 hour') AS held
             FROM cases, generate_series(0, 1) n
             WHERE municipality_id = $1 AND ${bucket('k', 1000)} < CASE n WHEN 0 THEN 125 ELSE 25 END) c`,
      [ctx.municipalityId, ctx.desk.userId],
    );
    const involvements = await db.query(
      `INSERT INTO case_agencies (municipality_id, case_id, agency_id, involvement, since)
       SELECT municipality_id, case_id, CASE kind WHEN 'collaboration' THEN to_agency_id ELSE from_agency_id END,
              CASE kind WHEN 'collaboration' THEN 'collaborator' ELSE 'handoff_monitor' END, answered_at
       FROM referrals
       WHERE municipality_id = $1 AND status = 'accepted' AND (kind = 'collaboration' OR first_contact_at IS NULL)
       ON CONFLICT DO NOTHING`,
      [ctx.municipalityId],
    );
    const seconds = round1((performance.now() - t0) / 1000);
    const v0 = performance.now();
    await db.query('VACUUM (ANALYZE) cases');
    await db.query('VACUUM (ANALYZE) conferences');
    await db.query('VACUUM (ANALYZE) case_agencies');
    return { seconds, closures: closed.rowCount ?? 0, conferences: conferences.rowCount ?? 0, involvements: involvements.rowCount ?? 0, vacuumSeconds: round1((performance.now() - v0) / 1000) };
  } finally {
    await db.end();
  }
}

async function yearShape(ctx: BenchContext, fy: number): Promise<YearShape> {
  const { from, toExclusive: to } = fiscalYearRange(fy);
  const { rows } = await ctx.admin.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM cases WHERE municipality_id = $1 AND received_at >= $2 AND received_at < $3) AS cases,
            (SELECT count(*) FROM referrals WHERE municipality_id = $1 AND created_at >= $2 AND created_at < $3) AS made,
            (SELECT count(*) FROM referrals WHERE municipality_id = $1 AND answered_at >= $2 AND answered_at < $3 AND status IN ('accepted', 'declined')) AS answered,
            (SELECT count(*) FROM cases WHERE municipality_id = $1 AND closed_at >= $2 AND closed_at < $3) AS closures,
            (SELECT count(*) FROM conferences WHERE municipality_id = $1 AND held_at >= $2 AND held_at < $3) AS conferences,
            (SELECT count(*) FROM tasks WHERE municipality_id = $1 AND kind = 'escalation' AND created_at >= $2 AND created_at < $3) AS escalations`,
    [ctx.municipalityId, from, to],
  );
  const r = rows[0];
  return {
    fiscalYear: fy,
    casesReceived: Number(r.cases),
    referralsMade: Number(r.made),
    referralsAnswered: Number(r.answered),
    closures: Number(r.closures),
    conferences: Number(r.conferences),
    escalations: Number(r.escalations),
  };
}

/** The statements `GET /reports/indicators` sends for a fiscal year, in its order, by the repository methods that send them. */
function reportStatements(fy: number, calendar: BusinessCalendar): Array<{ label: string; call: (db: Db) => Promise<unknown> }> {
  const { startDate, endDate, from, toExclusive: to } = fiscalYearRange(fy);
  const reporting = (db: Db) => new ReportingRepository(db);
  const plans = (db: Db) => new PlanIndicatorsRepository(db);
  const clock = businessClock(calendar, addMonthsToDate(startDate, -12), endDate);
  // what untimedAnswers answers, businessMiddle is given (they run in this order)
  let pendingIds: string[] = [];
  return [
    { label: 'tuneForReport', call: (db) => reporting(db).tuneForReport() },
    { label: 'agencies', call: (db) => reporting(db).agencies() },
    { label: 'tallies', call: (db) => reporting(db).tallies(fy) },
    { label: 'elapsedMiddle', call: (db) => reporting(db).elapsedMiddle(fy) },
    { label: 'untimedAnswers', call: async (db) => (pendingIds = await reporting(db).untimedAnswers(fy, 20_000)) },
    { label: 'businessMiddle', call: (db) => reporting(db).businessMiddle(fy, calendarKey(calendar), clock, pendingIds) },
    { label: 'escalations', call: (db) => reporting(db).escalations(from, to) },
    { label: 'plans: activations', call: (db) => plans(db).activations(startDate, endDate) },
    { label: 'plans: evaluationsByDecision', call: (db) => plans(db).evaluationsByDecision(startDate, endDate) },
    { label: 'plans: goalResults', call: (db) => plans(db).goalResults(startDate, endDate) },
    { label: 'plans: outcomePeople', call: (db) => plans(db).outcomePeople(startDate, endDate) },
    { label: 'participation: counts', call: (db) => new ParticipationIndicatorsRepository(db).counts(startDate, endDate, to, addMonthsToDate(tokyoToday(), -12)) },
    // not sent while the stored business times are on the current calendar: shown for what it would cost
    { label: '(answerTimes: only just after a calendar change)', call: (db) => reporting(db).answerTimes(from, to, clock) },
  ];
}

async function rollupsShape(ctx: BenchContext): Promise<RollupsShape['before']> {
  const { rows } = await ctx.admin.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM report_tallies WHERE municipality_id = $1) AS rows,
            (SELECT count(*) FROM report_tallies WHERE municipality_id = $1 AND NOT compacted) AS uncompacted,
            (SELECT count(*) FROM answer_times WHERE municipality_id = $1 AND business_us IS NULL) AS untimed`,
    [ctx.municipalityId],
  );
  return { tallyRows: Number(rows[0].rows), uncompacted: Number(rows[0].uncompacted), untimedAnswers: Number(rows[0].untimed) };
}

/**
 * Runs the worker's ReportRollups pass until it says nothing more is waiting — the same code,
 * on this process's connections: compaction as the login role (its function is the worker's),
 * business times as tsunagi_app in a transaction of the municipality. Returns the passes run.
 */
async function keepRollups(ctx: BenchContext, batch: number): Promise<number> {
  const client = new Client({ connectionString: ctx.dbUrl });
  await client.connect();
  try {
    const settings = withDefaults((await ctx.admin.query<{ settings: unknown }>(`SELECT settings FROM municipalities WHERE id = $1`, [ctx.municipalityId])).rows[0]?.settings as never);
    const calendar = new BusinessCalendar(settings);
    const db = {
      query: async (sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows,
      forMunicipality: async <T>(id: string, fn: () => Promise<T>): Promise<T> => {
        await client.query('BEGIN');
        try {
          await client.query(`SET LOCAL ROLE ${APP_ROLE}`);
          await client.query(`SELECT set_config('app.municipality_id', $1, true)`, [id]);
          const result = await fn();
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      },
    } as unknown as Db;
    const dataSource = { query: async (sql: string, params: unknown[] = []) => (await ctx.admin.query(sql, params)).rows } as unknown as DataSource;
    const calendars = { current: async () => ({ calendar, settings }) } as unknown as CalendarService;
    const rollups = new ReportRollups(db, dataSource, calendars, new ReportRollupsRepository(db));
    let passes = 1;
    while (await rollups.pass(batch)) passes++;
    return passes;
  } finally {
    await client.end();
  }
}

/** The sections the running totals make (plans and participation read their own tables). */
function strip(r: Report): unknown {
  const { cases, referrals, escalations, closures, conferences } = r;
  return { cases, referrals, escalations, closures, conferences };
}

/**
 * Runs the report's statements (reportStatements) as the api would, as tsunagi_app in
 * one transaction with the municipality set, each once under EXPLAIN (ANALYZE, BUFFERS) and
 * once for its rows (later statements may depend on earlier rows).
 */
async function explainAll(ctx: BenchContext, fy: number): Promise<StatementTiming[]> {
  const client = new Client({ connectionString: ctx.dbUrl });
  await client.connect();
  const out: StatementTiming[] = [];
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL ROLE ${APP_ROLE}`);
    await client.query(`SELECT set_config('app.municipality_id', $1, true)`, [ctx.municipalityId]);
    const settings = withDefaults((await client.query<{ settings: unknown }>(`SELECT settings FROM municipalities WHERE id = $1`, [ctx.municipalityId])).rows[0]?.settings as never);
    let label = '';
    let inCall = 0;
    const run = async (sql: string, params: unknown[] = []) => {
      if (!/^\s*SELECT set_config\(/.test(sql)) {
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
        const plan = rows.map((r) => r['QUERY PLAN']);
        const time = (what: string) => Number(new RegExp(`${what}: ([\\d.]+) ms`).exec(plan.join('\n'))?.[1] ?? NaN);
        out.push({ label: inCall++ ? `${label} (${inCall})` : label, executionMs: time('Execution Time'), planningMs: time('Planning Time'), plan });
      }
      return (await client.query(sql, params)).rows;
    };
    const db = {
      query: (sql: string, params?: unknown[]) => run(sql, params),
      execute: async (sql: string, params?: unknown[]) => {
        const rows = await run(sql, params);
        return { rows, affected: rows.length };
      },
      transaction: (fn: () => Promise<unknown>) => fn(),
    } as unknown as Db;
    for (const statement of reportStatements(fy, new BusinessCalendar(settings))) {
      label = statement.label;
      inCall = 0;
      await statement.call(db);
    }
    await client.query('ROLLBACK');
  } finally {
    await client.end();
  }
  return out;
}

interface CodeCount {
  code: string;
  count: number;
}
interface Report {
  cases: { total: number; byChannel: CodeCount[]; byConcern: CodeCount[]; byPrimaryConcern: CodeCount[]; byAgency: Array<{ agencyId: string; count: number }>; cswHandled: number };
  referrals: {
    total: number;
    byStatus: CodeCount[];
    byAgencyPair: Array<{ fromAgencyId: string; toAgencyId: string; count: number; accepted: number; declined: number; pending: number; withdrawn: number }>;
    declined: number;
    reroutes: number;
    escalations: number;
    medianHoursToAnswer: number | null;
    medianBusinessHoursToAnswer: number | null;
  };
  escalations: { total: number; bySource: CodeCount[] };
  closures: { byReason: CodeCount[]; informationOnly: number };
  conferences: { byType: CodeCount[] };
}

/** percentile_cont(0.5) of PostgreSQL: the middle value, or the mean of the two middle ones. */
function median(values: Float64Array): number | null {
  if (!values.length) return null;
  const sorted = values.sort();
  const mid = (sorted.length - 1) / 2;
  return sorted[Math.floor(mid)] + (sorted[Math.ceil(mid)] - sorted[Math.floor(mid)]) * (mid - Math.floor(mid));
}

/**
 * Every figure of the report recounted as plainly as possible, as the login role (no
 * row-level security: the municipality is a predicate), and compared.
 */
async function recount(ctx: BenchContext, fy: number, report: Report): Promise<Check[]> {
  const { from, toExclusive: to } = fiscalYearRange(fy);
  const q = async <T extends Record<string, unknown>>(sql: string) => (await ctx.admin.query<T>(sql, [ctx.municipalityId, from, to])).rows;
  const codes = async (sql: string) => Object.fromEntries((await q<{ code: string; n: string }>(sql)).map((r) => [r.code, Number(r.n)]));
  const checks: Check[] = [];
  const same = (figure: string, reported: unknown, recounted: unknown) => {
    const a = JSON.stringify(reported);
    const b = JSON.stringify(recounted);
    checks.push({ figure, report: a.length > 120 ? `${a.slice(0, 117)}…` : a, recount: b.length > 120 ? `${b.slice(0, 117)}…` : b, equal: a === b });
  };
  const asMap = (rows: CodeCount[]) => Object.fromEntries(rows.filter((r) => r.count).map((r) => [r.code, r.count]));
  const sorted = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

  const inYear = `municipality_id = $1 AND received_at >= $2 AND received_at < $3`;
  same('cases.total', report.cases.total, Number((await q<{ n: string }>(`SELECT count(*) AS n FROM cases WHERE ${inYear}`))[0].n));
  same('cases.byChannel', sorted(asMap(report.cases.byChannel)), sorted(await codes(`SELECT channel AS code, count(*) AS n FROM cases WHERE ${inYear} GROUP BY channel`)));
  same('cases.byConcern', sorted(asMap(report.cases.byConcern)), sorted(await codes(`SELECT concern AS code, count(DISTINCT id) AS n FROM cases, unnest(concerns) concern WHERE ${inYear} GROUP BY concern`)));
  same('cases.byPrimaryConcern', sorted(asMap(report.cases.byPrimaryConcern)), sorted(await codes(`SELECT primary_concern AS code, count(*) AS n FROM cases WHERE ${inYear} AND primary_concern IS NOT NULL GROUP BY primary_concern`)));
  same(
    'cases.byAgency',
    sorted(Object.fromEntries(report.cases.byAgency.filter((a) => a.count).map((a) => [a.agencyId, a.count]))),
    sorted(await codes(`SELECT intake_agency_id::text AS code, count(*) AS n FROM cases WHERE ${inYear} GROUP BY intake_agency_id`)),
  );
  same(
    'cases.cswHandled',
    report.cases.cswHandled,
    Number(
      (
        await q<{ n: string }>(
          `WITH csw AS (SELECT id FROM agencies WHERE municipality_id = $1 AND kind = 'social_welfare_council')
           SELECT count(*) AS n FROM cases c WHERE c.${inYear}
             AND (c.intake_agency_id IN (SELECT id FROM csw) OR c.lead_agency_id IN (SELECT id FROM csw)
                  OR EXISTS (SELECT 1 FROM case_agencies a WHERE a.municipality_id = $1 AND a.case_id = c.id AND a.agency_id IN (SELECT id FROM csw))
                  OR EXISTS (SELECT 1 FROM referrals r WHERE r.municipality_id = $1 AND r.case_id = c.id AND r.status = 'accepted' AND r.to_agency_id IN (SELECT id FROM csw)))`,
        )
      )[0].n,
    ),
  );

  const made = `municipality_id = $1 AND created_at >= $2 AND created_at < $3`;
  same('referrals.total', report.referrals.total, Number((await q<{ n: string }>(`SELECT count(*) AS n FROM referrals WHERE ${made}`))[0].n));
  same('referrals.byStatus', sorted(asMap(report.referrals.byStatus)), sorted(await codes(`SELECT status AS code, count(*) AS n FROM referrals WHERE ${made} GROUP BY status`)));
  const pairs = await q<{ f: string; t: string; status: string; n: string }>(`SELECT from_agency_id AS f, to_agency_id AS t, status, count(*) AS n FROM referrals WHERE ${made} GROUP BY 1, 2, 3`);
  const recountPairs = new Map<string, Record<string, number>>();
  for (const p of pairs) {
    const key = `${p.f}→${p.t}`;
    const entry = recountPairs.get(key) ?? { count: 0, pending: 0, accepted: 0, declined: 0, withdrawn: 0 };
    entry.count += Number(p.n);
    entry[p.status] += Number(p.n);
    recountPairs.set(key, entry);
  }
  const reportPairs = Object.fromEntries(
    report.referrals.byAgencyPair.map((p) => [`${p.fromAgencyId}→${p.toAgencyId}`, { count: p.count, pending: p.pending, accepted: p.accepted, declined: p.declined, withdrawn: p.withdrawn }]),
  );
  same('referrals.byAgencyPair', sortedObject(reportPairs), sortedObject(Object.fromEntries(recountPairs)));
  same(
    'referrals.byAgencyPair order (most first)',
    report.referrals.byAgencyPair.every((p, i, all) => i === 0 || all[i - 1].count >= p.count),
    true,
  );
  same(
    'referrals.reroutes',
    report.referrals.reroutes,
    Number(
      (
        await q<{ n: string }>(
          `SELECT count(*) AS n FROM referrals r WHERE r.${made}
             AND EXISTS (SELECT 1 FROM referrals d WHERE d.municipality_id = $1 AND d.case_id = r.case_id AND d.status = 'declined' AND d.answered_at < r.created_at)`,
        )
      )[0].n,
    ),
  );
  const escalations = await codes(`SELECT source_type AS code, count(DISTINCT source_id) AS n FROM tasks WHERE ${made} AND kind = 'escalation' GROUP BY source_type`);
  same('escalations.bySource', sorted(asMap(report.escalations.bySource)), sorted(escalations));
  same('referrals.escalations', report.referrals.escalations, escalations.referral ?? 0);
  same('closures.byReason', sorted(asMap(report.closures.byReason)), sorted(await codes(`SELECT closure_reason AS code, count(*) AS n FROM cases WHERE municipality_id = $1 AND closed_at >= $2 AND closed_at < $3 GROUP BY closure_reason`)));
  same('conferences.byType', sorted(asMap(report.conferences.byType)), sorted(await codes(`SELECT type AS code, count(*) AS n FROM conferences WHERE municipality_id = $1 AND held_at >= $2 AND held_at < $3 GROUP BY type`)));

  // Medians: every answered referral of the year, elapsed and on the municipality calendar.
  const settings = withDefaults((await ctx.admin.query<{ settings: unknown }>(`SELECT settings FROM municipalities WHERE id = $1`, [ctx.municipalityId])).rows[0]?.settings as never);
  const calendar = new BusinessCalendar(settings);
  const answered = await ctx.admin.query<[number, number]>({
    text: `SELECT date_part('epoch', created_at) * 1000, date_part('epoch', answered_at) * 1000 FROM referrals
           WHERE municipality_id = $1 AND answered_at >= $2 AND answered_at < $3 AND status IN ('accepted', 'declined')`,
    values: [ctx.municipalityId, from, to],
    rowMode: 'array',
  });
  const elapsed = new Float64Array(answered.rows.length);
  const business = new Float64Array(answered.rows.length);
  answered.rows.forEach(([c, a], i) => {
    elapsed[i] = (Number(a) - Number(c)) / 3_600_000;
    business[i] = calendar.businessHoursBetween(new Date(Number(c)), new Date(Number(a)));
  });
  same('referrals.medianHoursToAnswer', report.referrals.medianHoursToAnswer, round2(median(elapsed)));
  same('referrals.medianBusinessHoursToAnswer', report.referrals.medianBusinessHoursToAnswer, round2(median(business)));
  return checks;
}

function sortedObject<T>(m: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
