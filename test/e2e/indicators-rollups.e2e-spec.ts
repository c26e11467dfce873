import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createWorkerApp } from '../../apps/worker/src/bootstrap';
import { BusinessCalendar, fiscalYearOf, fiscalYearRange } from '@tsunagi/calendar';
import { Db } from '@tsunagi/database';
import { CalendarService, withDefaults } from '@tsunagi/municipalities';
import { ReportRollups, ReportRollupsRepository } from '@tsunagi/reporting/report-rollups';
import { bearer, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';
const jst = (local: string) => `${local}+09:00`;

type Counts = Record<string, number>;
interface CodeCount {
  code: string;
  count: number;
}

/** The counted figures of a report, as maps of what is not 0. */
function figures(r: any) {
  const nonZero = (rows: CodeCount[]) => Object.fromEntries(rows.filter((x) => x.count).map((x) => [x.code, x.count]));
  return {
    cases: {
      total: r.cases.total,
      byChannel: nonZero(r.cases.byChannel),
      byConcern: nonZero(r.cases.byConcern),
      byPrimaryConcern: nonZero(r.cases.byPrimaryConcern),
      byAgency: Object.fromEntries(r.cases.byAgency.filter((a: any) => a.count).map((a: any) => [a.agencyId, a.count])),
      cswHandled: r.cases.cswHandled,
    },
    referrals: {
      total: r.referrals.total,
      byStatus: nonZero(r.referrals.byStatus),
      byAgencyPair: Object.fromEntries(
        r.referrals.byAgencyPair.map((p: any) => [`${p.fromAgencyId}→${p.toAgencyId}`, { count: p.count, pending: p.pending, accepted: p.accepted, declined: p.declined, withdrawn: p.withdrawn }]),
      ),
      declined: r.referrals.declined,
      reroutes: r.referrals.reroutes,
      escalations: r.referrals.escalations,
      medianHoursToAnswer: r.referrals.medianHoursToAnswer,
      medianBusinessHoursToAnswer: r.referrals.medianBusinessHoursToAnswer,
    },
    escalations: nonZero(r.escalations.bySource),
    closures: nonZero(r.closures.byReason),
    conferences: nonZero(r.conferences.byType),
  };
}

function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  const lo = sorted[Math.floor(mid)];
  return lo + (sorted[Math.ceil(mid)] - lo) * (mid - Math.floor(mid));
}
const round2 = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

/**
 * The indicators are read from running totals the database keeps as records change
 * (report_tallies, answer_times) and the worker compacts (ReportRollups). Whatever has or has
 * not been compacted or timed yet, every figure must equal a recount from the records: checked
 * right after acts over HTTP and edits in SQL, after the worker's pass, after later acts, and
 * across a change of the municipality calendar.
 */
describe('reports: indicators from running totals, exact before and after the worker', () => {
  let t: TestApp;
  let city: City;
  let rollups: ReportRollups;
  const ids: Record<string, string> = {};
  const current = fiscalYearOf(new Date());

  const get = (token: string, path: string) => t.http().get(`${api}${path}`).set(bearer(token));
  async function post(token: string, path: string, body: object = {}) {
    const res = await t.http().post(`${api}${path}`).set(bearer(token)).send(body);
    if (![200, 201].includes(res.status)) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
  const openCase = async (token: string, body: object) => (await post(token, '/cases', { summary: '相談内容', consent: { status: 'obtained' }, ...body })).id as string;
  const refer = async (token: string, caseId: string, toAgencyId: string, kind = 'collaboration') =>
    (await post(token, `/cases/${caseId}/referrals`, { toAgencyId, kind, reason: 'つなぎの理由', basis: 'consent' })).id as string;
  const report = async (fy: number) => {
    const res = await get(city.tokens.supervisor, `/reports/indicators?fiscalYear=${fy}`);
    expect(res.status).toBe(200);
    return figures(res.body);
  };
  const state = async () => {
    const [row] = await t.sql(
      `SELECT (SELECT count(*) FROM report_tallies WHERE municipality_id = $1 AND NOT compacted)::int AS appended,
              (SELECT count(*) FROM report_tallies WHERE municipality_id = $1)::int AS "tallyRows",
              (SELECT count(*) FROM answer_times WHERE municipality_id = $1 AND business_us IS NULL)::int AS untimed,
              (SELECT array_agg(DISTINCT calendar) FROM answer_times WHERE municipality_id = $1 AND calendar IS NOT NULL) AS calendars`,
      [city.municipalityId],
    );
    return row as { appended: number; tallyRows: number; untimed: number; calendars: string[] | null };
  };
  /** The worker's pass, until it says nothing more is waiting. */
  const keep = async () => {
    for (let i = 0; i < 20 && (await rollups.pass()); i++);
  };

  /** Every figure recounted from the records, as plainly as SQL and BusinessCalendar put it. */
  async function recount(fy: number) {
    const { from, toExclusive: to } = fiscalYearRange(fy);
    const q = (sql: string) => t.sql(sql, [city.municipalityId, from, to]);
    const codes = async (sql: string): Promise<Counts> => Object.fromEntries((await q(sql)).map((r: any) => [r.code, r.n]));
    const one = async (sql: string): Promise<number> => (await q(sql))[0].n;
    const received = `municipality_id = $1 AND received_at >= $2 AND received_at < $3`;
    const made = `municipality_id = $1 AND created_at >= $2 AND created_at < $3`;
    const csw = `(SELECT id FROM agencies WHERE municipality_id = $1 AND kind = 'social_welfare_council')`;
    const pairs: Record<string, Counts> = {};
    for (const p of await q(`SELECT from_agency_id AS f, to_agency_id AS t, status, count(*)::int AS n FROM referrals WHERE ${made} GROUP BY 1, 2, 3`)) {
      const pair = (pairs[`${p.f}→${p.t}`] ??= { count: 0, pending: 0, accepted: 0, declined: 0, withdrawn: 0 });
      pair.count += p.n;
      pair[p.status] += p.n;
    }
    const byStatus = await codes(`SELECT status AS code, count(*)::int AS n FROM referrals WHERE ${made} GROUP BY 1`);
    const escalations = await codes(`SELECT source_type AS code, count(DISTINCT source_id)::int AS n FROM tasks WHERE ${made} AND kind = 'escalation' GROUP BY 1`);
    const [{ settings }] = await t.sql(`SELECT settings FROM municipalities WHERE id = $1`, [city.municipalityId]);
    const calendar = new BusinessCalendar(withDefaults(settings));
    const answered = await q(
      `SELECT created_at, answered_at FROM referrals WHERE municipality_id = $1 AND answered_at >= $2 AND answered_at < $3 AND status IN ('accepted', 'declined')`,
    );
    return {
      cases: {
        total: await one(`SELECT count(*)::int AS n FROM cases WHERE ${received}`),
        byChannel: await codes(`SELECT channel AS code, count(*)::int AS n FROM cases WHERE ${received} GROUP BY 1`),
        byConcern: await codes(`SELECT concern AS code, count(DISTINCT id)::int AS n FROM cases, unnest(concerns) concern WHERE ${received} GROUP BY 1`),
        byPrimaryConcern: await codes(`SELECT primary_concern AS code, count(*)::int AS n FROM cases WHERE ${received} AND primary_concern IS NOT NULL GROUP BY 1`),
        byAgency: await codes(`SELECT intake_agency_id AS code, count(*)::int AS n FROM cases WHERE ${received} GROUP BY 1`),
        cswHandled: await one(
          `SELECT count(*)::int AS n FROM cases c WHERE c.${received}
             AND (c.intake_agency_id IN ${csw} OR c.lead_agency_id IN ${csw}
                  OR EXISTS (SELECT 1 FROM case_agencies a WHERE a.case_id = c.id AND a.agency_id IN ${csw})
                  OR EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = c.id AND r.status = 'accepted' AND r.to_agency_id IN ${csw}))`,
        ),
      },
      referrals: {
        total: await one(`SELECT count(*)::int AS n FROM referrals WHERE ${made}`),
        byStatus,
        byAgencyPair: pairs,
        declined: byStatus.declined ?? 0,
        reroutes: await one(
          `SELECT count(*)::int AS n FROM referrals r WHERE r.${made}
             AND EXISTS (SELECT 1 FROM referrals d WHERE d.case_id = r.case_id AND d.status = 'declined' AND d.answered_at < r.created_at)`,
        ),
        escalations: escalations.referral ?? 0,
        medianHoursToAnswer: round2(median(answered.map((a: any) => (a.answered_at.getTime() - a.created_at.getTime()) / 3600e3))),
        medianBusinessHoursToAnswer: round2(median(answered.map((a: any) => calendar.businessHoursBetween(a.created_at, a.answered_at)))),
      },
      escalations,
      closures: await codes(`SELECT closure_reason AS code, count(*)::int AS n FROM cases WHERE municipality_id = $1 AND closed_at >= $2 AND closed_at < $3 GROUP BY 1`),
      conferences: await codes(`SELECT type AS code, count(*)::int AS n FROM conferences WHERE municipality_id = $1 AND held_at >= $2 AND held_at < $3 GROUP BY 1`),
    };
  }

  const sorted = (x: unknown): unknown =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, sorted(v)])) : x;
  async function expectExact(fy: number) {
    expect([fy, sorted(await report(fy))]).toEqual([fy, sorted(await recount(fy))]);
  }
  /** Answer times to whole seconds, so BusinessCalendar (milliseconds) reads them exactly as the database (µs) does. */
  const wholeSeconds = () =>
    t.sql(`UPDATE referrals SET created_at = date_trunc('second', created_at), answered_at = date_trunc('second', answered_at) WHERE municipality_id = $1`, [city.municipalityId]);

  beforeAll(async () => {
    t = await startTestApp();
    city = await buildCity(t);
    const db = t.app.get(Db);
    rollups = new ReportRollups(db, t.app.get(DataSource), t.app.get(CalendarService), new ReportRollupsRepository(db));
  });
  afterAll(async () => t?.close());

  it('counts a year of acts exactly as they happen, before the worker has compacted or timed anything', async () => {
    const { desk, csw, houkatsu, houkatsu2 } = city.agencies;
    await keep(); // the city as built: nothing counted yet
    ids.c1 = await openCase(city.tokens.desk, { channel: 'walk_in', receivedAt: jst('2025-04-07T09:00:00'), concerns: ['long_term_care', 'hikikomori'], primaryConcern: 'eighty_fifty' });
    ids.c2 = await openCase(city.tokens.desk, { channel: 'phone', receivedAt: jst('2025-05-12T14:00:00'), concerns: ['debt'] });
    ids.c3 = await openCase(city.tokens.csw, { channel: 'outreach', receivedAt: jst('2025-10-01T10:00:00'), concerns: ['isolation'], primaryConcern: 'isolation' });
    ids.c4 = await openCase(city.tokens.desk, { channel: 'walk_in', receivedAt: jst('2025-03-31T23:59:59'), concerns: ['housing'] }); // FY2024
    ids.c5 = await openCase(city.tokens.desk, { channel: 'phone', receivedAt: new Date().toISOString(), concerns: ['housing', 'employment'] });

    ids.r1 = await refer(city.tokens.desk, ids.c1, houkatsu2, 'transfer');
    await post(city.tokens.houkatsu2, `/referrals/${ids.r1}/decline`, { reason: '担当圏域外のため' });
    ids.r2 = await refer(city.tokens.desk, ids.c1, houkatsu, 'transfer'); // a re-route
    await post(city.tokens.houkatsu, `/referrals/${ids.r2}/accept`, {});
    ids.r3 = await refer(city.tokens.houkatsu, ids.c1, csw); // the CSW team joins C1
    await post(city.tokens.csw, `/referrals/${ids.r3}/accept`, {});
    ids.r4 = await refer(city.tokens.desk, ids.c2, houkatsu);
    await post(city.tokens.desk, `/referrals/${ids.r4}/withdraw`, { reason: '本人が自分で相談に行くため' });
    ids.r5 = await refer(city.tokens.csw, ids.c3, houkatsu, 'transfer'); // left pending
    ids.r6 = await refer(city.tokens.desk, ids.c2, houkatsu2);
    await post(city.tokens.houkatsu2, `/referrals/${ids.r6}/accept`, {});
    await post(city.tokens.desk, `/cases/${ids.c2}/transitions`, { to: 'closed', closureReason: 'information_only' });
    await post(city.tokens.desk, `/cases/${ids.c1}/conferences`, { type: 'multi_agency_meeting', heldAt: jst('2025-05-20T10:00:00'), participantAgencyIds: [desk, houkatsu, csw], summary: '重層的支援会議' });
    await post(city.tokens.desk, `/cases/${ids.c2}/conferences`, { type: 'support_meeting', heldAt: jst('2025-03-10T10:00:00'), participantAgencyIds: [desk], summary: '支援会議' });

    // The acts' own times moved into FY2025, as the data of a known year.
    const move = (id: string, created: string, answered: string | null) =>
      t.sql(`UPDATE referrals SET created_at = $2, answered_at = $3 WHERE id = $1`, [id, jst(created), answered && jst(answered)]);
    await move(ids.r1, '2025-04-07T10:00:00', '2025-04-08T10:00:00');
    await move(ids.r2, '2025-04-09T10:00:00', '2025-04-09T15:30:00');
    await move(ids.r3, '2025-04-10T11:00:00', '2025-04-14T09:00:00');
    await move(ids.r4, '2025-05-13T10:00:00', '2025-05-13T12:00:00');
    await move(ids.r5, '2025-10-01T11:00:00', null);
    await move(ids.r6, '2025-05-14T16:00:00', '2025-05-19T09:45:00');
    await t.sql(`UPDATE cases SET closed_at = $2 WHERE id = $1`, [ids.c2, jst('2025-06-01T10:00:00')]);
    await t.sql(
      `INSERT INTO tasks (municipality_id, id, case_id, kind, title, assignee_agency_id, source_type, source_id, created_at)
       SELECT $1, gen_random_uuid(), $2, 'escalation', 'エスカレーション', a, 'referral', $3, $4 FROM unnest($5::uuid[]) a`,
      [city.municipalityId, ids.c3, ids.r5, jst('2025-10-06T17:15:00'), [csw, houkatsu]],
    );
    await wholeSeconds();

    const before = await state();
    expect(before.appended).toBeGreaterThan(0); // nothing compacted since these acts
    expect(before.untimed).toBe(4); // R1, R2, R3 and R6 answered, none timed yet
    await expectExact(2025);
    await expectExact(2024);
    await expectExact(current);
    const fy2025 = await report(2025);
    expect(fy2025.cases).toEqual(expect.objectContaining({ total: 3, cswHandled: 2, byConcern: { eighty_fifty: 1, long_term_care: 1, hikikomori: 1, debt: 1, isolation: 1 } }));
    // R2 and R3 were made on C1 after R1 was declined; answers took 5.5, 24, 94 and 113.75 hours
    expect(fy2025.referrals).toEqual(expect.objectContaining({ total: 6, reroutes: 2, declined: 1, escalations: 1, medianHoursToAnswer: 59 }));
  });

  it('reads the same after the worker compacts the totals and times the answers', async () => {
    const years = [2024, 2025, current];
    const before = await Promise.all(years.map(report));
    await keep();
    const after = await state();
    expect(after.appended).toBe(0);
    expect(after.untimed).toBe(0);
    expect(after.calendars).toHaveLength(1);
    expect(await Promise.all(years.map(report))).toEqual(before);
    for (const fy of years) await expectExact(fy);
  });

  it('stays exact through later acts and edits, then through the next pass', async () => {
    const { houkatsu, houkatsu2, csw } = city.agencies;
    await post(city.tokens.houkatsu, `/referrals/${ids.r5}/accept`, {});
    ids.r7 = await refer(city.tokens.desk, ids.c5, houkatsu2);
    await post(city.tokens.houkatsu2, `/referrals/${ids.r7}/decline`, { reason: '対象外のため' });
    ids.r8 = await refer(city.tokens.desk, ids.c5, csw); // after the decline: a re-route, and the CSW team joins
    await post(city.tokens.csw, `/referrals/${ids.r8}/accept`, {});
    await post(city.tokens.houkatsu, `/cases/${ids.c1}/transitions`, { to: 'closed', closureReason: 'resolved' }); // the lead since R2
    await post(city.tokens.houkatsu, `/cases/${ids.c3}/conferences`, { type: 'case_review', heldAt: jst('2025-11-04T10:00:00'), participantAgencyIds: [csw, houkatsu], summary: '検討' });
    // edits in SQL: a referral made a year earlier, a case received in the year before, the R1 decline undone, a concern twice
    await t.sql(`UPDATE referrals SET created_at = created_at - interval '1 year' WHERE id = $1`, [ids.r6]);
    await t.sql(`UPDATE cases SET concerns = '{debt,housing,debt}' WHERE id = $1`, [ids.c2]);
    await t.sql(`UPDATE cases SET received_at = $2 WHERE id = $1`, [ids.c3, jst('2025-03-01T10:00:00')]);
    await t.sql(`UPDATE referrals SET status = 'accepted', decline_reason = NULL WHERE id = $1`, [ids.r1]);
    await wholeSeconds();

    const now = await state();
    expect(now.appended).toBeGreaterThan(0);
    expect(now.untimed).toBeGreaterThan(0);
    for (const fy of [2024, 2025, current]) await expectExact(fy);
    expect((await report(2025)).referrals.reroutes).toBe(0); // R1 no longer declined
    expect((await report(2025)).cases.byConcern).toEqual({ eighty_fifty: 1, long_term_care: 1, hikikomori: 1, debt: 1, housing: 1 }); // each concern once per case
    await keep();
    expect(await state()).toEqual(expect.objectContaining({ appended: 0, untimed: 0 }));
    for (const fy of [2024, 2025, current]) await expectExact(fy);
  });

  it('follows a change of the municipality calendar at once, and again once the worker has timed everything on it', async () => {
    const timed = (await state()).calendars;
    const fy2025 = await report(2025);
    // R2 was answered on Wednesday 2025-04-09 and R3 four days later: a municipal holiday on that Wednesday shortens both.
    await t.http().patch(`${api}/municipality/settings`).set(bearer(city.tokens.admin)).send({ extraHolidays: ['2025-04-09', '2025-04-11'] }).expect(200);
    const changed = await report(2025);
    expect(changed.referrals.medianBusinessHoursToAnswer).not.toBe(fy2025.referrals.medianBusinessHoursToAnswer);
    expect((await state()).calendars).toEqual(timed); // still stored on the old calendar: the report read every answer
    await expectExact(2025);
    await keep();
    const retimed = await state();
    expect(retimed.calendars).toHaveLength(1);
    expect(retimed.calendars).not.toEqual(timed);
    expect(await report(2025)).toEqual(changed);
    await expectExact(2025);
  });

  it('is kept by the worker on its own', async () => {
    let worker: NestFastifyApplication | undefined;
    try {
      ids.c6 = await openCase(city.tokens.desk, { channel: 'walk_in', receivedAt: jst('2025-08-01T10:00:00'), concerns: ['housing'] });
      ids.r9 = await refer(city.tokens.desk, ids.c6, city.agencies.houkatsu);
      await post(city.tokens.houkatsu, `/referrals/${ids.r9}/accept`, {});
      expect((await state()).appended).toBeGreaterThan(0);
      worker = await createWorkerApp(t.config, { logger: false });
      const deadline = Date.now() + 30_000;
      let s = await state();
      while ((s.appended || s.untimed) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        s = await state();
      }
      expect(s).toEqual(expect.objectContaining({ appended: 0, untimed: 0 }));
      for (const fy of [2025, current]) await expectExact(fy);
    } finally {
      await worker?.close();
    }
  });
});
