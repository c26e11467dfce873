import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createWorkerApp } from '../../apps/worker/src/bootstrap';
import { bearer, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tokyoToday = () => new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);

async function eventually<T>(check: () => Promise<T>, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value || Date.now() > deadline) return value;
    await sleep(100);
  }
}

describe('support plans (支援プラン): made with the person, reviewed on time, never drifting', () => {
  let t: TestApp;
  let city: City;
  let worker: NestFastifyApplication;

  beforeAll(async () => {
    t = await startTestApp({ REDIS_URL: `${process.env.TSUNAGI_TEST_REDIS_URL}/9`, WORKER_SWEEP_INTERVAL_MS: '500', WORKER_RELAY_INTERVAL_MS: '100' });
    city = await buildCity(t);
    worker = await createWorkerApp(t.config, { logger: false });
  });
  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  const post = (token: string, path: string, body: object = {}) => t.http().post(`${api}${path}`).set(bearer(token)).send(body);
  const get = (token: string, path: string) => t.http().get(`${api}${path}`).set(bearer(token));
  const patch = (token: string, path: string, body: object, ifMatch?: string) => {
    const req = t.http().patch(`${api}${path}`).set(bearer(token));
    return (ifMatch ? req.set('If-Match', ifMatch) : req).send(body);
  };
  const count = async (sql: string, params: unknown[] = []) => (await t.sql(`SELECT count(*)::int AS n FROM ${sql}`, params))[0].n as number;

  /** The 8050 household: the mother (80) and her withdrawn son (50), both consenting, with the centre and the CSW on the case. */
  async function household8050() {
    const opened = await post(city.tokens.desk, '/cases', {
      channel: 'walk_in',
      summary: '80代の母と50代の長男の二人暮らし。長男はひきこもり、母の介護が必要。',
      concerns: ['eighty_fifty', 'long_term_care', 'hikikomori'],
      primaryConcern: 'eighty_fifty',
      household: {
        district: '北部',
        members: [
          { name: '山田 花子', nameKana: 'ヤマダ ハナコ', birthDate: '1945-05-01', sex: 'female', relationship: '本人', isPrimary: true, consent: { status: 'obtained' } },
          { name: '山田 一郎', nameKana: 'ヤマダ イチロウ', birthDate: '1975-08-10', sex: 'male', relationship: '長男', consent: { status: 'obtained' } },
        ],
      },
    });
    expect(opened.status).toBe(201);
    const caseId = opened.body.id as string;
    const [mother, son] = opened.body.household.members.map((m: { id: string }) => m.id);
    for (const [to, token, memberIds] of [[city.agencies.houkatsu, city.tokens.houkatsu, [mother]], [city.agencies.csw, city.tokens.csw, [son]]] as const) {
      const ref = await post(city.tokens.desk, `/cases/${caseId}/referrals`, { toAgencyId: to, kind: 'collaboration', reason: '支援プランへの参加', basis: 'consent', memberIds });
      expect(ref.status).toBe(201);
      expect((await post(token, `/referrals/${ref.body.id}/accept`)).status).toBe(200);
    }
    const meeting = (type: string) =>
      post(city.tokens.desk, `/cases/${caseId}/conferences`, { type, heldAt: new Date(Date.now() - 3600_000).toISOString(), participantAgencyIds: [city.agencies.desk, city.agencies.houkatsu, city.agencies.csw], summary: `${type} の記録` });
    const approving = await meeting('multi_agency_meeting');
    const supportMeeting = await meeting('support_meeting');
    expect([approving.status, supportMeeting.status]).toEqual([201, 201]);
    return { caseId, mother, son, conferenceId: approving.body.id as string, supportMeetingId: supportMeeting.body.id as string };
  }

  function planBody(today: string) {
    return {
      personWishes: '母「この家で息子と暮らし続けたい」。長男「少しずつ外に出たい」。',
      goals: [
        { term: 'long_term', text: '母が介護サービスを使いながら自宅で暮らし続ける' },
        { term: 'short_term', text: '長男がCSWと月2回会い、地域の居場所を見学する' },
      ],
      actions: [
        { title: '要介護認定の申請と訪問介護の調整', agencyId: city.agencies.houkatsu, frequency: '月1回', startOn: today, dueOn: addDays(today, 30) },
        { title: '長男への訪問（アウトリーチ）', agencyId: city.agencies.csw, frequency: '月2回', dueOn: addDays(today, 14) },
      ],
      reviewOn: addDays(today, 60),
      employmentSupport: true,
    };
  }

  it('walks the 8050 household: plan, approval, tasks, overdue review escalated once, re-plan, version 2, outcomes, indicators', async () => {
    const today = tokyoToday();
    const h = await household8050();

    // The centre drafts the plan with the person; an agency not on the case cannot carry an action.
    const stray = await post(city.tokens.houkatsu, `/cases/${h.caseId}/plans`, { ...planBody(today), actions: [{ title: '見守り', agencyId: city.agencies.houkatsu2, dueOn: addDays(today, 10) }] });
    expect(stray.status).toBe(422);
    expect(stray.body).toEqual(expect.objectContaining({ code: 'ACTION_AGENCY_NOT_ON_CASE', errors: [expect.objectContaining({ field: 'actions[0].agencyId' })] }));
    expect(await count(`plans WHERE case_id = $1`, [h.caseId])).toBe(0);

    const draft = await post(city.tokens.houkatsu, `/cases/${h.caseId}/plans`, planBody(today));
    expect(draft.status).toBe(201);
    expect(draft.headers.etag).toBe('"1"');
    expect(draft.body).toEqual(expect.objectContaining({ version: 1, revision: 1, status: 'draft', employmentSupport: true, reviewOn: addDays(today, 60) }));
    expect(draft.body.goals).toHaveLength(2);
    const planId = draft.body.id as string;
    expect((await post(city.tokens.csw, `/cases/${h.caseId}/plans`, planBody(today))).status).toBe(409); // one draft at a time

    // Activation: the lead agency, the person's agreement and an approving conference on this case.
    expect((await post(city.tokens.houkatsu, `/plans/${planId}/activate`, { personAgreedOn: today, conferenceId: h.conferenceId })).status).toBe(403);
    expect((await post(city.tokens.desk, `/plans/${planId}/activate`, { conferenceId: h.conferenceId })).status).toBe(400);
    const noMeeting = await post(city.tokens.desk, `/plans/${planId}/activate`, { personAgreedOn: today });
    expect([noMeeting.status, noMeeting.body.code]).toEqual([422, 'CONFERENCE_REQUIRED']);
    const wrongType = await post(city.tokens.desk, `/plans/${planId}/activate`, { personAgreedOn: today, conferenceId: h.supportMeetingId });
    expect([wrongType.status, wrongType.body.code]).toEqual([422, 'CONFERENCE_NOT_APPROVING']);
    const other = await household8050();
    const otherCase = await post(city.tokens.desk, `/plans/${planId}/activate`, { personAgreedOn: today, conferenceId: other.conferenceId });
    expect([otherCase.status, otherCase.body.code]).toEqual([422, 'CONFERENCE_NOT_ON_CASE']);
    expect(await count(`tasks WHERE source_id = $1`, [planId])).toBe(0);

    const active = await post(city.tokens.desk, `/plans/${planId}/activate`, { personAgreedOn: today, conferenceId: h.conferenceId });
    expect(active.status).toBe(200);
    expect(active.body).toEqual(expect.objectContaining({ status: 'active', activatedOn: today, personAgreedOn: today, conferenceId: h.conferenceId }));
    expect(active.body.reviewTaskId).toEqual(expect.any(String));
    expect(active.body.actions.every((a: { taskId: string | null }) => a.taskId)).toBe(true);

    // Each action is now a task of its agency; the review is the lead agency's.
    const centreTasks = await get(city.tokens.houkatsu, '/tasks?scope=agency&status=open');
    expect(centreTasks.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'plan_action', title: '要介護認定の申請と訪問介護の調整', caseId: h.caseId })]));
    const cswTasks = await get(city.tokens.csw, '/tasks?scope=agency&status=open');
    expect(cswTasks.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'plan_action', title: '長男への訪問（アウトリーチ）' })]));
    const deskTasks = await get(city.tokens.desk, '/tasks?scope=agency&status=open');
    const review = deskTasks.body.items.find((task: { id: string }) => task.id === active.body.reviewTaskId);
    expect(review).toEqual(expect.objectContaining({ kind: 'plan_review', caseId: h.caseId }));
    // The review falls due at the closing time (17:15 JST) of the review day or the next business day.
    const [{ due_local }] = await t.sql(`SELECT to_char(due_at AT TIME ZONE 'Asia/Tokyo', 'HH24:MI') AS due_local FROM tasks WHERE id = $1`, [active.body.reviewTaskId]);
    expect(due_local).toBe('17:15');

    // An active plan is never edited in place.
    const edit = await patch(city.tokens.desk, `/plans/${planId}`, { personWishes: '書き換え' }, active.headers.etag);
    expect([edit.status, edit.body.code]).toEqual([409, 'PLAN_NOT_DRAFT']);

    // The review date passes without an evaluation (the clock moved on: the due time set into
    // the past): the review task escalates to the lead agency's supervisors, once.
    await t.sql(`UPDATE tasks SET due_at = now() - interval '1 second' WHERE id = $1`, [active.body.reviewTaskId]);
    const escalated = await eventually(async () => (await count(`tasks WHERE kind = 'escalation' AND source_id = $1`, [active.body.reviewTaskId])) === 1, 15000);
    expect(escalated).toBe(true);
    await sleep(1500); // sweeps later: still one
    expect(await count(`tasks WHERE kind = 'escalation' AND source_id = $1`, [active.body.reviewTaskId])).toBe(1);
    const inbox = await get(city.tokens.supervisor, '/notifications?unread=true');
    expect(inbox.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'task.escalated', entityId: active.body.reviewTaskId })]));

    // The evaluation: every goal needs a result; the decision re-plans.
    const [motherGoal, sonGoal] = active.body.goals;
    const missing = await post(city.tokens.desk, `/plans/${planId}/evaluations`, { evaluatedOn: today, goalResults: [{ goalId: motherGoal.id, result: 'achieved' }], summary: '評価', decision: 'replan' });
    expect([missing.status, missing.body.code]).toEqual([422, 'GOAL_RESULT_MISSING']);
    expect(missing.body.detail).toContain(sonGoal.id);
    const evaluation = await post(city.tokens.desk, `/plans/${planId}/evaluations`, {
      evaluatedOn: today,
      goalResults: [
        { goalId: motherGoal.id, result: 'achieved', note: '訪問介護週2回で安定' },
        { goalId: sonGoal.id, result: 'partly_achieved', note: 'CSWとは会えるが外出はまだ' },
      ],
      summary: '母の生活は安定。長男の社会参加に向けて目標を見直す。',
      decision: 'replan',
      conferenceId: h.conferenceId,
    });
    expect(evaluation.status).toBe(201);
    expect(evaluation.body).toEqual(expect.objectContaining({ decision: 'replan', nextPlanId: expect.any(String) }));
    expect((await t.sql(`SELECT status FROM tasks WHERE id = $1`, [active.body.reviewTaskId]))[0].status).toBe('done');
    const v2Id = evaluation.body.nextPlanId as string;
    const stillActive = await get(city.tokens.desk, `/plans/${planId}`);
    expect(stillActive.body.status).toBe('active');
    expect(stillActive.body.reviewTaskId).toEqual(expect.any(String)); // the draft cannot linger: this plan is reviewed again
    expect(stillActive.body.evaluations).toEqual([expect.objectContaining({ decision: 'replan', goalResults: expect.arrayContaining([expect.objectContaining({ goalId: sonGoal.id, result: 'partly_achieved' })]) })]);

    // Version 2: goals and actions copied into a draft, edited with If-Match, then activated.
    const v2 = await get(city.tokens.csw, `/plans/${v2Id}`);
    expect(v2.body).toEqual(expect.objectContaining({ version: 2, status: 'draft', previousPlanId: planId }));
    expect(v2.body.goals.map((g: { text: string }) => g.text)).toEqual(active.body.goals.map((g: { text: string }) => g.text));
    expect((await patch(city.tokens.csw, `/plans/${v2Id}`, { personWishes: 'x' })).status).toBe(428);
    expect((await patch(city.tokens.csw, `/plans/${v2Id}`, { personWishes: 'x' }, '"99"')).status).toBe(412);
    const edited = await patch(
      city.tokens.csw,
      `/plans/${v2Id}`,
      { goals: [...active.body.goals.map((g: { term: string; text: string }) => ({ term: g.term, text: g.text })), { term: 'short_term', text: '長男が地域の居場所に月1回参加する' }], reviewOn: addDays(today, 90) },
      v2.headers.etag,
    );
    expect(edited.status).toBe(200);
    expect(edited.body).toEqual(expect.objectContaining({ revision: 2, reviewOn: addDays(today, 90) }));
    expect(edited.body.goals).toHaveLength(3);
    const v2Active = await post(city.tokens.desk, `/plans/${v2Id}/activate`, { personAgreedOn: today, conferenceId: h.conferenceId });
    expect(v2Active.status).toBe(200);
    expect(v2Active.body.status).toBe('active');

    // Version 1 is superseded, readable as it was, and its open tasks are cancelled.
    const v1 = await get(city.tokens.houkatsu, `/plans/${planId}`);
    expect(v1.body).toEqual(expect.objectContaining({ status: 'superseded', supersededById: v2Id, reviewTaskId: null, personWishes: planBody(today).personWishes }));
    expect(v1.body.goals).toEqual(active.body.goals);
    expect(await count(`tasks WHERE source_type = 'plan' AND source_id = $1 AND status = 'open'`, [planId])).toBe(0);
    expect(await count(`tasks WHERE source_type = 'plan' AND source_id = $1 AND kind = 'plan_action' AND status = 'cancelled'`, [planId])).toBe(2);
    const list = await get(city.tokens.csw, `/cases/${h.caseId}/plans`);
    expect(list.body.map((p: { version: number; status: string }) => [p.version, p.status])).toEqual([[2, 'active'], [1, 'superseded']]);

    // Outcomes: what changed for the person, each for a member of the household.
    const stranger = await post(city.tokens.csw, `/cases/${h.caseId}/outcomes`, { kind: 'employment_started', occurredOn: today, memberId: other.son });
    expect([stranger.status, stranger.body.code]).toEqual([422, 'MEMBER_NOT_IN_HOUSEHOLD']);
    expect((await post(city.tokens.csw, `/cases/${h.caseId}/outcomes`, { kind: 'employment_started', occurredOn: addDays(today, 1), memberId: h.son })).status).toBe(400);
    const work = await post(city.tokens.csw, `/cases/${h.caseId}/outcomes`, { kind: 'employment_started', occurredOn: today, memberId: h.son, note: '就労体験から週3日のパート就労へ' });
    expect(work.status).toBe(201);
    const income = await post(city.tokens.csw, `/cases/${h.caseId}/outcomes`, { kind: 'income_increased', occurredOn: today, memberId: h.son });
    const care = await post(city.tokens.houkatsu, `/cases/${h.caseId}/outcomes`, { kind: 'health_care_started', occurredOn: today });
    expect([income.status, care.status]).toEqual([201, 201]);
    expect(care.body.memberId).toBe(h.mother); // the primary person by default
    const outcomes = await get(city.tokens.desk, `/cases/${h.caseId}/outcomes`);
    expect(outcomes.body.map((o: { kind: string }) => o.kind).sort()).toEqual(['employment_started', 'health_care_started', 'income_increased']);

    // The timeline tells the story, and the audit trail knows who read the plans.
    const timeline = await get(city.tokens.desk, `/cases/${h.caseId}/timeline?limit=200`);
    const types = timeline.body.items.map((e: { type: string }) => e.type);
    for (const type of ['plan.created', 'plan.activated', 'plan.evaluated', 'plan.superseded', 'outcome.recorded', 'task.escalated']) expect(types).toContain(type);
    const audit = await get(city.tokens.auditor, `/audit?caseId=${h.caseId}&limit=200`);
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    for (const action of ['plan.created', 'plan.updated', 'plan.activated', 'plan.evaluated', 'plan.superseded', 'plan.viewed', 'plan.listed', 'outcome.recorded', 'outcome.listed']) expect(actions).toContain(action);

    // The indicators of the year: one plan made, one re-plan, the evaluation and the outcomes.
    const report = await get(city.tokens.supervisor, '/reports/indicators');
    expect(report.status).toBe(200);
    expect(report.body.national).toEqual(expect.objectContaining({ plansMade: 1, replans: 1, peopleInEmploymentSupport: 1, peopleEmploymentStarted: 1, peopleIncomeIncreased: 1, multiAgencyMeetings: 2 }));
    const byCode = (rows: Array<{ code: string; count: number }>) => Object.fromEntries(rows.map((r) => [r.code, r.count]));
    expect(byCode(report.body.plans.evaluations.byDecision)).toEqual({ continue: 0, replan: 1, end: 0 });
    expect(byCode(report.body.plans.evaluations.goalResults)).toEqual({ achieved: 1, partly_achieved: 1, not_achieved: 0 });
    expect(byCode(report.body.plans.outcomesByKind)).toEqual(expect.objectContaining({ employment_started: 1, income_increased: 1, health_care_started: 1, housing_secured: 0 }));
    const csv = await get(city.tokens.supervisor, '/reports/indicators?format=csv');
    expect(csv.text).toContain('国の報告項目,プラン作成件数,1');
    expect(csv.text).toContain('国の報告項目,再プラン件数,1');
    expect(csv.text).toContain('国の報告項目,就労者数,1');
    expect(csv.text).toContain('国の報告項目,増収者数,1');
  });

  it('ends a plan, cancelling what is left of it, and refuses the bad inputs of the contract', async () => {
    const today = tokyoToday();
    const h = await household8050();
    const draft = await post(city.tokens.desk, `/cases/${h.caseId}/plans`, { ...planBody(today), reviewOn: addDays(today, -1) });
    expect(draft.status).toBe(201);
    const id = draft.body.id as string;
    const evaluateDraft = await post(city.tokens.desk, `/plans/${id}/evaluations`, { evaluatedOn: today, goalResults: draft.body.goals.map((g: { id: string }) => ({ goalId: g.id, result: 'achieved' })), summary: 's', decision: 'end' });
    expect([evaluateDraft.status, evaluateDraft.body.code]).toEqual([409, 'PLAN_NOT_ACTIVE']);
    const early = await post(city.tokens.desk, `/plans/${id}/activate`, { personAgreedOn: today, conferenceId: h.conferenceId });
    expect([early.status, early.body.code, early.body.errors[0].field]).toEqual([422, 'REVIEW_BEFORE_ACTIVATION', 'reviewOn']);
    const pastAction = await patch(city.tokens.desk, `/plans/${id}`, { reviewOn: addDays(today, 30), actions: [{ title: '訪問', agencyId: city.agencies.csw, dueOn: addDays(today, -3) }] }, draft.headers.etag);
    expect(pastAction.status).toBe(200);
    const late = await post(city.tokens.desk, `/plans/${id}/activate`, { personAgreedOn: today, conferenceId: h.conferenceId });
    expect([late.status, late.body.code]).toEqual([422, 'ACTION_DUE_BEFORE_ACTIVATION']);
    expect((await get(city.tokens.desk, `/plans/${id}`)).body.status).toBe('draft');
    const fixed = await patch(city.tokens.desk, `/plans/${id}`, { actions: [{ title: '訪問', agencyId: city.agencies.csw, dueOn: addDays(today, 3) }] }, pastAction.headers.etag);
    expect(fixed.status).toBe(200);
    expect((await post(city.tokens.desk, `/plans/${id}/activate`, { personAgreedOn: addDays(today, 1), conferenceId: h.conferenceId })).status).toBe(400);
    const active = await post(city.tokens.desk, `/plans/${id}/activate`, { personAgreedOn: today, conferenceId: h.conferenceId });
    expect(active.status).toBe(200);
    expect((await post(city.tokens.desk, `/plans/${id}/activate`, { personAgreedOn: today, conferenceId: h.conferenceId })).status).toBe(409);

    const goals = active.body.goals.map((g: { id: string }) => ({ goalId: g.id, result: 'not_achieved' }));
    const noNext = await post(city.tokens.desk, `/plans/${id}/evaluations`, { evaluatedOn: today, goalResults: goals, summary: 's', decision: 'continue' });
    expect([noNext.status, noNext.body.code]).toEqual([422, 'NEXT_REVIEW_REQUIRED']);
    const unknown = await post(city.tokens.desk, `/plans/${id}/evaluations`, { evaluatedOn: today, goalResults: [...goals, { goalId: h.caseId, result: 'achieved' }], summary: 's', decision: 'end' });
    expect([unknown.status, unknown.body.code]).toEqual([422, 'UNKNOWN_GOAL']);
    const badResult = await post(city.tokens.desk, `/plans/${id}/evaluations`, { evaluatedOn: today, goalResults: [{ goalId: goals[0].goalId, result: 'maybe' }], summary: 's', decision: 'end' });
    expect(badResult.status).toBe(400);
    expect(await count(`plan_evaluations WHERE plan_id = $1`, [id])).toBe(0);

    const continued = await post(city.tokens.desk, `/plans/${id}/evaluations`, { evaluatedOn: today, goalResults: goals, summary: '継続', decision: 'continue', nextReviewOn: addDays(today, 45) });
    expect(continued.status).toBe(201);
    const afterContinue = await get(city.tokens.desk, `/plans/${id}`);
    expect(afterContinue.body).toEqual(expect.objectContaining({ status: 'active', reviewOn: addDays(today, 45), reviewTaskId: expect.any(String) }));
    expect(await count(`tasks WHERE source_id = $1 AND kind = 'plan_review'`, [id])).toBe(2);

    const ended = await post(city.tokens.desk, `/plans/${id}/evaluations`, { evaluatedOn: today, goalResults: goals, summary: '支援終結', decision: 'end' });
    expect(ended.status).toBe(201);
    const after = await get(city.tokens.desk, `/plans/${id}`);
    expect(after.body).toEqual(expect.objectContaining({ status: 'ended', reviewTaskId: null }));
    expect(await count(`tasks WHERE source_type = 'plan' AND source_id = $1 AND status = 'open'`, [id])).toBe(0);
    expect((await post(city.tokens.desk, `/plans/${id}/evaluations`, { evaluatedOn: today, goalResults: goals, summary: 's', decision: 'end' })).status).toBe(409);

    // Need to know: an unrelated centre does not see plans; roles that never read cases get 403.
    expect((await get(city.tokens.houkatsu2, `/plans/${id}`)).status).toBe(404);
    expect((await get(city.tokens.houkatsu2, `/cases/${h.caseId}/plans`)).status).toBe(404);
    expect((await get(city.tokens.auditor, `/plans/${id}`)).status).toBe(403);
    expect((await post(city.tokens.houkatsu2, `/cases/${h.caseId}/outcomes`, { kind: 'other', occurredOn: today })).status).toBe(404);
  });

  it('activates without a conference where the municipality does not require one', async () => {
    const today = tokyoToday();
    const h = await household8050();
    await t.http().patch(`${api}/municipality/settings`).set(bearer(city.tokens.admin)).send({ planRequiresConference: false, planReviewMonths: 2 }).expect(200);
    try {
      const draft = await post(city.tokens.desk, `/cases/${h.caseId}/plans`, { ...planBody(today), reviewOn: undefined });
      const active = await post(city.tokens.desk, `/plans/${draft.body.id}/activate`, { personAgreedOn: today });
      expect(active.status).toBe(200);
      expect(active.body.conferenceId).toBeNull();
      const [y, m, d] = today.split('-').map(Number);
      const expected = new Date(Date.UTC(y, m - 1 + 2, 1));
      const last = new Date(Date.UTC(expected.getUTCFullYear(), expected.getUTCMonth() + 1, 0)).getUTCDate();
      expected.setUTCDate(Math.min(d, last));
      expect(active.body.reviewOn).toBe(expected.toISOString().slice(0, 10));
    } finally {
      await t.http().patch(`${api}/municipality/settings`).set(bearer(city.tokens.admin)).send({ planRequiresConference: true, planReviewMonths: 3 }).expect(200);
    }
  });
});
