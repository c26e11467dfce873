import { randomBytes } from 'node:crypto';
import { expectStatus, http, signIn } from '../environment';
import { latency, runSequential, type Latency, type SequentialRun } from '../http-load';
import { cpuBetween, cpuSnapshot, type CpuUse } from '../proc';
import { ms, n, row } from '../report';
import type { BenchContext, Scenario } from '../scenario';

/**
 * Referral accept under contention: staff of one receiving agency (a 地域包括支援センター)
 * accept the transfers the desk sent them, and every referral is accepted by two of them at
 * the same instant (two people clicking 受け入れ on the same worklist row). Of each pair
 * exactly one may win (CONTRACT: "exactly one succeeds"; the other gets 409). Accepting a
 * transfer locks the case, answers the referral, moves the lead, schedules the hand-off
 * check, closes the response task, and writes the timeline and audit entries — so a double
 * acceptance would show up in the database, which is checked afterwards.
 */

const PLANS = {
  quick: { contested: 300, sequential: 40, prepareConcurrency: 8 },
  full: { contested: 2500, sequential: 200, prepareConcurrency: 8 },
};
const STAFF = 8;
const AGENCY = { code: 'bench-accept-houkatsu', name: '受入ベンチ地域包括支援センター', kind: 'community_support_centre', area: '中部' };

export interface ContestedRun {
  connections: number;
  /** referrals raced for, each by two requests sent at once */
  referrals: number;
  requests: number;
  seconds: number;
  /** winning (2xx) requests per second */
  acceptsPerSecond: number;
  requestsPerSecond: number;
  latencyMs: Latency;
  /** status code → count; "error" for a request that got no answer */
  statusCodes: Record<string, number>;
  won: number;
  lost409: number;
  other: number;
  serverErrors: number;
  cpu: CpuUse;
}

export interface AcceptCheck {
  referrals: number;
  accepted: number;
  /** status accepted, one referral.accepted timeline entry and audit event, its one response task done, the lead moved */
  acceptedOnce: number;
  /** more than one timeline entry, audit event or response task for one referral */
  acceptedTwice: number;
  notAccepted: number;
  leadMoved: number;
  passed: boolean;
}

export interface ReferralAcceptResult {
  staff: number;
  prepared: number;
  prepareSeconds: number;
  sequential: SequentialRun;
  contested: ContestedRun;
  check: AcceptCheck;
}

interface Prepared {
  referralId: string;
  caseId: string;
}

/** The desk opens a case with the person's consent and transfers it to the receiving agency. */
async function prepareReferral(ctx: BenchContext, agencyId: string, i: number): Promise<Prepared> {
  const base = ctx.api.baseUrl;
  const token = ctx.desk.token;
  const opened = await expectStatus<{ id: string }>(
    'open case',
    http(base, 'POST', '/api/v1/cases', {
      token,
      body: {
        channel: 'phone',
        summary: '一人暮らしの高齢男性。物忘れが増え、近所の方から心配の声。介護保険の申請と見守りについて相談。',
        concerns: ['long_term_care', 'isolation'],
        primaryConcern: 'long_term_care',
        household: { members: [{ name: `受入 太郎${i}`, nameKana: 'ウケイレ タロウ', birthDate: '1941-09-15', relationship: '本人', isPrimary: true, consent: { status: 'obtained' } }] },
      },
    }),
    201,
  );
  const referral = await expectStatus<{ id: string }>(
    'refer',
    http(base, 'POST', `/api/v1/cases/${opened.id}/referrals`, {
      token,
      body: { toAgencyId: agencyId, kind: 'transfer', basis: 'consent', reason: '介護保険の申請支援と見守り体制づくりのため、地域包括支援センターへ引き継ぎます。' },
    }),
    201,
  );
  return { referralId: referral.id, caseId: opened.id };
}

/** POST /referrals/{id}/accept; the status, 0 when no answer came. */
async function accept(ctx: BenchContext, token: string, referralId: string): Promise<number> {
  try {
    const res = await fetch(`${ctx.api.baseUrl}/api/v1/referrals/${referralId}/accept`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: '担当します' }),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/**
 * Closed loop of connections/2 pairs: each takes the next referral and sends its two accepts,
 * from two different staff, at once — so every referral is raced for and the requests in
 * flight never exceed `ctx.connections`.
 */
async function contested(ctx: BenchContext, tokens: string[], queue: Prepared[]): Promise<ContestedRun> {
  const samples: number[] = [];
  const statusCodes: Record<string, number> = {};
  const referrals = queue.length;
  const pairs = Math.max(1, Math.floor(ctx.connections / 2));
  let k = 0;
  const timed = async (token: string, id: string) => {
    const start = performance.now();
    const status = await accept(ctx, token, id);
    samples.push(performance.now() - start);
    const key = status === 0 ? 'error' : String(status);
    statusCodes[key] = (statusCodes[key] ?? 0) + 1;
  };
  const before = cpuSnapshot(ctx.watch);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: pairs }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const a = k++ % tokens.length;
        const b = (a + 1 + (k % (tokens.length - 1))) % tokens.length; // never the same person as a
        await Promise.all([timed(tokens[a], next.referralId), timed(tokens[b], next.referralId)]);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuBetween(before, cpuSnapshot(ctx.watch), samples.length);
  const count = (test: (code: string) => boolean) => Object.entries(statusCodes).reduce((s, [code, c]) => s + (test(code) ? c : 0), 0);
  const won = count((c) => /^2\d\d$/.test(c));
  const lost409 = count((c) => c === '409');
  return {
    connections: pairs * 2,
    referrals,
    requests: samples.length,
    seconds: Math.round(seconds * 10) / 10,
    acceptsPerSecond: Math.round(won / seconds),
    requestsPerSecond: Math.round(samples.length / seconds),
    latencyMs: latency(samples),
    statusCodes,
    won,
    lost409,
    other: samples.length - won - lost409,
    serverErrors: count((c) => /^5\d\d$/.test(c)),
    cpu,
  };
}

/** What the accepts left in the database, per referral: nothing answered twice, nothing missing. */
async function checkOnce(ctx: BenchContext, agencyId: string, ids: string[]): Promise<AcceptCheck> {
  const [r] = (
    await ctx.admin.query<{ referrals: number; accepted: number; once: number; twice: number; lead: number }>(
      `WITH r AS (SELECT id, case_id, status FROM referrals WHERE municipality_id = $1 AND id = ANY($2::uuid[])),
            ev AS (SELECT entity_id, count(*) AS n FROM case_events WHERE municipality_id = $1 AND type = 'referral.accepted' AND entity_id = ANY($2::uuid[]) GROUP BY 1),
            au AS (SELECT entity_id, count(*) AS n FROM audit_events WHERE municipality_id = $1 AND action = 'referral.accepted' AND entity_type = 'referral' AND entity_id = ANY($2::uuid[]) GROUP BY 1),
            tk AS (SELECT source_id, count(*) AS n, count(*) FILTER (WHERE status = 'done') AS done FROM tasks
                    WHERE municipality_id = $1 AND source_type = 'referral' AND kind = 'referral_response' AND source_id = ANY($2::uuid[]) GROUP BY 1)
       SELECT count(*)::int AS referrals,
              count(*) FILTER (WHERE r.status = 'accepted')::int AS accepted,
              count(*) FILTER (WHERE r.status = 'accepted' AND ev.n = 1 AND au.n = 1 AND tk.n = 1 AND tk.done = 1 AND c.lead_agency_id = $3)::int AS once,
              count(*) FILTER (WHERE ev.n > 1 OR au.n > 1 OR tk.n > 1)::int AS twice,
              count(*) FILTER (WHERE c.lead_agency_id = $3)::int AS lead
         FROM r JOIN cases c ON c.municipality_id = $1 AND c.id = r.case_id
         LEFT JOIN ev ON ev.entity_id = r.id LEFT JOIN au ON au.entity_id = r.id LEFT JOIN tk ON tk.source_id = r.id`,
      [ctx.municipalityId, ids, agencyId],
    )
  ).rows;
  return {
    referrals: r.referrals,
    accepted: r.accepted,
    acceptedOnce: r.once,
    acceptedTwice: r.twice,
    notAccepted: r.referrals - r.accepted,
    leadMoved: r.lead,
    passed: r.referrals === ids.length && r.once === ids.length && r.twice === 0,
  };
}

export const referralAccept: Scenario<ReferralAcceptResult> = {
  name: 'accept',
  summary: `referral accept under contention: ${STAFF} staff of one agency, every pending transfer accepted by two of them at once (one wins, one gets 409), checked exactly once`,
  async run(ctx) {
    const plan = PLANS[ctx.mode];
    const base = ctx.api.baseUrl;
    const t0 = performance.now();

    // the receiving agency and its staff, made by the administrator over HTTP; each signs in
    const admin = await signIn(base, ctx.municipalityCode, 'admin', ctx.adminPassword);
    const agency = await expectStatus<{ id: string }>('create agency', http(base, 'POST', '/api/v1/agencies', { token: admin.accessToken, body: AGENCY }), 201);
    const tokens: string[] = [];
    for (let s = 1; s <= STAFF; s++) {
      const username = `accept-staff-${s}`;
      const password = randomBytes(12).toString('base64url');
      await expectStatus(
        `create user ${username}`,
        http(base, 'POST', '/api/v1/users', { token: admin.accessToken, body: { username, displayName: `受入 職員${s}`, agencyId: agency.id, roles: ['agency_staff'], password } }),
        201,
      );
      tokens.push((await signIn(base, ctx.municipalityCode, username, password)).accessToken);
    }

    // pending transfers from the desk to that agency, a few at a time
    const total = plan.contested + plan.sequential;
    const prepared: Prepared[] = [];
    let i = 0;
    await Promise.all(
      Array.from({ length: plan.prepareConcurrency }, async () => {
        while (i < total) prepared.push(await prepareReferral(ctx, agency.id, i++));
      }),
    );
    const prepareSeconds = Math.round((performance.now() - t0) / 100) / 10;
    ctx.log(`accept: ${STAFF} staff of ${AGENCY.name}, ${prepared.length} pending transfers prepared in ${prepareSeconds} s`);

    const alone = prepared.splice(0, plan.sequential);
    const sequential = await runSequential(alone.length, (k) => accept(ctx, tokens[k % STAFF], alone[k].referralId));
    const ids = prepared.map((p) => p.referralId);
    const run = await contested(ctx, tokens, prepared);
    const codes = Object.entries(run.statusCodes).map(([c, v]) => `${c} ${v}`).join(', ');
    ctx.log(`accept: ${run.acceptsPerSecond} accepts/s (${run.requestsPerSecond} req/s) at ${run.connections} connections, p50 ${run.latencyMs.p50} p95 ${run.latencyMs.p95} p99 ${run.latencyMs.p99} ms; ${codes}; alone p50 ${sequential.latencyMs.p50} ms`);
    const check = await checkOnce(ctx, agency.id, ids);
    ctx.log(`accept: ${check.referrals} referrals, ${check.acceptedOnce} accepted once, ${check.acceptedTwice} twice, ${check.notAccepted} not accepted; ${run.lost409} lost races answered 409`);
    return { staff: STAFF, prepared: total, prepareSeconds, sequential, contested: run, check };
  },
  goals(r) {
    const c = r.contested;
    return [
      { goal: 'referral accept under contention (reported)', measured: `${n(c.acceptsPerSecond, 0)} accepts/s, p99 ${n(c.latencyMs.p99)} ms at ${c.connections} connections` },
      {
        goal: 'every raced referral accepted exactly once',
        measured: `${n(r.check.referrals, 0)} referrals, ${n(r.check.acceptedOnce, 0)} accepted once, ${n(r.check.acceptedTwice, 0)} twice, ${n(c.lost409, 0)} lost races answered 409`,
        met: r.check.passed,
      },
      { goal: 'referral accept under contention: no 5xx', measured: `${n(c.serverErrors, 0)} 5xx of ${n(c.requests, 0)}`, met: c.serverErrors === 0 },
    ];
  },
  section(r) {
    const c = r.contested;
    const k = r.check;
    const s = r.sequential.latencyMs;
    return [
      '## Referral accept under contention',
      '',
      `${n(r.prepared, 0)} pending transfers (a case opened by the desk with the person's consent, referred to ${AGENCY.name}) prepared over HTTP in ${r.prepareSeconds} s, ` +
        `with ${r.staff} staff of that agency signed in. ${n(r.sequential.requests, 0)} accepted one at a time; the other ${n(c.referrals, 0)} each by two staff at the same instant ` +
        `(${c.connections / 2} pairs in a closed loop, ${c.connections} requests in flight): one must win, the other get 409. Latency over every request, winners and losers.`,
      '',
      '| request | connections | accepts/s | req/s | p50 ms | p95 ms | p99 ms | max ms | requests | 2xx | 409 | other |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
      row(['POST /referrals/{id}/accept, alone', 1, '—', '—', ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max), n(r.sequential.requests, 0), n(r.sequential.requests - r.sequential.non2xx, 0), '—', n(r.sequential.non2xx, 0)]),
      row(['POST /referrals/{id}/accept, two at once per referral', c.connections, n(c.acceptsPerSecond, 0), n(c.requestsPerSecond, 0), ms(c.latencyMs.p50), ms(c.latencyMs.p95), ms(c.latencyMs.p99), ms(c.latencyMs.max), n(c.requests, 0), n(c.won, 0), n(c.lost409, 0), n(c.other, 0)]),
      '',
      `Status codes: ${Object.entries(c.statusCodes).map(([code, v]) => `${code} ${n(v, 0)}`).join(', ')}. ` +
        `In the database afterwards: ${n(k.referrals, 0)} referrals, ${n(k.accepted, 0)} accepted, **${n(k.acceptedOnce, 0)} accepted exactly once** (one \`referral.accepted\` timeline entry and audit event, ` +
        `the one response task done, the lead moved to the receiver), ${n(k.acceptedTwice, 0)} twice, ${n(k.notAccepted, 0)} not accepted.`,
      '',
      `CPU during the contested run: api ${n(c.cpu.apiPct)} %, PostgreSQL ${n(c.cpu.postgresPct)} %, load generator ${n(c.cpu.loaderPct)} %, other ${n(c.cpu.otherPct)} % of one core; ` +
        `per request api ${n(c.cpu.apiMsPerRequest, 2)} ms, PostgreSQL ${n(c.cpu.postgresMsPerRequest, 2)} ms.`,
      '',
    ];
  },
};
