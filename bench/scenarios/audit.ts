import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { ClsService } from 'nestjs-cls';
import { sealChain, verifyChain, type QueryFn, type VerifyResult } from '@tsunagi/audit/audit-chain';
import { AuditQueryService } from '@tsunagi/audit/audit-query.service';
import { AuditService } from '@tsunagi/audit/audit.service';
import type { AuditQueryDto } from '@tsunagi/audit/dto/audit.dto';
import type { Actor } from '@tsunagi/common';
import type { Db } from '@tsunagi/database';
import { APP_ROLE } from '@tsunagi/database/data-source';
import { measureRoundTrip } from '../calibrate';
import { expectStatus, http, signIn, startWorker } from '../environment';
import { HouseholdGenerator } from '../households';
import { runLoad, type LoadRun } from '../http-load';
import { cpuBetween, cpuSnapshot, memoryOf, round1, type CpuUse } from '../proc';
import { aloneRow, mark, ms, n, planShape, row } from '../report';
import { capturedStatement, measureGet, planBuffers, slowGet, type BenchContext, type EndpointResult, type Scenario } from '../scenario';
import { explain } from '../search';
import { seedAudit, type AuditSeedResult } from '../seed-audit';

/**
 * The audit trail (issue 6) at a city's scale:
 * (b) a year of audit events (10,000,000; 100,000 with --quick) by COPY into the monthly
 *     partitions with a valid hash chain, the newest of them left for the application's own
 *     sealer (`sealChain`, as the worker's AuditSealer runs it: its speed); then
 *     `verifyChain` over the whole chain (events/s), `GET /audit/verify`, and
 *     `GET /audit?entityId=` / `?actorId=` / `?caseId=` as an auditor;
 * (a) what the chain costs intake: POST /cases at N connections with the worker running
 *     (its AuditSealer seals the new events every second) and without it (the events are
 *     inserted as always, in the act's transaction, and nothing seals them), in turns.
 * (b) runs first: the seeded history must be chained before anything seals the bench's own,
 * newer events.
 */

const GOALS = { overheadPct: 15, verifyPerSecond: 200_000, queryP95Ms: 50 };
const SEALER_BUDGET_MS = 10 * 60_000;

const PLANS = {
  quick: { events: 100_000, unsealed: 5_000, staff: 150, sequential: 60, intakeWarmup: 1, intakeSeconds: 4, turns: ['without', 'with'] as const, verifyOverHttp: false },
  full: { events: 10_000_000, unsealed: 20_000, staff: 400, sequential: 300, intakeWarmup: 3, intakeSeconds: 20, turns: ['without', 'with', 'with', 'without'] as const, verifyOverHttp: true },
};

const ROLES_BY_KIND: Record<string, string[]> = {
  consultation_desk: ['desk_staff'],
  social_welfare_council: ['csw'],
  lifestyle_support: ['coordinator'],
};

export interface IntakeTurn {
  chain: 'with' | 'without';
  load: LoadRun;
  /** events the worker's sealer chained during the measured seconds */
  sealed?: number;
}

export interface AuditResult {
  seed: AuditSeedResult;
  /** `left`: events still unsealed when the passes stopped (after 10 minutes at most) */
  sealer: { events: number; seconds: number; eventsPerSecond: number; passes: number; slowestPassSeconds: number; left: boolean };
  verify: VerifyResult & { seconds: number; eventsPerSecond: number };
  /** GET /audit/verify, full runs only (it seals, then walks the chain again) */
  verifyHttp?: { status: number; seconds: number; eventsChecked?: number; valid?: boolean; detail?: string };
  queries: EndpointResult[];
  insert: { statementUs: number; roundTripUs: number };
  intake: {
    turns: IntakeTurn[];
    withRps: number;
    withoutRps: number;
    overheadPct: number;
    worker: { startSeconds: number; idleCpuPct: number; peakRssMiB?: number };
  };
}

/** A transaction as the api runs one: as tsunagi_app, with the municipality set (row-level security applies). */
async function inAppTransaction<T>(client: Client, municipalityId: string, fn: (q: QueryFn) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL ROLE ${APP_ROLE}`);
    await client.query(`SELECT set_config('app.municipality_id', $1, true)`, [municipalityId]);
    const result = await fn(async (sql, params) => (await client.query(sql, params)).rows);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function withClient<T>(dbUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const headSeq = async (ctx: BenchContext) =>
  Number((await ctx.admin.query<{ seq: string }>(`SELECT coalesce((SELECT seq FROM audit_chain_heads WHERE municipality_id = $1), 0)::text AS seq`, [ctx.municipalityId])).rows[0].seq);

export const audit: Scenario<AuditResult> = {
  name: 'audit',
  summary: `audit events by COPY with their hash chain (${PLANS.full.events.toLocaleString('en')}; ${PLANS.quick.events.toLocaleString('en')} with --quick), the sealer, verifyChain, GET /audit by entity, actor and case, and POST /cases with and without the chain sealer`,

  async run(ctx) {
    const plan = PLANS[ctx.mode];
    const base = ctx.api.baseUrl;
    const mun = ctx.municipalityId;
    await ctx.bulkCases();

    // ---- (b) a year of history, chained; the newest events left to the sealer ----
    const { rows: agencyRows } = await ctx.admin.query<{ id: string; kind: string }>(`SELECT id, kind FROM agencies WHERE municipality_id = $1 ORDER BY created_at`, [mun]);
    const agencies = agencyRows.map((a) => ({ id: a.id, roles: ROLES_BY_KIND[a.kind] ?? ['agency_staff'] }));
    ctx.log(`audit: ${plan.events.toLocaleString('en')} audit events by COPY with their hash chain (the newest ${plan.unsealed.toLocaleString('en')} left to the sealer)`);
    const seed = await seedAudit(ctx.dbUrl, { municipalityId: mun, events: plan.events, unsealed: plan.unsealed, agencies, staff: plan.staff }, ctx.log);
    ctx.log(
      `  ${seed.events.toLocaleString('en')} events (${seed.chained.toLocaleString('en')} chained) in ${seed.seconds} s: ${seed.eventsPerSecond.toLocaleString('en')} events/s; ` +
        `${seed.partitionsCreated} monthly partitions made; VACUUM ANALYZE ${seed.vacuumAnalyzeSeconds} s`,
    );

    // the application's sealer, pass after pass as the worker runs it, until nothing is left
    const sealer = await withClient(ctx.dbUrl, async (client) => {
      const t0 = performance.now();
      let events = 0;
      let passes = 0;
      let slowest = 0;
      let left = false;
      for (;;) {
        const p0 = performance.now();
        const sealed = await inAppTransaction(client, mun, (q) => sealChain(q, mun));
        slowest = Math.max(slowest, performance.now() - p0);
        events += sealed;
        passes++;
        if (sealed < 5000) break;
        if (performance.now() - t0 > SEALER_BUDGET_MS) {
          ctx.log(`  the sealer's passes stopped after ${Math.round((performance.now() - t0) / 1000)} s with events left`);
          left = true;
          break;
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      return { events, seconds: round1(seconds), eventsPerSecond: Math.round(events / seconds), passes, slowestPassSeconds: round1(slowest / 1000), left };
    });
    ctx.log(`  sealer: ${sealer.events.toLocaleString('en')} events in ${sealer.seconds} s (${sealer.eventsPerSecond.toLocaleString('en')} events/s, ${sealer.passes} passes, the slowest ${sealer.slowestPassSeconds} s)`);

    const verify = await withClient(ctx.dbUrl, async (client) => {
      const t0 = performance.now();
      const result = await inAppTransaction(client, mun, (q) => verifyChain(q, mun));
      const seconds = (performance.now() - t0) / 1000;
      return { ...result, seconds: round1(seconds), eventsPerSecond: Math.round(result.eventsChecked / seconds) };
    });
    ctx.log(`  verifyChain: ${verify.valid ? 'valid' : `INVALID at ${verify.firstInvalidEventId} (${verify.reason})`}, ${verify.eventsChecked.toLocaleString('en')} events in ${verify.seconds} s (${verify.eventsPerSecond.toLocaleString('en')} events/s)`);

    // an auditor, made by the administrator over HTTP
    const admin = await signIn(base, ctx.municipalityCode, 'admin', ctx.adminPassword);
    const password = randomBytes(12).toString('base64url');
    await expectStatus('create auditor', http(base, 'POST', '/api/v1/users', { token: admin.accessToken, body: { username: 'auditor', displayName: '監査 花子', roles: ['auditor'], password } }), 201);
    const auditor = await signIn(base, ctx.municipalityCode, 'auditor', password);

    let verifyHttp: AuditResult['verifyHttp'];
    if (plan.verifyOverHttp) {
      const h0 = performance.now();
      const res = await slowGet<{ valid?: boolean; eventsChecked?: number; detail?: string }>(`${base}/api/v1/audit/verify`, auditor.accessToken);
      verifyHttp = {
        status: res.status,
        seconds: round1((performance.now() - h0) / 1000),
        eventsChecked: res.body.eventsChecked,
        valid: res.body.valid,
        detail: res.status === 200 ? undefined : String(res.body.detail ?? res.body).slice(0, 300),
      };
      ctx.log(`  GET /audit/verify: ${res.status} in ${verifyHttp.seconds} s${res.body.eventsChecked ? ` (${res.body.eventsChecked.toLocaleString('en')} events, ${res.body.valid ? 'valid' : 'INVALID'})` : `: ${verifyHttp.detail}`}`);
    }

    const auditorActor: Actor = { userId: auditor.user.id, municipalityId: mun, agencyId: null, roles: ['auditor'], username: 'auditor' };
    const queries: EndpointResult[] = [];
    for (const [filter, ids] of [['entityId', seed.samples.entityIds], ['actorId', seed.samples.actorIds], ['caseId', seed.samples.caseIds]] as const) {
      const result = await measureGet(ctx, {
        label: `GET /audit?${filter}=`,
        paths: ids.map((id) => `/api/v1/audit?${filter}=${id}`),
        token: auditor.accessToken,
        sequential: plan.sequential,
        warmupSeconds: 0,
        seconds: 0,
        budgetMs: 30_000,
      });
      const statement = await capturedStatement((db) => new AuditQueryService(db, { record: async () => undefined } as unknown as AuditService).list(auditorActor, { [filter]: ids[0] } as AuditQueryDto));
      result.explain = await explain(ctx.dbUrl, mun, statement, true);
      ctx.log(`  ${result.label} over ${ids.length} ids: alone p50 ${result.sequential.latencyMs.p50} p95 ${result.sequential.latencyMs.p95} p99 ${result.sequential.latencyMs.p99} ms; SQL ${result.explain.executionMs} ms (${planShape(result.explain.plan)})`);
      queries.push(result);
    }

    // what one audit insert costs, as AuditService.record sends it, beside a bare round trip
    const insert = await withClient(ctx.dbUrl, async (client) => {
      const recorder = (db: Db) =>
        new AuditService(db, { isActive: () => false } as unknown as ClsService).record({ action: 'case.viewed', entityType: 'case', entityId: seed.samples.caseIds[0], caseId: seed.samples.caseIds[0], municipalityId: mun });
      await client.query('BEGIN');
      await client.query(`SET LOCAL ROLE ${APP_ROLE}`);
      await client.query(`SELECT set_config('app.municipality_id', $1, true)`, [mun]);
      const count = 1000;
      let spent = 0;
      for (let i = 0; i < count + 100; i++) {
        const { sql, params } = await capturedStatement(recorder);
        const t0 = performance.now();
        await client.query(sql, params);
        if (i >= 100) spent += performance.now() - t0;
      }
      await client.query('COMMIT');
      return { statementUs: round1((spent * 1000) / count), roundTripUs: (await measureRoundTrip(ctx.dbUrl, ctx.watch, 1000)).wallUs };
    });
    ctx.log(`  one audit INSERT: ${insert.statementUs} µs (a bare SELECT round trip: ${insert.roundTripUs} µs)`);

    // ---- (a) POST /cases with and without the chain sealer, in turns ----
    const generator = new HouseholdGenerator(66);
    const bodies = Array.from({ length: 5000 }, () => JSON.stringify(generator.intake()));
    let next = 0;
    const intakeRequest = { method: 'POST' as const, path: '/api/v1/cases', setupRequest: (req: object) => ({ ...req, body: bodies[next++ % bodies.length] }) };
    const headers = { authorization: `Bearer ${ctx.desk.token}`, 'content-type': 'application/json' };
    const turns: IntakeTurn[] = [];
    const workerInfo = { startSeconds: 0, idleCpuPct: 0, peakRssMiB: undefined as number | undefined };
    for (const chain of plan.turns) {
      let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
      if (chain === 'with') {
        const w0 = performance.now();
        worker = await startWorker({ ...ctx.appEnv, LOG_LEVEL: 'warn' }, ctx.cleanup);
        workerInfo.startSeconds = round1((performance.now() - w0) / 1000);
        ctx.watch.worker = worker.pid;
        // let it seal what the previous turn wrote, then see what it costs idle
        for (let last = -1, seq = await headSeq(ctx); seq !== last; last = seq, seq = await headSeq(ctx)) await new Promise((r) => setTimeout(r, 1500));
        const idle0 = cpuSnapshot(ctx.watch);
        await new Promise((r) => setTimeout(r, 2000));
        workerInfo.idleCpuPct = cpuBetween(idle0, cpuSnapshot(ctx.watch)).workerPct ?? 0;
      }
      await runLoad({ baseUrl: base, connections: ctx.connections, seconds: plan.intakeWarmup, requests: [intakeRequest], headers, watch: ctx.watch });
      const seq0 = await headSeq(ctx);
      const load = await runLoad({ baseUrl: base, connections: ctx.connections, seconds: plan.intakeSeconds, requests: [intakeRequest], headers, watch: ctx.watch });
      const turn: IntakeTurn = { chain, load };
      if (worker) {
        turn.sealed = (await headSeq(ctx)) - seq0;
        workerInfo.peakRssMiB = Math.max(workerInfo.peakRssMiB ?? 0, memoryOf(worker.pid)?.peakRssMiB ?? 0);
        await worker.stop();
        delete ctx.watch.worker;
      }
      ctx.log(`  POST /cases ${chain} the chain sealer: ${load.requestsPerSecond} req/s, p50 ${load.latencyMs.p50} p99 ${load.latencyMs.p99} ms, non-2xx ${load.non2xx}${turn.sealed !== undefined ? `, ${turn.sealed} events sealed meanwhile` : ''}`);
      turns.push(turn);
    }
    const mean = (chain: 'with' | 'without') => {
      const runs = turns.filter((t) => t.chain === chain);
      return runs.reduce((s, t) => s + t.load.requests, 0) / runs.reduce((s, t) => s + t.load.seconds, 0);
    };
    const withRps = Math.round(mean('with'));
    const withoutRps = Math.round(mean('without'));
    const overheadPct = round1(((withoutRps - withRps) / withoutRps) * 100);
    ctx.log(`  chain overhead on POST /cases: ${withoutRps} → ${withRps} req/s (${overheadPct} %)`);

    return { seed, sealer, verify, verifyHttp, queries, insert, intake: { turns, withRps, withoutRps, overheadPct, worker: workerInfo } };
  },

  goals(r) {
    return [
      { goal: `POST /cases throughput: chain overhead < ${GOALS.overheadPct} % (sealer running vs not)`, measured: `${n(r.intake.withoutRps, 0)} → ${n(r.intake.withRps, 0)} req/s: ${n(r.intake.overheadPct)} %`, met: r.intake.overheadPct < GOALS.overheadPct },
      { goal: `verifyChain ≥ ${n(GOALS.verifyPerSecond, 0)} events/s (${n(r.verify.eventsChecked, 0)} events)`, measured: `${n(r.verify.eventsPerSecond, 0)} events/s, ${r.verify.valid ? 'valid' : 'INVALID'}`, met: r.verify.valid && r.verify.eventsPerSecond >= GOALS.verifyPerSecond },
      ...r.queries.map((q) => ({ goal: `${q.label} alone p95 < ${GOALS.queryP95Ms} ms (${n(r.seed.events, 0)} events)`, measured: `${ms(q.sequential.latencyMs.p95)} ms`, met: q.sequential.latencyMs.p95 < GOALS.queryP95Ms })),
      { goal: 'audit sealer (no target in the issue)', measured: `${n(r.sealer.eventsPerSecond, 0)} events/s`, met: undefined },
    ];
  },

  section(r) {
    const s = r.seed;
    const out: string[] = [`## Audit trail on ${n(s.events, 0)} events`, ''];
    out.push(
      `**Seeding.** ${n(s.events, 0)} audit events from ${s.from.slice(0, 10)} to ${s.until.slice(0, 10)} (sessions of staff on cases, worklists, searches, sign-ins, auditors; office hours; ` +
        `${s.partitionsCreated} monthly partitions made as the worker names them) and ${n(s.chained, 0)} chain rows with digests and hashes computed as sealChain does, ` +
        `by COPY in ${s.seconds} s: **${n(s.eventsPerSecond, 0)} events/s** (${s.megabytesSent} MB; the ${s.indexes.length} secondary indexes of audit_events built after the COPY in ${s.indexSeconds} s of that, the primary keys checked as rows arrived); ` +
        `VACUUM (ANALYZE) ${s.vacuumAnalyzeSeconds} s. ` +
        `The history takes transaction ids ${s.transactionIds.first}–${s.transactionIds.last}, below the bench's own first (${s.transactionIds.firstReal}), so it is chained before the newer events. ` +
        `Sizes: ${Object.entries(s.sizes).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      '',
      `**Sealer.** sealChain, pass after pass as the worker's AuditSealer runs it (≤ 5,000 events a pass, one transaction each, as tsunagi_app): ` +
        `${n(r.sealer.events, 0)} events (the ${n(s.events - s.chained, 0)} seeded ones left unsealed and the bench's own) in ${r.sealer.seconds} s, **${n(r.sealer.eventsPerSecond, 0)} events/s** ` +
        `(${r.sealer.passes} passes, the slowest ${r.sealer.slowestPassSeconds} s; the worker starts a pass every second)` +
        (r.sealer.left ? '; stopped after 10 minutes with events still unsealed.' : '.'),
      '',
      `**Verify.** verifyChain over the whole chain, as tsunagi_app: ${r.verify.valid ? 'valid' : `**INVALID** at ${r.verify.firstInvalidEventId}: ${r.verify.reason}`}, ` +
        `${n(r.verify.eventsChecked, 0)} events in ${r.verify.seconds} s: **${n(r.verify.eventsPerSecond, 0)} events/s**. ` +
        (r.verifyHttp
          ? `GET /audit/verify as the auditor (seals what is final, then verifies): ${r.verifyHttp.status} in ${r.verifyHttp.seconds} s` +
            (r.verifyHttp.eventsChecked !== undefined ? ` (${n(r.verifyHttp.eventsChecked, 0)} events, ${r.verifyHttp.valid ? 'valid' : 'INVALID'})` : '') +
            (r.verifyHttp.detail ? `: ${r.verifyHttp.detail}` : '') + '.'
          : 'GET /audit/verify is sent in full runs only.'),
      '',
    );
    out.push(
      `**Queries** as an auditor, one request at a time over ${r.queries.map((q) => `${q.sequential.requests} requests`).join(' / ')} for sampled ids of the seeded events ` +
        '(entities: cases, notes, referrals; actors: staff, the busiest most likely; cases). SQL: EXPLAIN (ANALYZE, BUFFERS) of the statement AuditQueryService.list sends, as tsunagi_app.',
      '',
      row(['query', 'connections', 'req/s', 'p50', 'p95', 'p99', 'max', 'requests', 'non-2xx / errors']),
      row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
      ...r.queries.map((q) => aloneRow(q.label, q.sequential)),
      '',
      row(['query', `p95 < ${GOALS.queryP95Ms} ms`, 'floor p50 / p95', 'items (first id)', 'SQL ms', 'buffers', 'plan']),
      row(['---', '---', '---:', '---:', '---:', '---:', '---']),
      ...r.queries.map((q) =>
        row([
          q.label, mark(q.sequential.latencyMs.p95 < GOALS.queryP95Ms), q.floor ? `${ms(q.floor.latencyMs.p50)} / ${ms(q.floor.latencyMs.p95)}` : '—', q.firstPage,
          q.explain ? ms(q.explain.executionMs) : '—', q.explain ? n(planBuffers(q.explain.plan), 0) : '—', q.explain ? planShape(q.explain.plan) : '',
        ]),
      ),
      '"floor": GET /health/live alone just before (no database); "buffers": shared buffers the statement touched (its work, whatever the load).',
      '',
    );
    const i = r.intake;
    out.push(
      `**Intake with and without the chain.** POST /cases (households of 1–4) at ${i.turns[0]?.load.connections} connections, in turns. ` +
        '"with": the worker runs beside the api and its AuditSealer seals the new events every second (reads them, digests them in SQL, appends them to audit_chain, moves the head). ' +
        '"without": no worker; every event is still inserted in the act\'s own transaction as always (with the txid column and index the chain relies on), nothing seals them. ' +
        'The difference is what sealing costs intake when api, worker and PostgreSQL share the cores. The audit insert itself is part of the act (a failed audit write fails it) and stays; ' +
        `alone it costs ${ms(r.insert.statementUs / 1000)} ms per event as AuditService.record sends it, against ${ms(r.insert.roundTripUs / 1000)} ms for a bare round trip. ` +
        `The worker also runs its other loops (outbox relay, due sweep): idle it used ${n(i.worker.idleCpuPct)} % of a core; it started in ${i.worker.startSeconds} s, peak RSS ${n(i.worker.peakRssMiB)} MiB.`,
      '',
      row(['turn', 'req/s', 'p50', 'p95', 'p99', 'requests', 'non-2xx', 'events sealed', 'api %', 'worker %', 'PostgreSQL %', 'other %', 'api CPU ms/req', 'PG CPU ms/req']),
      row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
      ...i.turns.map((t, k) => {
        const c: CpuUse = t.load.cpu;
        return row([
          `${k + 1}: ${t.chain} the chain`, n(t.load.requestsPerSecond, 0), ms(t.load.latencyMs.p50), ms(t.load.latencyMs.p95), ms(t.load.latencyMs.p99), n(t.load.requests, 0),
          t.load.non2xx + t.load.errors + t.load.timeouts, t.sealed !== undefined ? n(t.sealed, 0) : '—', n(c.apiPct), c.workerPct !== undefined ? n(c.workerPct) : '—', n(c.postgresPct), n(c.otherPct),
          ms(c.apiMsPerRequest), ms(c.postgresMsPerRequest),
        ]);
      }),
      '',
      `Mean: without ${n(i.withoutRps, 0)} req/s, with ${n(i.withRps, 0)} req/s: **overhead ${n(i.overheadPct)} %** (goal < ${GOALS.overheadPct} %).`,
      '',
    );
    for (const q of r.queries) {
      if (q.explain) out.push(`<details><summary>plan: ${q.label}</summary>`, '', '```', ...q.explain.plan, '```', '', '</details>', '');
    }
    return out;
  },
};
