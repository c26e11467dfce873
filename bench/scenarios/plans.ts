import { expectStatus, http } from '../environment';
import { latency, runSequential, type Latency, type SequentialRun } from '../http-load';
import { cpuBetween, cpuSnapshot, type CpuUse } from '../proc';
import { aloneRow, n, row } from '../report';
import type { BenchContext, Scenario } from '../scenario';

/**
 * Plan activation (issue 10): `POST /plans/{id}/activate` on drafts of 10 actions each. One
 * activation locks the case and the plan, supersedes nothing (first plans), makes 10
 * `plan_action` tasks and the `plan_review` task — each with its outbox rows (reminder, due
 * time), timeline entry and audit event — in one transaction. The drafts are prepared over
 * HTTP first (a case with the person's consent, the approving 重層的支援会議, the draft), then
 * activated one at a time and at N connections, each draft once.
 */

const PLANS = {
  quick: { drafts: 250, sequential: 40, prepareConcurrency: 8 },
  full: { drafts: 2500, sequential: 200, prepareConcurrency: 8 },
};
const ACTIONS = 10;

export interface ConcurrentRun {
  connections: number;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: Latency;
  failures: number;
  cpu: CpuUse;
}

export interface PlanActivationResult {
  drafts: number;
  prepareSeconds: number;
  sequential: SequentialRun;
  concurrent: ConcurrentRun;
  /** tasks the activations made, counted in the database afterwards: activations × 11 */
  tasksMade: number;
  activations: number;
}

const addDays = (days: number) => new Date(Date.now() + 9 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);

async function prepareDraft(ctx: BenchContext, i: number): Promise<string> {
  const base = ctx.api.baseUrl;
  const token = ctx.desk.token;
  const opened = await expectStatus<{ id: string }>(
    'open case',
    http(base, 'POST', '/api/v1/cases', {
      token,
      body: {
        channel: 'walk_in',
        summary: '80代の母と50代の長男の二人暮らし。母の介護と長男の社会参加について相談。',
        concerns: ['eighty_fifty', 'long_term_care', 'hikikomori'],
        primaryConcern: 'eighty_fifty',
        household: { members: [{ name: `計画 花子${i}`, nameKana: 'ケイカク ハナコ', birthDate: '1944-04-01', relationship: '本人', isPrimary: true, consent: { status: 'obtained' } }] },
      },
    }),
    201,
  );
  await expectStatus(
    'conference',
    http(base, 'POST', `/api/v1/cases/${opened.id}/conferences`, {
      token,
      body: { type: 'multi_agency_meeting', heldAt: new Date(Date.now() - 3600e3).toISOString(), participantAgencyIds: [ctx.desk.agencyId], summary: '支援プランの協議と承認' },
    }),
    201,
  );
  const conferences = await expectStatus<Array<{ id: string }>>('conferences', http(base, 'GET', `/api/v1/cases/${opened.id}/conferences`, { token }), 200);
  const draft = await expectStatus<{ id: string }>(
    'draft plan',
    http(base, 'POST', `/api/v1/cases/${opened.id}/plans`, {
      token,
      body: {
        personWishes: '自宅で暮らし続けたい。',
        goals: [
          { term: 'long_term', text: '在宅生活を続ける' },
          { term: 'short_term', text: '介護サービスの利用を始める' },
        ],
        actions: Array.from({ length: ACTIONS }, (_, k) => ({ title: `支援内容 ${k + 1}`, agencyId: ctx.desk.agencyId, frequency: '月1回', dueOn: addDays(14 + k * 7) })),
      },
    }),
    201,
  );
  return `${draft.id}|${conferences[0].id}`;
}

async function activate(ctx: BenchContext, prepared: string): Promise<number> {
  const [planId, conferenceId] = prepared.split('|');
  const res = await fetch(`${ctx.api.baseUrl}/api/v1/plans/${planId}/activate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.desk.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ personAgreedOn: addDays(0), conferenceId }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Closed loop: each of N connections activates the next prepared draft when its last one answered. */
async function concurrently(ctx: BenchContext, queue: string[]): Promise<ConcurrentRun> {
  const samples: number[] = [];
  let failures = 0;
  const before = cpuSnapshot(ctx.watch);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: ctx.connections }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const start = performance.now();
        const status = await activate(ctx, next);
        samples.push(performance.now() - start);
        if (status !== 200) failures++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { connections: ctx.connections, requests: samples.length, seconds: Math.round(seconds * 10) / 10, requestsPerSecond: Math.round(samples.length / seconds), latencyMs: latency(samples), failures, cpu: cpuBetween(before, cpuSnapshot(ctx.watch), samples.length) };
}

export const planActivation: Scenario<PlanActivationResult> = {
  name: 'plans',
  summary: `plan activation with ${ACTIONS} actions (each becomes a task; the review is scheduled), alone and at N connections`,
  async run(ctx) {
    const plan = PLANS[ctx.mode];
    const t0 = performance.now();
    const drafts: string[] = [];
    let i = 0;
    await Promise.all(
      Array.from({ length: plan.prepareConcurrency }, async () => {
        while (i < plan.drafts) drafts.push(await prepareDraft(ctx, i++));
      }),
    );
    const prepareSeconds = Math.round((performance.now() - t0) / 100) / 10;
    ctx.log(`plans: ${drafts.length} drafts of ${ACTIONS} actions prepared in ${prepareSeconds} s`);
    const alone = drafts.splice(0, plan.sequential);
    const sequential = await runSequential(alone.length, (k) => activate(ctx, alone[k]));
    const concurrent = await concurrently(ctx, drafts);
    ctx.log(`plans: ${concurrent.requestsPerSecond} activations/s at ${concurrent.connections} connections, p99 ${concurrent.latencyMs.p99} ms`);
    const [{ tasks, activations }] = (
      await ctx.admin.query(
        `SELECT (SELECT count(*)::int FROM tasks WHERE municipality_id = $1 AND kind IN ('plan_action', 'plan_review')) AS tasks,
                (SELECT count(*)::int FROM plans WHERE municipality_id = $1 AND status = 'active') AS activations`,
        [ctx.municipalityId],
      )
    ).rows;
    return { drafts: plan.drafts, prepareSeconds, sequential, concurrent, tasksMade: tasks, activations };
  },
  goals(r) {
    return [{ goal: `plan activation with ${ACTIONS} actions (reported)`, measured: `${n(r.concurrent.requestsPerSecond, 0)} req/s, p99 ${n(r.concurrent.latencyMs.p99)} ms at ${r.concurrent.connections} connections` }];
  },
  section(r) {
    const c = r.concurrent;
    return [
      `## Plan activation (${ACTIONS} actions)`,
      '',
      `${r.drafts} drafts prepared over HTTP in ${r.prepareSeconds} s (a case with consent, a 重層的支援会議, a draft of ${ACTIONS} actions); each activated once. ` +
        `Afterwards the database holds ${n(r.activations, 0)} active plans and ${n(r.tasksMade, 0)} plan tasks (${ACTIONS} actions + 1 review each).`,
      '',
      '| request | connections | req/s | p50 ms | p95 ms | p99 ms | max ms | requests | failed |',
      '|---|---|---|---|---|---|---|---|---|',
      aloneRow('POST /plans/{id}/activate, alone', r.sequential),
      row(['POST /plans/{id}/activate', c.connections, n(c.requestsPerSecond, 0), n(c.latencyMs.p50), n(c.latencyMs.p95), n(c.latencyMs.p99), n(c.latencyMs.max), n(c.requests, 0), c.failures]),
      '',
      `CPU during the concurrent run: api ${n(c.cpu.apiPct)} %, PostgreSQL ${n(c.cpu.postgresPct)} %, other ${n(c.cpu.otherPct)} % of one core.`,
      '',
    ];
  },
};
