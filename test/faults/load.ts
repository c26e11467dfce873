import { randomUUID } from 'node:crypto';
import { n, sleep, type Stack, type Staff, waitUntil } from './harness';

/**
 * The steady intake and referral load a fault happens under: a few loops, each opening a
 * case (two household members, Idempotency-Key), referring it to the community support
 * centre (Idempotency-Key) and accepting the referral there, over and over. Every answer is
 * recorded; every request that got no answer (the api died under it, or was down) is kept
 * with its key and body, so that it can be retried exactly as a client would.
 */

export type Op = 'case' | 'referral' | 'accept' | 'task';

export interface Sent {
  op: Op;
  route: string;
  body: unknown;
  key?: string;
  staff: Staff;
  startedAt: number;
  endedAt: number;
  /** undefined: no answer (connection refused, reset, timed out) */
  status?: number;
  contentType?: string;
  code?: string;
  /** the request id of a problem+json answer, to find it in the api's log */
  requestId?: string;
  id?: string;
  replayed?: boolean;
  error?: string;
}

/** Acknowledged writes: what a client was told is saved, by id. */
export interface Acked {
  cases: Map<string, string>; // case id → Idempotency-Key
  referrals: Map<string, string>; // referral id → case id
  accepted: Set<string>; // referral ids
}

const MEMBERS_PER_CASE = 2;
const SURNAMES = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', '小林', '加藤'];
const GIVEN = ['ハナ', '一郎', '和子', '健太', '美咲', '大輔', '幸子', '翔', '節子', '勇'];

export function caseBody(i: number): Record<string, unknown> {
  const surname = SURNAMES[i % SURNAMES.length];
  return {
    channel: 'phone',
    summary: `生活費と介護の相談（負荷 ${i}）`,
    concerns: ['financial_hardship', 'long_term_care'],
    primaryConcern: 'financial_hardship',
    household: {
      address: `北区${(i % 9) + 1}丁目${(i % 30) + 1}-${(i % 12) + 1}`,
      members: [
        { name: `${surname} ${GIVEN[i % GIVEN.length]}`, birthDate: '1948-04-12', relationship: '本人', isPrimary: true, consent: { status: 'obtained' } },
        { name: `${surname} ${GIVEN[(i + 3) % GIVEN.length]}`, birthDate: '1976-09-30', relationship: '長男' },
      ],
    },
  };
}

export function referralBody(toAgencyId: string): Record<string, unknown> {
  return { toAgencyId, kind: 'collaboration', reason: '介護保険の申請と在宅サービスの調整をお願いしたい', basis: 'consent' };
}

/** One request as a client sends it; never throws: a missing answer is recorded as such. */
export async function send(baseUrl: string, op: Op, route: string, body: unknown, staff: Staff, key?: string, timeoutMs = 15_000): Promise<Sent> {
  const startedAt = Date.now();
  const sent: Sent = { op, route, body, key, staff, startedAt, endedAt: startedAt };
  try {
    const res = await fetch(`${baseUrl}/api/v1${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${staff.token}`, ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json = (await res.json().catch(() => undefined)) as { id?: string; code?: string; requestId?: string } | undefined;
    sent.status = res.status;
    sent.contentType = res.headers.get('content-type') ?? undefined;
    sent.code = json?.code;
    sent.requestId = json?.requestId;
    sent.id = json?.id;
    sent.replayed = res.headers.get('idempotent-replayed') === 'true';
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    sent.error = cause?.code ?? (error as Error).name ?? 'error';
  }
  sent.endedAt = Date.now();
  return sent;
}

export class Load {
  readonly sent: Sent[] = [];
  readonly acked: Acked = { cases: new Map(), referrals: new Map(), accepted: new Set() };
  private running = false;
  private loops: Promise<void>[] = [];
  private counter = 0;

  constructor(
    private readonly stack: Stack,
    private readonly concurrency = 6,
  ) {
    stack.onClose(() => this.stop());
  }

  start(): this {
    this.running = true;
    this.loops = Array.from({ length: this.concurrency }, () => this.loop());
    return this;
  }

  /** Until the load has run `minMs` and `minWrites` writes were acknowledged (a busy machine takes longer). */
  async warmUp(minWrites = 30, minMs = 2000): Promise<void> {
    const started = Date.now();
    await waitUntil(() => this.ackedWrites >= minWrites && Date.now() - started >= minMs, 60_000, 50);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Requests that got no answer at all. */
  get unanswered(): Sent[] {
    return this.sent.filter((s) => s.status === undefined);
  }

  private async loop(): Promise<void> {
    const { desk, houkatsu } = this.stack;
    while (this.running) {
      const i = this.counter++;
      const opened = await this.call('case', '/cases', caseBody(i), desk, randomUUID());
      if (opened.status !== 201 || !this.running) continue;
      const referred = await this.call('referral', `/cases/${opened.id}/referrals`, referralBody(houkatsu.agencyId), desk, randomUUID());
      if (referred.status !== 201 || !this.running) continue;
      await this.call('accept', `/referrals/${referred.id}/accept`, { note: '受けます' }, houkatsu);
    }
  }

  private async call(op: Op, route: string, body: unknown, staff: Staff, key?: string): Promise<Sent> {
    const sent = await send(this.stack.api.baseUrl, op, route, body, staff, key);
    this.sent.push(sent);
    this.record(sent);
    // A client backs off a little after a failure instead of spinning on an unavailable service.
    if (sent.status === undefined || sent.status >= 300) await sleep(100);
    return sent;
  }

  /** Notes a 2xx as acknowledged (also used for retries made outside the loops). */
  record(sent: Sent): void {
    if (sent.status === undefined || sent.status < 200 || sent.status >= 300) return;
    if (sent.op === 'case' && sent.id) this.acked.cases.set(sent.id, sent.key!);
    if (sent.op === 'referral' && sent.id) this.acked.referrals.set(sent.id, sent.route.split('/')[2]);
    if (sent.op === 'accept') this.acked.accepted.add(sent.route.split('/')[2]);
  }

  get ackedWrites(): number {
    return this.acked.cases.size + this.acked.referrals.size + this.acked.accepted.size;
  }
}

export interface Durability {
  acknowledged: number;
  found: number;
  lost: string[];
}

/** Every acknowledged write is in the database: the case, the referral, the acceptance. */
export async function checkAcknowledged(stack: Stack, acked: Acked): Promise<Durability> {
  const caseIds = [...acked.cases.keys()];
  const referralIds = [...acked.referrals.keys()];
  const cases = new Set((await stack.sql<{ id: string }>('SELECT id FROM cases WHERE id = ANY($1::uuid[])', [caseIds])).map((r) => r.id));
  const referrals = new Map((await stack.sql<{ id: string; status: string }>('SELECT id, status FROM referrals WHERE id = ANY($1::uuid[])', [referralIds])).map((r) => [r.id, r.status]));
  const lost = [
    ...caseIds.filter((id) => !cases.has(id)).map((id) => `case ${id}`),
    ...referralIds.filter((id) => !referrals.has(id)).map((id) => `referral ${id}`),
    ...[...acked.accepted].filter((id) => referrals.get(id) !== 'accepted').map((id) => `acceptance of ${id}`),
  ];
  const acknowledged = caseIds.length + referralIds.length + acked.accepted.size;
  return { acknowledged, found: acknowledged - lost.length, lost };
}

/**
 * No half-written act anywhere in the database (not only among acknowledged ones): every
 * case has its household, its `case.opened` timeline entry and audit event and the one
 * idempotency record of its key (every case here is opened with one); every referral its
 * timeline entry, audit event and response task; every accepted referral exactly one
 * acceptance with its entry and event, and its response task closed.
 */
export async function checkWhole(stack: Stack): Promise<{ cases: number; referrals: number; broken: string[] }> {
  const cases = await stack.sql<{ id: string; members: number; opened: number; audited: number; keys: number }>(
    `SELECT c.id,
            (SELECT count(*)::int FROM household_members m WHERE m.municipality_id = c.municipality_id AND m.case_id = c.id) AS members,
            (SELECT count(*)::int FROM case_events e WHERE e.municipality_id = c.municipality_id AND e.case_id = c.id AND e.type = 'case.opened') AS opened,
            (SELECT count(*)::int FROM audit_events a WHERE a.municipality_id = c.municipality_id AND a.case_id = c.id AND a.action = 'case.opened') AS audited,
            (SELECT count(*)::int FROM idempotency_keys k WHERE k.scope = 'cases.create' AND k.response->>'id' = c.id::text) AS keys
     FROM cases c`,
  );
  const referrals = await stack.sql<{ id: string; status: string; created: number; audited: number; tasks: number; open_tasks: number; accepted: number; accept_audits: number }>(
    `SELECT r.id, r.status,
            (SELECT count(*)::int FROM case_events e WHERE e.municipality_id = r.municipality_id AND e.entity_id = r.id AND e.type = 'referral.created') AS created,
            (SELECT count(*)::int FROM audit_events a WHERE a.municipality_id = r.municipality_id AND a.entity_id = r.id AND a.action = 'referral.created') AS audited,
            (SELECT count(*)::int FROM tasks t WHERE t.municipality_id = r.municipality_id AND t.source_id = r.id AND t.kind = 'referral_response') AS tasks,
            (SELECT count(*)::int FROM tasks t WHERE t.municipality_id = r.municipality_id AND t.source_id = r.id AND t.kind = 'referral_response' AND t.status = 'open') AS open_tasks,
            (SELECT count(*)::int FROM case_events e WHERE e.municipality_id = r.municipality_id AND e.entity_id = r.id AND e.type = 'referral.accepted') AS accepted,
            (SELECT count(*)::int FROM audit_events a WHERE a.municipality_id = r.municipality_id AND a.entity_id = r.id AND a.action = 'referral.accepted') AS accept_audits
     FROM referrals r`,
  );
  const broken = [
    ...cases
      .filter((c) => c.members !== MEMBERS_PER_CASE || c.opened !== 1 || c.audited !== 1 || c.keys !== 1)
      .map((c) => `case ${c.id}: ${c.members} members, ${c.opened} timeline entries, ${c.audited} audit events, ${c.keys} idempotency records`),
    ...referrals
      .filter((r) => {
        const accepted = r.status === 'accepted';
        return r.created !== 1 || r.audited !== 1 || r.tasks !== 1 || r.accepted !== (accepted ? 1 : 0) || r.accept_audits !== (accepted ? 1 : 0) || r.open_tasks !== (r.status === 'pending' ? 1 : 0);
      })
      .map((r) => `referral ${r.id} (${r.status}): ${r.created}/${r.audited} created entries/events, ${r.tasks} tasks (${r.open_tasks} open), ${r.accepted}/${r.accept_audits} accepted entries/events`),
  ];
  return { cases: cases.length, referrals: referrals.length, broken };
}

/** "1,200 acknowledged writes, 1,200 found, 0 lost" */
export function describeDurability(d: Durability): string {
  return `${n(d.acknowledged)} acknowledged writes, ${n(d.found)} found, ${n(d.lost.length)} lost`;
}

/** Runs `fn` over `items`, `limit` at a time, keeping the order of the results. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]);
      }
    }),
  );
  return results;
}

/**
 * Work that falls due at `dueAt`, or `minLeadMs` after it is made when making it takes longer:
 * custom tasks on one case (each escalates once to the desk) and referrals left unanswered
 * with an early respondBy (each escalates once to both agencies). Returns their ids and the
 * earliest and latest due times given.
 */
export async function makeDueWork(stack: Stack, dueAt: Date, tasks: number, referrals: number, minLeadMs = 1500): Promise<{ tasks: string[]; referrals: string[]; first: Date; last: Date }> {
  const { desk, houkatsu, api } = stack;
  const given: number[] = [];
  /** Sends with a due time at least `margin` ahead; a busy machine that took longer gets a later one. */
  const withDue = async (make: (due: string) => Promise<Sent>): Promise<string> => {
    for (let margin = minLeadMs; ; margin *= 2) {
      const at = Math.max(dueAt.getTime(), Date.now() + margin);
      const s = await make(new Date(at).toISOString());
      if (s.status === 201) {
        given.push(at);
        return s.id!;
      }
      if (s.status !== 422 || !/_IN_PAST$/.test(s.code ?? '') || margin > 30_000) throw new Error(`${s.op} ${s.route}: ${s.status ?? s.error} ${s.code ?? ''}`);
    }
  };
  const opened = await send(api.baseUrl, 'case', '/cases', caseBody(0), desk, randomUUID());
  if (opened.status !== 201) throw new Error(`POST /cases: ${opened.status ?? opened.error} ${opened.code ?? ''}`);
  const taskIds = await mapLimit([...Array(tasks).keys()], 8, (i) =>
    withDue((due) => send(api.baseUrl, 'task', `/cases/${opened.id}/tasks`, { kind: 'custom', title: `電話で様子を確認 ${i}`, dueAt: due }, desk)),
  );
  const referralIds = await mapLimit([...Array(referrals).keys()], 8, async (i) => {
    const host = await send(api.baseUrl, 'case', '/cases', caseBody(i), desk, randomUUID());
    if (host.status !== 201) throw new Error(`POST /cases: ${host.status ?? host.error} ${host.code ?? ''}`);
    return withDue((due) => send(api.baseUrl, 'referral', `/cases/${host.id}/referrals`, { ...referralBody(houkatsu.agencyId), respondBy: due }, desk, randomUUID()));
  });
  return { tasks: taskIds, referrals: referralIds, first: new Date(Math.min(...given)), last: new Date(Math.max(...given)) };
}

export interface Escalations {
  expected: number;
  escalated: number;
  missing: number;
  doubled: number;
  /** the latest escalation after its due time (ms) */
  maxLateMs: number;
}

/**
 * Escalations counted per source: one per task (to its agency), one per referral and
 * agency (both the referrer and the receiver), never more.
 */
export async function countEscalations(stack: Stack, due: { tasks: string[]; referrals: string[] }): Promise<Escalations> {
  const rows = await stack.sql<{ source_id: string; assignee_agency_id: string; n: number }>(
    `SELECT source_id, assignee_agency_id, count(*)::int AS n FROM tasks WHERE kind = 'escalation' AND source_id = ANY($1::uuid[]) GROUP BY source_id, assignee_agency_id`,
    [[...due.tasks, ...due.referrals]],
  );
  const count = (id: string, agencyId: string) => rows.find((r) => r.source_id === id && r.assignee_agency_id === agencyId)?.n ?? 0;
  const expectedPairs = [
    ...due.tasks.map((id) => [id, stack.desk.agencyId]),
    ...due.referrals.flatMap((id) => [
      [id, stack.desk.agencyId],
      [id, stack.houkatsu.agencyId],
    ]),
  ];
  const counts = expectedPairs.map(([id, agencyId]) => count(id, agencyId));
  const unexpected = rows.filter((r) => !expectedPairs.some(([id, agencyId]) => id === r.source_id && agencyId === r.assignee_agency_id)).length;
  const [{ late }] = await stack.sql<{ late: number | null }>(
    `SELECT max(extract(epoch FROM late) * 1000)::int AS late FROM (
       SELECT escalated_at - due_at AS late FROM tasks WHERE id = ANY($1::uuid[]) AND escalated_at IS NOT NULL
       UNION ALL SELECT escalated_at - respond_by FROM referrals WHERE id = ANY($2::uuid[]) AND escalated_at IS NOT NULL) x`,
    [due.tasks, due.referrals],
  );
  return {
    expected: expectedPairs.length,
    escalated: counts.filter((c) => c > 0).length,
    missing: counts.filter((c) => c === 0).length,
    doubled: counts.filter((c) => c > 1).length + unexpected,
    maxLateMs: late ?? 0,
  };
}

export function describeEscalations(e: Escalations): string {
  return `${n(e.expected)} escalations due, ${n(e.escalated)} made, ${n(e.missing)} lost, ${n(e.doubled)} doubled (latest ${(e.maxLateMs / 1000).toFixed(1)} s after its due time)`;
}
