import { bearer, PASSWORD, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';
type Ctx = { city: City; ids: Record<string, string> };
type Step = (t: TestApp, ctx: Ctx) => Promise<{ status: number; body: any }>;

/**
 * One successful request per mutating operation of the OpenAPI document. The test fails when
 * the document gains a mutating route this table does not cover, so a new route cannot ship
 * without proving it writes its audit event.
 */
const STEPS: Record<string, Step> = {
  'POST /api/v1/auth/login': (t, { city }) => t.http().post(`${api}/auth/login`).send({ municipality: city.code, username: 'desk', password: PASSWORD }),
  'POST /api/v1/agencies': (t, { city }) => t.http().post(`${api}/agencies`).set(bearer(city.tokens.admin)).send({ code: 'coverage', name: '網羅テスト', kind: 'other' }),
  'POST /api/v1/users': async (t, ctx) => {
    const res = await t.http().post(`${api}/users`).set(bearer(ctx.city.tokens.admin)).send({ username: 'mover', displayName: '異動 予定', agencyId: ctx.city.agencies.desk, roles: ['desk_staff'], password: PASSWORD });
    ctx.ids.user = res.body.id;
    return res;
  },
  'PATCH /api/v1/users/{id}': (t, ctx) => t.http().patch(`${api}/users/${ctx.ids.user}`).set(bearer(ctx.city.tokens.admin)).send({ agencyId: ctx.city.agencies.houkatsu }),
  'POST /api/v1/users/{id}/password': (t, ctx) => t.http().post(`${api}/users/${ctx.ids.user}/password`).set(bearer(ctx.city.tokens.admin)).send({ newPassword: 'another-password-1' }),
  'PATCH /api/v1/municipality/settings': (t, { city }) => t.http().patch(`${api}/municipality/settings`).set(bearer(city.tokens.admin)).send({ retentionYears: 7 }),
  'POST /api/v1/cases': async (t, ctx) => {
    const res = await t.http().post(`${api}/cases`).set(bearer(ctx.city.tokens.desk)).send({ channel: 'walk_in', summary: '網羅', household: { members: [{ name: '網羅 花子', isPrimary: true, consent: { status: 'obtained' } }] } });
    ctx.ids.case = res.body.id;
    return res;
  },
  'POST /api/v1/cases/locate': (t, ctx) => t.http().post(`${api}/cases/locate`).set(bearer(ctx.city.tokens.desk)).send({ name: '網羅 花子', birthDate: '1950-01-01' }),
  'POST /api/v1/cases/search': (t, ctx) => t.http().post(`${api}/cases/search`).set(bearer(ctx.city.tokens.desk)).send({ q: '網羅' }),
  'PATCH /api/v1/cases/{id}': (t, ctx) => t.http().patch(`${api}/cases/${ctx.ids.case}`).set(bearer(ctx.city.tokens.desk)).set('If-Match', '"1"').send({ urgency: 'high' }),
  'POST /api/v1/cases/{id}/transitions': (t, ctx) => t.http().post(`${api}/cases/${ctx.ids.case}/transitions`).set(bearer(ctx.city.tokens.desk)).send({ to: 'assessment' }),
  'POST /api/v1/cases/{id}/notes': (t, ctx) => t.http().post(`${api}/cases/${ctx.ids.case}/notes`).set(bearer(ctx.city.tokens.desk)).send({ kind: 'interview', body: '面談' }),
  'POST /api/v1/cases/{id}/tasks': async (t, ctx) => {
    const res = await t.http().post(`${api}/cases/${ctx.ids.case}/tasks`).set(bearer(ctx.city.tokens.desk)).send({ kind: 'custom', title: '確認', dueAt: new Date(Date.now() + 86400e3).toISOString() });
    const second = await t.http().post(`${api}/cases/${ctx.ids.case}/tasks`).set(bearer(ctx.city.tokens.desk)).send({ kind: 'custom', title: '確認2', dueAt: new Date(Date.now() + 86400e3).toISOString() });
    ctx.ids.task = res.body.id;
    ctx.ids.task2 = second.body.id;
    return res;
  },
  'POST /api/v1/tasks/{id}/complete': (t, ctx) => t.http().post(`${api}/tasks/${ctx.ids.task}/complete`).set(bearer(ctx.city.tokens.desk)).send({}),
  'POST /api/v1/tasks/{id}/cancel': (t, ctx) => t.http().post(`${api}/tasks/${ctx.ids.task2}/cancel`).set(bearer(ctx.city.tokens.desk)).send({ reason: '不要' }),
  'POST /api/v1/cases/{id}/conferences': (t, ctx) =>
    t.http().post(`${api}/cases/${ctx.ids.case}/conferences`).set(bearer(ctx.city.tokens.desk)).send({ type: 'support_meeting', heldAt: new Date(Date.now() - 3600e3).toISOString(), participantAgencyIds: [ctx.city.agencies.desk, ctx.city.agencies.csw], summary: '会議' }),
  'POST /api/v1/cases/{id}/referrals': async (t, ctx) => {
    const res = await t.http().post(`${api}/cases/${ctx.ids.case}/referrals`).set(bearer(ctx.city.tokens.desk)).send({ toAgencyId: ctx.city.agencies.houkatsu, kind: 'transfer', reason: 'つなぎ', basis: 'consent' });
    const other = await t.http().post(`${api}/cases/${ctx.ids.case}/referrals`).set(bearer(ctx.city.tokens.desk)).send({ toAgencyId: ctx.city.agencies.csw, kind: 'collaboration', reason: '連携', basis: 'support_meeting' });
    const third = await t.http().post(`${api}/cases/${ctx.ids.case}/referrals`).set(bearer(ctx.city.tokens.desk)).send({ toAgencyId: ctx.city.agencies.houkatsu2, kind: 'collaboration', reason: '連携', basis: 'consent' });
    Object.assign(ctx.ids, { referral: res.body.id, referral2: other.body.id, referral3: third.body.id });
    return res;
  },
  'POST /api/v1/referrals/{id}/decline': (t, ctx) => t.http().post(`${api}/referrals/${ctx.ids.referral2}/decline`).set(bearer(ctx.city.tokens.csw)).send({ reason: '対象外' }),
  'POST /api/v1/referrals/{id}/withdraw': (t, ctx) => t.http().post(`${api}/referrals/${ctx.ids.referral3}/withdraw`).set(bearer(ctx.city.tokens.desk)).send({ reason: '取り下げ' }),
  'POST /api/v1/referrals/{id}/accept': (t, ctx) => t.http().post(`${api}/referrals/${ctx.ids.referral}/accept`).set(bearer(ctx.city.tokens.houkatsu)).send({}),
  'POST /api/v1/referrals/{id}/first-contact': (t, ctx) => t.http().post(`${api}/referrals/${ctx.ids.referral}/first-contact`).set(bearer(ctx.city.tokens.houkatsu)).send({ occurredAt: new Date().toISOString() }),
  'POST /api/v1/notifications/{id}/read': async (t, ctx) => {
    const inbox = await t.http().get(`${api}/notifications`).set(bearer(ctx.city.tokens.supervisor));
    return t.http().post(`${api}/notifications/${inbox.body.items[0].id}/read`).set(bearer(ctx.city.tokens.supervisor));
  },
  'POST /api/v1/cases/{id}/plans': async (t, ctx) => {
    const sup = bearer(ctx.city.tokens.supervisor);
    const meeting = await t.http().post(`${api}/cases/${ctx.ids.case}/conferences`).set(sup).send({ type: 'multi_agency_meeting', heldAt: new Date(Date.now() - 3600e3).toISOString(), participantAgencyIds: [ctx.city.agencies.desk, ctx.city.agencies.houkatsu], summary: 'プラン承認' });
    ctx.ids.approval = meeting.body.id;
    const dueOn = new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10);
    const res = await t.http().post(`${api}/cases/${ctx.ids.case}/plans`).set(sup).send({ personWishes: '自宅で暮らしたい', goals: [{ term: 'long_term', text: '在宅生活の継続' }], actions: [{ title: '訪問', agencyId: ctx.city.agencies.houkatsu, dueOn }] });
    ctx.ids.plan = res.body.id;
    return res;
  },
  'PATCH /api/v1/plans/{id}': (t, ctx) => t.http().patch(`${api}/plans/${ctx.ids.plan}`).set(bearer(ctx.city.tokens.supervisor)).set('If-Match', '"1"').send({ employmentSupport: true }),
  'POST /api/v1/plans/{id}/activate': async (t, ctx) => {
    const res = await t.http().post(`${api}/plans/${ctx.ids.plan}/activate`).set(bearer(ctx.city.tokens.supervisor)).send({ personAgreedOn: new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10), conferenceId: ctx.ids.approval });
    ctx.ids.goal = res.body.goals?.[0]?.id;
    return res;
  },
  'POST /api/v1/plans/{id}/evaluations': (t, ctx) =>
    t.http().post(`${api}/plans/${ctx.ids.plan}/evaluations`).set(bearer(ctx.city.tokens.supervisor)).send({ evaluatedOn: new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10), goalResults: [{ goalId: ctx.ids.goal, result: 'achieved' }], summary: '達成', decision: 'end' }),
  'POST /api/v1/cases/{id}/outcomes': (t, ctx) => t.http().post(`${api}/cases/${ctx.ids.case}/outcomes`).set(bearer(ctx.city.tokens.supervisor)).send({ kind: 'housing_secured', occurredOn: '2026-04-01' }),
  'POST /api/v1/resources': async (t, ctx) => {
    const res = await t.http().post(`${api}/resources`).set(bearer(ctx.city.tokens.csw)).send({ name: '網羅サロン', kind: 'salon', public: true, internalNote: '内部' });
    ctx.ids.resource = res.body.id;
    return res;
  },
  'PATCH /api/v1/resources/{id}': (t, ctx) => t.http().patch(`${api}/resources/${ctx.ids.resource}`).set(bearer(ctx.city.tokens.csw)).set('If-Match', '"1"').send({ schedule: '毎週火曜 10:00–12:00' }),
  'POST /api/v1/resources/{id}/verify': (t, ctx) => t.http().post(`${api}/resources/${ctx.ids.resource}/verify`).set(bearer(ctx.city.tokens.csw)).send({ note: '確認' }),
  'POST /api/v1/cases/{id}/participations': async (t, ctx) => {
    const res = await t.http().post(`${api}/cases/${ctx.ids.case}/participations`).set(bearer(ctx.city.tokens.supervisor)).send({ resourceId: ctx.ids.resource });
    ctx.ids.participation = res.body.id;
    return res;
  },
  'POST /api/v1/participations/{id}/start': (t, ctx) => t.http().post(`${api}/participations/${ctx.ids.participation}/start`).set(bearer(ctx.city.tokens.supervisor)).send({ startedOn: new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10) }),
  'POST /api/v1/participations/{id}/check': (t, ctx) =>
    t.http().post(`${api}/participations/${ctx.ids.participation}/check`).set(bearer(ctx.city.tokens.supervisor)).send({ checkedOn: new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10), attending: true }),
  'POST /api/v1/participations/{id}/end': (t, ctx) =>
    t.http().post(`${api}/participations/${ctx.ids.participation}/end`).set(bearer(ctx.city.tokens.supervisor)).send({ endedOn: new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10), reason: 'goal_met' }),
  'POST /api/v1/cases/{id}/unmet-needs': (t, ctx) => t.http().post(`${api}/cases/${ctx.ids.case}/unmet-needs`).set(bearer(ctx.city.tokens.supervisor)).send({ concern: 'isolation', description: '近くに居場所がない' }),
};

describe('audit coverage: every mutating route of the OpenAPI document leaves an audit event', () => {
  let t: TestApp;
  let ctx: Ctx;
  let operations: string[];

  beforeAll(async () => {
    t = await startTestApp();
    ctx = { city: await buildCity(t), ids: {} };
    const doc = (await t.http().get('/api/docs-json')).body;
    operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).filter((m) => ['post', 'put', 'patch', 'delete'].includes(m)).map((m) => `${m.toUpperCase()} ${path}`),
    );
  });
  afterAll(async () => t?.close());

  it('has a step for every mutating operation and no stale ones', () => {
    expect(operations.length).toBeGreaterThan(15);
    expect(operations.filter((op) => !STEPS[op])).toEqual([]);
    expect(Object.keys(STEPS).filter((op) => !operations.includes(op))).toEqual([]);
  });

  it('writes at least one audit event in each successful mutating request', async () => {
    const count = async () => (await t.sql(`SELECT count(*)::int AS n FROM audit_events WHERE municipality_id = $1`, [ctx.city.municipalityId]))[0].n as number;
    const results: string[] = [];
    for (const [op, step] of Object.entries(STEPS)) {
      const before = await count();
      const res = await step(t, ctx);
      const after = await count();
      results.push(`${op} → ${res.status}, +${after - before} events`);
      expect({ op, status: res.status >= 200 && res.status < 300 ? 'ok' : res.status }).toEqual({ op, status: 'ok' });
      expect({ op, written: after > before }).toEqual({ op, written: true });
    }
    process.stdout.write(`audit coverage: ${results.length} mutating operations, each wrote an event\n`);
  });
});
