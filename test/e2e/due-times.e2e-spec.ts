import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { createWorkerApp } from '../../apps/worker/src/bootstrap';
import { QUEUES, redisOptionsFromUrl } from '@tsunagi/jobs';
import { bearer, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a truthy value or the time is up. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value || Date.now() > deadline) return value;
    await sleep(100);
  }
}

describe('due times: follow-ups that fire on time, once, whatever breaks', () => {
  let t: TestApp;
  let city: City;
  let worker: NestFastifyApplication;
  let redis: Redis;

  beforeAll(async () => {
    // A Redis database of this file's own, so flushing it touches no other test file.
    t = await startTestApp({ REDIS_URL: `${process.env.TSUNAGI_TEST_REDIS_URL}/5`, WORKER_SWEEP_INTERVAL_MS: '1000', WORKER_RELAY_INTERVAL_MS: '100' });
    city = await buildCity(t);
    worker = await createWorkerApp(t.config, { logger: false });
    redis = new Redis(redisOptionsFromUrl(t.config.redisUrl));
  });
  afterAll(async () => {
    await worker?.close();
    await redis?.quit();
    await t?.close();
  });

  const as = (token: string) => bearer(token);
  const post = (token: string, path: string, body: object = {}) => t.http().post(`${api}${path}`).set(as(token)).send(body);
  const escalationsOf = async (sourceId: string) => t.sql(`SELECT id, assignee_agency_id, due_at FROM tasks WHERE kind = 'escalation' AND source_id = $1`, [sourceId]);

  async function openCase(): Promise<string> {
    const res = await post(city.tokens.desk, '/cases', { channel: 'phone', summary: '期限テスト', household: { members: [{ name: '期限 太郎', isPrimary: true, consent: { status: 'obtained' } }] } });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function taskDueIn(ms: number): Promise<string> {
    const caseId = await openCase();
    const res = await post(city.tokens.desk, `/cases/${caseId}/tasks`, { kind: 'monitoring', title: '電話で様子確認', dueAt: new Date(Date.now() + ms).toISOString() });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  it('escalates a task due in 2 s once, within 10 s, to its agency with a notification to its supervisor', async () => {
    const started = Date.now();
    const taskId = await taskDueIn(2000);
    const escalations = await eventually(async () => ((await escalationsOf(taskId)).length ? escalationsOf(taskId) : null));
    expect(escalations).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10000);
    expect(escalations![0]).toEqual(expect.objectContaining({ assignee_agency_id: city.agencies.desk, due_at: null }));
    await sleep(2500); // a sweep or two later: still one
    expect(await escalationsOf(taskId)).toHaveLength(1);
    const mine = await t.http().get(`${api}/tasks?scope=mine&status=open`).set(as(city.tokens.supervisor));
    expect(mine.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'escalation', sourceId: taskId })]));
    const staff = await t.http().get(`${api}/tasks?scope=agency&status=open`).set(as(city.tokens.desk2));
    expect(staff.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'escalation', sourceId: taskId })]));
    expect((await post(city.tokens.desk2, `/tasks/${escalations![0].id}/complete`)).status).toBe(403);
    const inbox = await t.http().get(`${api}/notifications?unread=true`).set(as(city.tokens.supervisor));
    expect(inbox.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'task.escalated', entityId: taskId })]));
    const original = await t.http().get(`${api}/tasks?scope=agency&overdue=true`).set(as(city.tokens.desk));
    expect(original.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: taskId, overdue: true, status: 'open' })]));
    expect((await post(city.tokens.supervisor, `/tasks/${escalations![0].id}/complete`, { note: '担当に確認済み' })).status).toBe(200);
  });

  it('escalates an unanswered referral to both agencies and keeps it pending', async () => {
    const caseId = await openCase();
    const ref = await post(city.tokens.desk, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.houkatsu, kind: 'transfer', reason: '回答期限テスト', basis: 'consent', respondBy: new Date(Date.now() + 2000).toISOString() });
    expect(ref.status).toBe(201);
    const escalations = await eventually(async () => ((await escalationsOf(ref.body.id)).length === 2 ? escalationsOf(ref.body.id) : null));
    expect(escalations!.map((e) => e.assignee_agency_id).sort()).toEqual([city.agencies.desk, city.agencies.houkatsu].sort());
    const [row] = await t.sql(`SELECT status, escalated_at FROM referrals WHERE id = $1`, [ref.body.id]);
    expect(row.status).toBe('pending');
    expect(row.escalated_at).not.toBeNull();
    // The response task escalates with its referral, not a second time on its own.
    await sleep(1500);
    const [response] = await t.sql(`SELECT id FROM tasks WHERE source_id = $1 AND kind = 'referral_response'`, [ref.body.id]);
    expect(await escalationsOf(response.id)).toHaveLength(0);
    for (const token of [city.tokens.supervisor, city.tokens.houkatsuSuper]) {
      const inbox = await t.http().get(`${api}/notifications?unread=true`).set(as(token));
      expect(inbox.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'referral.escalated', entityId: ref.body.id })]));
    }
    const timeline = await t.http().get(`${api}/cases/${caseId}/timeline`).set(as(city.tokens.desk));
    expect(timeline.body.items.map((e: { type: string }) => e.type)).toContain('referral.escalated');
    // Still answerable after escalation.
    expect((await post(city.tokens.houkatsu, `/referrals/${ref.body.id}/accept`)).status).toBe(200);
  });

  it('still escalates, once, after Redis lost all its data', async () => {
    const taskId = await taskDueIn(3000);
    await eventually(async () => (await t.sql(`SELECT count(*)::int AS n FROM outbox`))[0].n === 0);
    await redis.flushdb();
    const escalations = await eventually(async () => ((await escalationsOf(taskId)).length ? escalationsOf(taskId) : null));
    expect(escalations).toHaveLength(1);
    await sleep(2000);
    expect(await escalationsOf(taskId)).toHaveLength(1);
  });

  it('gives one escalation per task with two workers side by side', async () => {
    const second = await createWorkerApp(t.config, { logger: false });
    try {
      const ids = await Promise.all(Array.from({ length: 6 }, () => taskDueIn(2000)));
      await eventually(async () => (await t.sql(`SELECT count(*)::int AS n FROM tasks WHERE kind = 'escalation' AND source_id = ANY($1::uuid[])`, [ids]))[0].n === ids.length);
      await sleep(2500);
      const counts = await t.sql(`SELECT source_id, count(*)::int AS n FROM tasks WHERE kind = 'escalation' AND source_id = ANY($1::uuid[]) GROUP BY source_id`, [ids]);
      expect(counts).toHaveLength(ids.length);
      expect(counts.every((c) => c.n === 1)).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('gives the referrer a check task when first contact is late, and closes it on first contact', async () => {
    const caseId = await openCase();
    const ref = await post(city.tokens.desk, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.houkatsu, kind: 'transfer', reason: '初回接触テスト', basis: 'consent' });
    expect((await post(city.tokens.houkatsu, `/referrals/${ref.body.id}/accept`)).status).toBe(200);
    const [due] = await t.sql(`SELECT handoff_due_at FROM referrals WHERE id = $1`, [ref.body.id]);
    expect(new Date(due.handoff_due_at).getTime()).toBeGreaterThan(Date.now() + 3 * 86400e3);
    // Five business days pass (the clock is the row's: no week-long wait).
    await t.sql(`UPDATE referrals SET handoff_due_at = now() - interval '1 second' WHERE id = $1`, [ref.body.id]);
    const checks = await eventually(async () => {
      const rows = await t.sql(`SELECT id, assignee_agency_id, status FROM tasks WHERE kind = 'handoff_check' AND source_id = $1`, [ref.body.id]);
      return rows.length ? rows : null;
    });
    expect(checks).toEqual([expect.objectContaining({ assignee_agency_id: city.agencies.desk, status: 'open' })]);
    await sleep(1500);
    expect(await t.sql(`SELECT 1 FROM tasks WHERE kind = 'handoff_check' AND source_id = $1`, [ref.body.id])).toHaveLength(1);
    expect((await post(city.tokens.houkatsu, `/referrals/${ref.body.id}/first-contact`, { occurredAt: new Date().toISOString() })).status).toBe(200);
    expect((await t.sql(`SELECT status FROM tasks WHERE id = $1`, [checks![0].id]))[0].status).toBe('done');
  });

  it('reminds the assignee at the opening time of the due day', async () => {
    // Opening at midnight: the due day has always opened already, whenever this test runs.
    await t.http().patch(`${api}/municipality/settings`).set(as(city.tokens.admin)).send({ openingTime: '00:00' }).expect(200);
    const caseId = await openCase();
    const res = await post(city.tokens.desk, `/cases/${caseId}/tasks`, { kind: 'custom', title: '書類の確認', dueAt: new Date(Date.now() + 3600e3).toISOString(), assigneeUserId: city.users.desk2 });
    const reminder = await eventually(async () => {
      const inbox = await t.http().get(`${api}/notifications?unread=true`).set(as(city.tokens.desk2));
      return inbox.body.items.find((n: { kind: string; entityId: string }) => n.kind === 'task.reminder' && n.entityId === res.body.id);
    });
    expect(reminder).toBeDefined();
    expect(reminder.title).not.toContain('期限 太郎');
    await sleep(1500);
    expect(await t.sql(`SELECT 1 FROM notifications WHERE kind = 'task.reminder' AND entity_id = $1`, [res.body.id])).toHaveLength(1);
    await t.http().patch(`${api}/municipality/settings`).set(as(city.tokens.admin)).send({ openingTime: '08:30' }).expect(200);
  });

  it('drops a malformed job without crashing and keeps working', async () => {
    const queue = new Queue(QUEUES.dueTimes, { connection: redisOptionsFromUrl(t.config.redisUrl), prefix: t.config.queuePrefix });
    try {
      await queue.add('task.due', { municipalityId: 'not-a-uuid', entityId: 42 });
      await queue.add('no.such.job', { hello: 'world' });
      await queue.add('task.due', null as unknown as object);
    } finally {
      await queue.close();
    }
    const taskId = await taskDueIn(1500);
    const escalations = await eventually(async () => ((await escalationsOf(taskId)).length ? escalationsOf(taskId) : null));
    expect(escalations).toHaveLength(1);
  });

  it('refuses bad tasks: past due times, other municipalities, closed tasks', async () => {
    const caseId = await openCase();
    expect((await post(city.tokens.desk, `/cases/${caseId}/tasks`, { kind: 'custom', title: 'x', dueAt: new Date(Date.now() - 1000).toISOString() })).status).toBe(422);
    const done = await post(city.tokens.desk, `/cases/${caseId}/tasks`, { kind: 'custom', title: 'x', dueAt: new Date(Date.now() + 86400e3).toISOString() });
    expect((await post(city.tokens.desk, `/tasks/${done.body.id}/cancel`, { reason: '不要' })).status).toBe(200);
    expect((await post(city.tokens.desk, `/tasks/${done.body.id}/complete`)).status).toBe(409);
    expect(await t.sql(`SELECT 1 FROM tasks WHERE kind = 'escalation' AND source_id = $1`, [done.body.id])).toHaveLength(0);
  });
});
