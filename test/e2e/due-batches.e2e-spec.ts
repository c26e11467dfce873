import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { createWorkerApp } from '../../apps/worker/src/bootstrap';
import { JOBS, QUEUES, redisOptionsFromUrl } from '@tsunagi/jobs';
import { bearer, createTenant, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A burst of due times, escalated by two workers that hand their running jobs to the
 * database in batches: each task still escalates exactly once, with every effect a single
 * escalation has, and a task that moved on — or a job naming another municipality — does
 * nothing. The sweep is kept out of the way (60 s), so the queue path is what runs.
 */
describe('due-time batches: a burst escalates once per task, with every effect', () => {
  let t: TestApp;
  let city: City;
  const workers: NestFastifyApplication[] = [];

  beforeAll(async () => {
    t = await startTestApp({ WORKER_SWEEP_INTERVAL_MS: '60000', WORKER_RELAY_INTERVAL_MS: '100' });
    city = await buildCity(t);
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await t?.close();
  });

  async function openCase(): Promise<{ id: string; caseNumber: string }> {
    const res = await t.http().post('/api/v1/cases').set(bearer(city.tokens.desk)).send({ channel: 'phone', summary: 'バッチの確認' });
    expect(res.status).toBe(201);
    return { id: res.body.id, caseNumber: res.body.caseNumber };
  }

  /** Tasks and their task.due outbox rows, committed together as TasksService writes them. */
  async function scheduleTasks(rows: Array<{ caseId: string; agencyId: string; kind?: string; status?: string; dueAt: Date; runAt?: Date }>): Promise<string[]> {
    const ids = rows.map(() => randomUUID());
    await t.sql(
      `WITH r AS (SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[]) AS r (id, case_id, agency_id, kind, status, due_at, run_at)),
            ins AS (INSERT INTO tasks (municipality_id, id, case_id, kind, title, status, due_at, assignee_agency_id, reminded_at)
                    SELECT $1, id, case_id, kind, 'バッチ確認', status, due_at, agency_id, now() FROM r)
       INSERT INTO outbox (municipality_id, job, entity_id, run_at) SELECT $1, 'task.due', id, run_at FROM r`,
      [
        city.municipalityId,
        ids,
        rows.map((r) => r.caseId),
        rows.map((r) => r.agencyId),
        rows.map((r) => r.kind ?? 'custom'),
        rows.map((r) => r.status ?? 'open'),
        rows.map((r) => r.dueAt),
        rows.map((r) => r.runAt ?? r.dueAt),
      ],
    );
    return ids;
  }

  it('escalates 150 tasks due at one instant exactly once each, in batches, with notifications, timeline and audit', async () => {
    const [plain, other, secret] = [await openCase(), await openCase(), await openCase()];
    await t.sql(`UPDATE cases SET restricted = true WHERE id = $1`, [secret.id]);
    const dueAt = new Date(Date.now() + 3000);
    const desk = await scheduleTasks(Array.from({ length: 60 }, (_, i) => ({ caseId: i % 2 ? plain.id : other.id, agencyId: city.agencies.desk, dueAt })));
    const houkatsu = await scheduleTasks(Array.from({ length: 45 }, () => ({ caseId: plain.id, agencyId: city.agencies.houkatsu, dueAt })));
    // The CSW team has no supervisor: the intake desk's supervisor hears of it — unless the case is restricted.
    const csw = await scheduleTasks(Array.from({ length: 30 }, () => ({ caseId: other.id, agencyId: city.agencies.csw, dueAt })));
    const cswSecret = await scheduleTasks(Array.from({ length: 15 }, () => ({ caseId: secret.id, agencyId: city.agencies.csw, dueAt })));
    // Tasks that moved on, in the same burst: done, a referral's response task, a due time put off.
    const [done] = await scheduleTasks([{ caseId: plain.id, agencyId: city.agencies.desk, status: 'done', dueAt }]);
    const [response] = await scheduleTasks([{ caseId: plain.id, agencyId: city.agencies.houkatsu, kind: 'referral_response', dueAt }]);
    const [putOff] = await scheduleTasks([{ caseId: plain.id, agencyId: city.agencies.desk, dueAt: new Date(Date.now() + 86400e3), runAt: dueAt }]);
    const all = [...desk, ...houkatsu, ...csw, ...cswSecret];

    workers.push(await createWorkerApp(t.config, { logger: false }), await createWorkerApp(t.config, { logger: false }));
    const escalations = async () => (await t.sql(`SELECT count(*)::int AS n FROM tasks WHERE kind = 'escalation' AND source_id = ANY($1::uuid[])`, [all]))[0].n as number;
    for (let i = 0; i < 300 && (await escalations()) < all.length; i++) await sleep(100);
    await sleep(1500);

    const perTask = await t.sql(
      `SELECT source_id, count(*)::int AS n, min(assignee_agency_id::text) AS agency, min(title) AS title FROM tasks
       WHERE kind = 'escalation' AND source_type = 'task' AND source_id = ANY($1::uuid[]) GROUP BY source_id`,
      [all],
    );
    expect(perTask).toHaveLength(all.length);
    expect(perTask.filter((r) => r.n !== 1)).toEqual([]);
    const agencyOf = new Map(perTask.map((r) => [r.source_id, r.agency]));
    expect(desk.every((id) => agencyOf.get(id) === city.agencies.desk)).toBe(true);
    expect(houkatsu.every((id) => agencyOf.get(id) === city.agencies.houkatsu)).toBe(true);
    expect(perTask.find((r) => r.source_id === desk[0])!.title).toContain(other.caseNumber);

    // Each original task is marked, and more than one task shared an escalating transaction.
    const marked = await t.sql(`SELECT count(*)::int AS n, count(DISTINCT escalated_at)::int AS transactions FROM tasks WHERE id = ANY($1::uuid[]) AND escalated_at IS NOT NULL`, [all]);
    expect(marked[0].n).toBe(all.length);
    expect(marked[0].transactions).toBeLessThan(all.length);

    const notified = await t.sql(
      `SELECT entity_id, recipient_user_id, recipient_agency_id FROM notifications WHERE kind = 'task.escalated' AND entity_id = ANY($1::uuid[])`,
      [all],
    );
    const recipients = (ids: string[]) => notified.filter((n) => ids.includes(n.entity_id));
    expect(recipients(desk)).toHaveLength(desk.length);
    expect(recipients(desk).every((n) => n.recipient_user_id === city.users.super)).toBe(true);
    expect(recipients(houkatsu).every((n) => n.recipient_user_id === city.users['houkatsu-super'])).toBe(true);
    expect(recipients(houkatsu)).toHaveLength(houkatsu.length);
    expect(recipients(csw)).toHaveLength(csw.length);
    expect(recipients(csw).every((n) => n.recipient_user_id === city.users.super)).toBe(true);
    // A restricted case never reaches another agency: the CSW team's own queue instead.
    expect(recipients(cswSecret)).toHaveLength(cswSecret.length);
    expect(recipients(cswSecret).every((n) => n.recipient_agency_id === city.agencies.csw && n.recipient_user_id === null)).toBe(true);

    const timeline = await t.sql(`SELECT count(*)::int AS n, count(DISTINCT entity_id)::int AS tasks FROM case_events WHERE type = 'task.escalated' AND entity_id = ANY($1::uuid[])`, [all]);
    expect(timeline[0]).toEqual({ n: all.length, tasks: all.length });
    const audit = await t.sql(`SELECT count(*)::int AS n, bool_and(actor_id IS NULL) AS system, count(*) FILTER (WHERE restricted)::int AS restricted FROM audit_events WHERE action = 'task.escalated' AND entity_id = ANY($1::uuid[])`, [all]);
    expect(audit[0]).toEqual({ n: all.length, system: true, restricted: cswSecret.length });

    // The tasks that moved on did nothing.
    expect(await t.sql(`SELECT 1 FROM tasks WHERE kind = 'escalation' AND source_id = ANY($1::uuid[])`, [[done, response, putOff]])).toHaveLength(0);
    expect((await t.sql(`SELECT escalated_at FROM tasks WHERE id = $1`, [putOff]))[0].escalated_at).toBeNull();

    // The supervisor sees them in the inbox.
    const inbox = await t.http().get('/api/v1/notifications?unread=true&limit=200').set(bearer(city.tokens.supervisor));
    expect(inbox.status).toBe(200);
    expect(inbox.body.items.filter((n: { kind: string }) => n.kind === 'task.escalated').length).toBeGreaterThanOrEqual(Math.min(200, desk.length + csw.length));
  });

  it("does nothing for a job that names another municipality than the task's", async () => {
    const stranger = await createTenant(t);
    const kase = await openCase();
    // Due already, but only a job for the wrong municipality is queued (the sweep is 60 s away).
    const [id] = await scheduleTasks([{ caseId: kase.id, agencyId: city.agencies.desk, dueAt: new Date(Date.now() - 1000), runAt: new Date(Date.now() + 86400e3) }]);
    const queue = new Queue(QUEUES.dueTimes, { connection: redisOptionsFromUrl(t.config.redisUrl), prefix: t.config.queuePrefix });
    try {
      await queue.add(JOBS.taskDue, { municipalityId: stranger.municipalityId, entityId: id }, { jobId: `${JOBS.taskDue}.stranger.${id}` });
      await queue.add(JOBS.taskDue, { municipalityId: stranger.municipalityId, entityId: id }, { jobId: `${JOBS.taskDue}.stranger2.${id}` });
      for (let i = 0; i < 50; i++) {
        const states = await Promise.all([`${JOBS.taskDue}.stranger.${id}`, `${JOBS.taskDue}.stranger2.${id}`].map((j) => queue.getJobState(j)));
        if (states.every((s) => s === 'completed')) break;
        await sleep(100);
      }
      expect(await queue.getJobState(`${JOBS.taskDue}.stranger.${id}`)).toBe('completed');
    } finally {
      await queue.close();
    }
    expect(await t.sql(`SELECT 1 FROM tasks WHERE kind = 'escalation' AND source_id = $1`, [id])).toHaveLength(0);
    expect((await t.sql(`SELECT escalated_at FROM tasks WHERE id = $1`, [id]))[0].escalated_at).toBeNull();
  });
});
