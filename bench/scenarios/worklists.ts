import { randomBytes } from 'node:crypto';
import { DEFAULT_LIMIT } from '@tsunagi/common/pagination';
import { ReferralsRepository } from '@tsunagi/referrals/referrals.repository';
import { TasksRepository } from '@tsunagi/tasks/tasks.repository';
import type { AgencyKind, Role } from '@tsunagi/vocabularies';
import { expectStatus, http, signIn } from '../environment';
import { aloneRow, loadRow, mark, ms, n, planShape, row } from '../report';
import { capturedStatement, measureGet, planBuffers, type EndpointResult, type Scenario } from '../scenario';
import { explain } from '../search';
import { seedReferrals, type ReferralSeedResult, type SeedAgency } from '../seed-referrals';

/**
 * Worklists (issue 4 item 7): a year of referrals between a city's agencies (3,000,000;
 * 50,000 with --quick) and the tasks they made, loaded by COPY over the bulk-loaded cases;
 * then the three lists a busy agency's staff open all day — incoming referrals waiting for an
 * answer, the referrals it sent, its overdue tasks — alone and at N connections, with the
 * plan PostgreSQL chose for each, as tsunagi_app under row-level security.
 */

const GOAL_P95_MS = 20;

const PLANS = {
  quick: { referrals: 50_000, sequential: 60, warmupSeconds: 0, seconds: 1 },
  full: { referrals: 3_000_000, sequential: 500, warmupSeconds: 3, seconds: 15 },
};

/** The agencies of a mid-sized city and how much of the hand-off traffic each makes and receives (the desk exists already). */
const AGENCIES: ReadonlyArray<{ code: string; name: string; kind: AgencyKind; area?: string; role: Role; sends: number; receives: number }> = [
  { code: 'houkatsu-kita', name: '北部地域包括支援センター', kind: 'community_support_centre', area: '北部', role: 'agency_staff', sends: 8, receives: 12 },
  { code: 'houkatsu-chuo', name: '中部地域包括支援センター', kind: 'community_support_centre', area: '中部', role: 'agency_staff', sends: 6, receives: 9 },
  { code: 'houkatsu-minami', name: '南部地域包括支援センター', kind: 'community_support_centre', area: '南部', role: 'agency_staff', sends: 5, receives: 8 },
  { code: 'houkatsu-higashi', name: '東部地域包括支援センター', kind: 'community_support_centre', area: '東部', role: 'agency_staff', sends: 4, receives: 6 },
  { code: 'houkatsu-nishi', name: '西部地域包括支援センター', kind: 'community_support_centre', area: '西部', role: 'agency_staff', sends: 4, receives: 6 },
  { code: 'houkatsu-ekimae', name: '駅前地域包括支援センター', kind: 'community_support_centre', area: '中部', role: 'agency_staff', sends: 3, receives: 5 },
  { code: 'kikan-soudan', name: '基幹相談支援センター', kind: 'disability_support_centre', area: '市全域', role: 'agency_staff', sends: 4, receives: 7 },
  { code: 'shogai-soudan-kita', name: '障害者相談支援事業所 ひまわり', kind: 'disability_support_centre', area: '北部', role: 'agency_staff', sends: 2, receives: 3 },
  { code: 'shogai-soudan-minami', name: '障害者相談支援事業所 あおば', kind: 'disability_support_centre', area: '南部', role: 'agency_staff', sends: 2, receives: 3 },
  { code: 'kodomo-katei', name: 'こども家庭センター', kind: 'child_support_centre', area: '市全域', role: 'agency_staff', sends: 4, receives: 5 },
  { code: 'shakyo-csw', name: '社会福祉協議会 CSWチーム', kind: 'social_welfare_council', area: '市全域', role: 'csw', sends: 5, receives: 9 },
  { code: 'jiritsu', name: '自立相談支援機関', kind: 'self_reliance_support', area: '市全域', role: 'agency_staff', sends: 4, receives: 7 },
  { code: 'seikatsu-coord-1', name: '生活支援コーディネーター（第1層）', kind: 'lifestyle_support', area: '市全域', role: 'coordinator', sends: 1, receives: 2 },
  { code: 'seikatsu-coord-2-kita', name: '生活支援コーディネーター（第2層・北部）', kind: 'lifestyle_support', area: '北部', role: 'coordinator', sends: 1, receives: 2 },
  { code: 'koreisha-ka', name: '高齢者支援課', kind: 'city_department', role: 'agency_staff', sends: 2, receives: 3 },
  { code: 'shogai-ka', name: '障害福祉課', kind: 'city_department', role: 'agency_staff', sends: 2, receives: 3 },
  { code: 'seikatsu-ka', name: '生活福祉課', kind: 'city_department', role: 'agency_staff', sends: 2, receives: 4 },
  { code: 'kosodate-ka', name: '子育て支援課', kind: 'city_department', role: 'agency_staff', sends: 2, receives: 3 },
  { code: 'hoken-center', name: '保健センター', kind: 'city_department', role: 'agency_staff', sends: 1, receives: 3 },
  { code: 'minsei', name: '民生委員・児童委員協議会', kind: 'volunteer_council', area: '市全域', role: 'agency_staff', sends: 1, receives: 1 },
  { code: 'shimin-katsudo', name: '市民活動センター', kind: 'community_centre', area: '市全域', role: 'agency_staff', sends: 0.5, receives: 1 },
  { code: 'saposute', name: '地域若者サポートステーション', kind: 'other', area: '市全域', role: 'agency_staff', sends: 0.5, receives: 2 },
  { code: 'hikikomori', name: 'ひきこもり地域支援センター', kind: 'other', area: '市全域', role: 'agency_staff', sends: 0.5, receives: 2 },
];
const DESK_SHARE = { sends: 30, receives: 2 };
/** whose worklists are measured: the agency that receives the most */
const BUSY = 'houkatsu-kita';

export interface WorklistsResult {
  agencies: number;
  provisionSeconds: number;
  seed: ReferralSeedResult;
  busyAgency: { code: string; name: string; incomingPending: number; outgoing: number; overdueOpenTasks: number; openTasks: number };
  desk: { outgoing: number };
  endpoints: EndpointResult[];
}

export const worklists: Scenario<WorklistsResult> = {
  name: 'worklists',
  summary: `referrals by COPY (${PLANS.full.referrals.toLocaleString('en')}; ${PLANS.quick.referrals.toLocaleString('en')} with --quick) with their tasks, then GET /referrals incoming/outgoing and GET /tasks?overdue=true as a busy agency`,

  async run(ctx) {
    const plan = PLANS[ctx.mode];
    await ctx.bulkCases();
    const base = ctx.api.baseUrl;

    // the city's agencies, each with a staff member, made over HTTP by the administrator
    const p0 = performance.now();
    const admin = await signIn(base, ctx.municipalityCode, 'admin', ctx.adminPassword);
    const agencies: Array<SeedAgency & { code: string; name: string; password: string; username: string }> = [
      { code: 'desk', name: 'consultation desk', id: ctx.desk.agencyId, userId: ctx.desk.userId, username: 'desk', password: '', ...DESK_SHARE },
    ];
    for (const a of AGENCIES) {
      const agency = await expectStatus<{ id: string }>(`create agency ${a.code}`, http(base, 'POST', '/api/v1/agencies', { token: admin.accessToken, body: { code: a.code, name: a.name, kind: a.kind, ...(a.area ? { area: a.area } : {}) } }), 201);
      agencies.push({ code: a.code, name: a.name, id: agency.id, userId: '', username: `${a.code}-staff`, password: randomBytes(12).toString('base64url'), sends: a.sends, receives: a.receives });
    }
    for (let i = 1; i < agencies.length; i += 4) {
      await Promise.all(
        agencies.slice(i, i + 4).map(async (a) => {
          const role = AGENCIES.find((x) => x.code === a.code)!.role;
          const user = await expectStatus<{ id: string }>(
            `create user ${a.username}`,
            http(base, 'POST', '/api/v1/users', { token: admin.accessToken, body: { username: a.username, displayName: `${a.name} 職員`, agencyId: a.id, roles: [role], password: a.password } }),
            201,
          );
          a.userId = user.id;
        }),
      );
    }
    const provisionSeconds = Math.round((performance.now() - p0) / 100) / 10;
    ctx.log(`worklists: ${agencies.length} agencies with a staff member each, made over HTTP in ${provisionSeconds} s`);

    ctx.log(`worklists: ${plan.referrals.toLocaleString('en')} referrals and their tasks by COPY`);
    const seed = await seedReferrals(ctx.dbUrl, { municipalityId: ctx.municipalityId, agencies, referrals: plan.referrals }, ctx.log);
    ctx.log(
      `  ${seed.referrals.toLocaleString('en')} referrals and ${seed.tasks.toLocaleString('en')} tasks in ${seed.seconds} s (${seed.referralsPerSecond.toLocaleString('en')} referrals/s, ` +
        `${seed.rowsPerSecond.toLocaleString('en')} rows/s), VACUUM ANALYZE ${seed.vacuumAnalyzeSeconds} s`,
    );

    const busy = agencies.find((a) => a.code === BUSY)!;
    const staff = await signIn(base, ctx.municipalityCode, busy.username, busy.password);
    const count = async (sql: string, params: unknown[]) => Number((await ctx.admin.query<{ n: string }>(sql, params)).rows[0].n);
    const busyAgency = {
      code: busy.code,
      name: busy.name,
      incomingPending: await count(`SELECT count(*) AS n FROM referrals WHERE to_agency_id = $1 AND status = 'pending'`, [busy.id]),
      outgoing: await count(`SELECT count(*) AS n FROM referrals WHERE from_agency_id = $1`, [busy.id]),
      openTasks: await count(`SELECT count(*) AS n FROM tasks WHERE assignee_agency_id = $1 AND status = 'open'`, [busy.id]),
      overdueOpenTasks: await count(`SELECT count(*) AS n FROM tasks WHERE assignee_agency_id = $1 AND status = 'open' AND due_at < now()`, [busy.id]),
    };
    const desk = { outgoing: await count(`SELECT count(*) AS n FROM referrals WHERE from_agency_id = $1`, [ctx.desk.agencyId]) };

    const lists = [
      {
        label: `GET /referrals?direction=incoming&status=pending (${busy.name})`,
        path: '/api/v1/referrals?direction=incoming&status=pending',
        token: staff.accessToken,
        statement: () => capturedStatement((db) => new ReferralsRepository(db).list({ agencyId: busy.id, direction: 'incoming', status: 'pending', limit: DEFAULT_LIMIT })),
      },
      {
        label: `GET /referrals?direction=outgoing (${busy.name})`,
        path: '/api/v1/referrals?direction=outgoing',
        token: staff.accessToken,
        statement: () => capturedStatement((db) => new ReferralsRepository(db).list({ agencyId: busy.id, direction: 'outgoing', limit: DEFAULT_LIMIT })),
      },
      {
        label: `GET /tasks?scope=agency&overdue=true (${busy.name})`,
        path: '/api/v1/tasks?scope=agency&overdue=true',
        token: staff.accessToken,
        statement: () =>
          capturedStatement((db) => new TasksRepository(db).list({ scope: 'agency', userId: staff.user.id, agencyId: busy.id, supervisor: false, overdue: true, limit: DEFAULT_LIMIT })),
      },
      {
        label: 'GET /referrals?direction=outgoing (consultation desk, the busiest sender)',
        path: '/api/v1/referrals?direction=outgoing',
        token: ctx.desk.token,
        statement: () => capturedStatement((db) => new ReferralsRepository(db).list({ agencyId: ctx.desk.agencyId, direction: 'outgoing', limit: DEFAULT_LIMIT })),
      },
    ];
    const endpoints: EndpointResult[] = [];
    for (const list of lists) {
      const result = await measureGet(ctx, {
        label: list.label,
        paths: [list.path],
        token: list.token,
        sequential: plan.sequential,
        warmupSeconds: plan.warmupSeconds,
        seconds: plan.seconds,
        budgetMs: 20_000,
      });
      result.explain = await explain(ctx.dbUrl, ctx.municipalityId, await list.statement(), true);
      const c = result.concurrent;
      ctx.log(
        `  ${list.label}: ${result.firstPage} items; alone p50 ${result.sequential.latencyMs.p50} p95 ${result.sequential.latencyMs.p95} p99 ${result.sequential.latencyMs.p99} ms` +
          (c ? `; @${c.connections}: ${c.requestsPerSecond} req/s p99 ${c.latencyMs.p99} ms` : '') +
          `; SQL ${result.explain.executionMs} ms (${planShape(result.explain.plan)})`,
      );
      endpoints.push(result);
    }
    return { agencies: agencies.length, provisionSeconds, seed, busyAgency, desk, endpoints };
  },

  goals(r) {
    return r.endpoints.map((e) => ({
      goal: `${e.label.replace(/ \(.*\)$/, '')} alone p95 < ${GOAL_P95_MS} ms (${n(r.seed.referrals, 0)} referrals)`,
      measured: `${ms(e.sequential.latencyMs.p95)} ms${/desk/.test(e.label) ? ' (desk)' : ''}`,
      met: e.sequential.latencyMs.p95 < GOAL_P95_MS,
    }));
  },

  section(r) {
    const s = r.seed;
    const out: string[] = [`## Worklists on ${n(s.referrals, 0)} referrals`, ''];
    out.push(
      `${r.agencies} agencies (the desk and ${r.agencies - 1} made over HTTP with a staff member each, ${r.provisionSeconds} s). ` +
        `${n(s.referrals, 0)} referrals over a year on ${n(s.casesReferred, 0)} of the bulk-loaded cases and ${n(s.tasks, 0)} tasks (response, re-route, escalation, hand-off check, monitoring) ` +
        `loaded by COPY in ${s.seconds} s: **${n(s.referralsPerSecond, 0)} referrals/s, ${n(s.rowsPerSecond, 0)} rows/s** (${s.megabytesSent} MB; the ${s.indexes.length} secondary indexes built after the COPY in ${s.indexSeconds} s of that, ` +
        `${s.foreignKeysChecked ? 'foreign keys checked row by row' : 'foreign keys not checked row by row (session_replication_role = replica): every reference points at a row made first'}); ` +
        `VACUUM (ANALYZE) ${s.vacuumAnalyzeSeconds} s. Status: ${Object.entries(s.byStatus).map(([k, v]) => `${k} ${n(v, 0)}`).join(', ')}. ` +
        `Sizes: ${Object.entries(s.sizes).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      '',
      `Measured as a staff member of ${r.busyAgency.name} (${n(r.busyAgency.incomingPending, 0)} incoming referrals pending, ${n(r.busyAgency.outgoing, 0)} sent, ` +
        `${n(r.busyAgency.openTasks, 0)} open tasks of which ${n(r.busyAgency.overdueOpenTasks, 0)} overdue) and as the desk (${n(r.desk.outgoing, 0)} sent). ` +
        `First page (${DEFAULT_LIMIT} items), latency in ms; SQL: EXPLAIN (ANALYZE, BUFFERS) of the statement the repository sends, as tsunagi_app with the municipality set.`,
      '',
    );
    out.push(row(['list', 'connections', 'req/s', 'p50', 'p95', 'p99', 'max', 'requests', 'non-2xx / errors']), row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
    for (const e of r.endpoints) {
      out.push(aloneRow(`${e.label}, alone`, e.sequential));
      if (e.concurrent) out.push(loadRow(e.label, e.concurrent));
    }
    out.push('');
    out.push(
      '"floor": GET /health/live alone (no database) just before, what any request cost on the machine then; "buffers": shared buffers the statement touched, ' +
        'its work whatever the machine\'s load. "other %": CPU other programs took during the run at 32 connections (of one core).',
      '',
      row(['list', 'items', `alone p95 < ${GOAL_P95_MS} ms`, 'floor p50 / p95', 'SQL ms', 'buffers', 'plan', 'api CPU ms/req', 'PG CPU ms/req', 'PG xacts/req', 'rows read/req', 'other %']),
      row(['---', '---:', '---', '---:', '---:', '---:', '---', '---:', '---:', '---:', '---:', '---:']),
    );
    for (const e of r.endpoints) {
      const c = e.concurrent?.cpu;
      out.push(
        row([
          e.label, e.firstPage, mark(e.sequential.latencyMs.p95 < GOAL_P95_MS), e.floor ? `${ms(e.floor.latencyMs.p50)} / ${ms(e.floor.latencyMs.p95)}` : '—',
          e.explain ? ms(e.explain.executionMs) : '—', e.explain ? n(planBuffers(e.explain.plan), 0) : '—', e.explain ? planShape(e.explain.plan) : '',
          ms(c?.apiMsPerRequest), ms(c?.postgresMsPerRequest), n(e.db?.transactions), n(e.db?.rowsRead), n(c?.otherPct),
        ]),
      );
    }
    out.push('');
    for (const e of r.endpoints) {
      if (e.explain) out.push(`<details><summary>plan: ${e.label}</summary>`, '', '```', ...e.explain.plan, '```', '', '</details>', '');
    }
    return out;
  },
};
