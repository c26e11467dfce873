import { BusinessCalendar, fiscalYearOf } from '@tsunagi/calendar';
import { VOCABULARIES } from '@tsunagi/vocabularies';
import { bearer, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';
const jst = (local: string) => `${local}+09:00`;

/** Every code of a vocabulary with its Japanese label; the given codes counted, all others 0. */
function rows(vocabulary: string, counts: Record<string, number>) {
  const unknown = Object.keys(counts).filter((code) => !VOCABULARIES[vocabulary].some((e) => e.code === code));
  if (unknown.length) throw new Error(`not in ${vocabulary}: ${unknown.join(', ')}`);
  return VOCABULARIES[vocabulary].map((e) => ({ code: e.code, label: e.ja, count: counts[e.code] ?? 0 }));
}

/**
 * A known fiscal year 2025 (令和7年度) of one city, built over HTTP; the times of referrals,
 * closures and escalations, which the api stamps with "now", are then moved into that year
 * with SQL so every number is known whatever day the test runs.
 */
describe('reports: fiscal-year indicators and where hand-offs stall', () => {
  let t: TestApp;
  let city: City;
  let other: City;
  const ids: Record<string, string> = {};

  const get = (token: string, path: string) => t.http().get(`${api}${path}`).set(bearer(token));
  async function post(token: string, path: string, body: object = {}, status = [200, 201]) {
    const res = await t.http().post(`${api}${path}`).set(bearer(token)).send(body);
    if (!status.includes(res.status)) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
  const openCase = async (token: string, body: object) => (await post(token, '/cases', { summary: '相談内容', ...body })).id as string;
  const consented = { household: { members: [{ name: '山田 花子', relationship: '本人', isPrimary: true, consent: { status: 'obtained' } }] } };

  beforeAll(async () => {
    t = await startTestApp();
    city = await buildCity(t);
    other = await buildCity(t);
    const { desk, csw, houkatsu, houkatsu2 } = city.agencies;

    // FY2024 (one second before the year) and another city's case: neither may count in FY2025.
    ids.c0 = await openCase(city.tokens.desk, { channel: 'walk_in', receivedAt: jst('2025-03-31T23:59:59'), concerns: ['other'] });
    await openCase(other.tokens.desk, { channel: 'walk_in', receivedAt: jst('2025-07-01T10:00:00'), concerns: ['illness'] });

    // C1, the 8050 story: two meetings, a decline, a re-route that is accepted, a CSW collaboration.
    ids.c1 = await openCase(city.tokens.desk, { channel: 'walk_in', receivedAt: jst('2025-04-01T09:00:00'), concerns: ['long_term_care', 'hikikomori'], primaryConcern: 'eighty_fifty', ...consented });
    await post(city.tokens.desk, `/cases/${ids.c1}/conferences`, { type: 'support_meeting', heldAt: jst('2025-05-10T10:00:00'), participantAgencyIds: [desk, csw], summary: '支援会議' });
    await post(city.tokens.desk, `/cases/${ids.c1}/conferences`, { type: 'multi_agency_meeting', heldAt: jst('2025-05-20T10:00:00'), participantAgencyIds: [desk, houkatsu, csw], summary: '重層的支援会議' });
    ids.r3 = (await post(city.tokens.desk, `/cases/${ids.c1}/referrals`, { toAgencyId: csw, kind: 'collaboration', reason: '長男へのアウトリーチ', basis: 'consent' })).id;
    ids.r1 = (await post(city.tokens.desk, `/cases/${ids.c1}/referrals`, { toAgencyId: houkatsu2, kind: 'transfer', reason: '介護保険の申請支援', basis: 'consent' })).id;
    await post(city.tokens.houkatsu2, `/referrals/${ids.r1}/decline`, { reason: '担当圏域外のため' });
    ids.r2 = (await post(city.tokens.desk, `/cases/${ids.c1}/referrals`, { toAgencyId: houkatsu, kind: 'transfer', reason: '介護保険の申請支援（再調整）', basis: 'consent' })).id;
    await post(city.tokens.houkatsu, `/referrals/${ids.r2}/accept`, {});
    await post(city.tokens.houkatsu, `/referrals/${ids.r2}/first-contact`, { occurredAt: new Date().toISOString() });
    await post(city.tokens.csw, `/referrals/${ids.r3}/accept`, {});

    // C2: a collaboration withdrawn, then closed with information only.
    ids.c2 = await openCase(city.tokens.desk, { channel: 'phone', receivedAt: jst('2025-06-15T14:00:00'), concerns: ['financial_hardship', 'debt'], consent: { status: 'obtained' } });
    ids.r4 = (await post(city.tokens.desk, `/cases/${ids.c2}/referrals`, { toAgencyId: houkatsu, kind: 'collaboration', reason: '家計の相談', basis: 'consent' })).id;
    await post(city.tokens.desk, `/referrals/${ids.r4}/withdraw`, { reason: '本人が自分で相談に行くため' });
    await post(city.tokens.desk, `/cases/${ids.c2}/transitions`, { to: 'closed', closureReason: 'information_only' });

    // C3, taken in by the CSW team: a transfer left pending that escalates, and an overdue follow-up.
    ids.c3 = await openCase(city.tokens.csw, { channel: 'outreach', receivedAt: jst('2025-09-10T10:00:00'), concerns: ['isolation'], primaryConcern: 'isolation', ...consented });
    ids.r5 = (await post(city.tokens.csw, `/cases/${ids.c3}/referrals`, { toAgencyId: houkatsu, kind: 'transfer', reason: '高齢者の見守り', basis: 'consent' })).id;
    ids.task = (await post(city.tokens.csw, `/cases/${ids.c3}/tasks`, { kind: 'custom', title: '再訪問', dueAt: new Date(Date.now() + 7 * 86400e3).toISOString() })).id;

    // C4, a welfare volunteer's report (lands at the desk), suspended.
    ids.c4 = (await post(city.tokens.volunteer, '/cases', { channel: 'volunteer_report', summary: '食事がとれていない様子', receivedAt: jst('2025-12-01T10:00:00'), concerns: ['no_food'] })).id;
    await post(city.tokens.desk, `/cases/${ids.c4}/transitions`, { to: 'closed', closureReason: 'suspended' });

    // C5, restricted (DV): it counts like any other case.
    ids.c5 = await openCase(city.tokens.desk, { channel: 'walk_in', receivedAt: jst('2026-01-20T10:00:00'), concerns: ['domestic_violence'] });
    ids.r6 = (await post(city.tokens.desk, `/cases/${ids.c5}/referrals`, { toAgencyId: houkatsu2, kind: 'collaboration', reason: '避難支援', basis: 'emergency', basisNote: '身体の危険' })).id;
    await post(city.tokens.houkatsu2, `/referrals/${ids.r6}/accept`, {});

    // C6 on the last evening of FY2025, closed now (so the closure counts in the current year);
    // C7 ten minutes into FY2026, with a referral and a case review made now.
    ids.c6 = await openCase(city.tokens.desk, { channel: 'phone', receivedAt: jst('2026-03-31T23:30:00'), concerns: ['housing'] });
    await post(city.tokens.desk, `/cases/${ids.c6}/transitions`, { to: 'closed', closureReason: 'resolved' });
    ids.c7 = await openCase(city.tokens.desk, { channel: 'walk_in', receivedAt: jst('2026-04-01T00:10:00'), concerns: ['housing', 'employment'], ...consented });
    ids.r7 = (await post(city.tokens.desk, `/cases/${ids.c7}/referrals`, { toAgencyId: csw, kind: 'collaboration', reason: '就労の相談', basis: 'consent' })).id;
    await post(city.tokens.desk, `/cases/${ids.c7}/conferences`, { type: 'case_review', heldAt: new Date(Date.now() - 60e3).toISOString(), participantAgencyIds: [desk], summary: '検討' });

    // Move the acts the api stamped "now" into FY2025 (answer times chosen to be known exactly).
    const setReferral = (id: string, created: string, answered: string | null, extra = '') =>
      t.sql(`UPDATE referrals SET created_at = $2, answered_at = $3 ${extra} WHERE id = $1`, [id, jst(created), answered && jst(answered)]);
    await setReferral(ids.r1, '2025-04-01T10:00:00', '2025-04-02T10:00:00'); // Tue → Wed: 24 h, 8.75 business h
    await setReferral(ids.r3, '2025-04-01T11:00:00', '2025-04-07T09:00:00'); // Tue → Mon: 142 h, 33 business h
    await setReferral(ids.r2, '2025-04-03T10:00:00', '2025-04-03T15:00:00', `, first_contact_at = '${jst('2025-04-05T15:00:00')}'`); // 5 h; first contact 2 days later
    await setReferral(ids.r4, '2025-06-16T10:00:00', '2025-06-16T12:00:00'); // withdrawn: not an answer
    await setReferral(ids.r5, '2025-09-10T11:00:00', null, `, escalated_at = '${jst('2025-09-16T17:15:00')}'`);
    await setReferral(ids.r6, '2026-01-20T11:00:00', '2026-01-21T09:00:00'); // Tue → Wed: 22 h, 6.75 business h
    await t.sql(`UPDATE cases SET closed_at = $2 WHERE id = $1`, [ids.c2, jst('2025-06-20T10:00:00')]);
    await t.sql(`UPDATE cases SET closed_at = $2 WHERE id = $1`, [ids.c4, jst('2025-12-10T10:00:00')]);
    // The escalations the worker would have made: one referral (two agencies told), one task.
    const escalate = (caseId: string, agencyId: string, sourceType: string, sourceId: string, at: string) =>
      t.sql(
        `INSERT INTO tasks (municipality_id, id, case_id, kind, title, assignee_agency_id, source_type, source_id, created_at)
         VALUES ($1, gen_random_uuid(), $2, 'escalation', 'エスカレーション', $3, $4, $5, $6)`,
        [city.municipalityId, caseId, agencyId, sourceType, sourceId, jst(at)],
      );
    await escalate(ids.c3, csw, 'referral', ids.r5, '2025-09-16T17:15:00');
    await escalate(ids.c3, houkatsu, 'referral', ids.r5, '2025-09-16T17:15:00');
    await escalate(ids.c3, csw, 'task', ids.task, '2025-10-01T09:00:00');
  });
  afterAll(async () => t?.close());

  it('counts FY2025 exactly, section by section', async () => {
    const res = await get(city.tokens.supervisor, '/reports/indicators?fiscalYear=2025');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const { desk, csw, houkatsu, houkatsu2, minsei } = city.agencies;
    // Plans and participation have their own sections, checked by their own tests (no plan was made here).
    const { plans, participation: _participation, ...counted } = res.body;
    expect([plans.plansMade, plans.replans, plans.evaluations.total, plans.peopleInEmploymentSupport]).toEqual([0, 0, 0, 0]);
    expect(counted).toEqual({
      fiscalYear: 2025,
      label: '令和7年度',
      period: { from: '2025-04-01', to: '2026-03-31' },
      cases: {
        total: 6, // C1–C6: C0 is FY2024, C7 FY2026, the other city's case is not ours
        byChannel: rows('channels', { walk_in: 2, phone: 2, outreach: 1, volunteer_report: 1 }),
        byConcern: rows('concerns', { eighty_fifty: 1, long_term_care: 1, hikikomori: 1, financial_hardship: 1, debt: 1, isolation: 1, no_food: 1, domestic_violence: 1, housing: 1 }),
        byPrimaryConcern: rows('concerns', { eighty_fifty: 1, isolation: 1 }),
        byAgency: [
          { agencyId: desk, name: '福祉の相談窓口', kind: 'consultation_desk', count: 5 },
          { agencyId: houkatsu, name: '北部地域包括支援センター', kind: 'community_support_centre', count: 0 },
          { agencyId: houkatsu2, name: '南部地域包括支援センター', kind: 'community_support_centre', count: 0 },
          { agencyId: csw, name: '社会福祉協議会 CSW', kind: 'social_welfare_council', count: 1 },
          { agencyId: minsei, name: '民生委員協議会', kind: 'volunteer_council', count: 0 },
        ],
        byAgencyKind: rows('agencyKinds', { consultation_desk: 5, social_welfare_council: 1 }),
        cswHandled: 2, // C1 (accepted collaboration) and C3 (taken in by the CSW team)
      },
      referrals: {
        total: 6,
        byStatus: rows('referralStatuses', { pending: 1, accepted: 3, declined: 1, withdrawn: 1 }),
        byAgencyPair: [
          { fromAgencyId: desk, fromName: '福祉の相談窓口', toAgencyId: houkatsu, toName: '北部地域包括支援センター', count: 2, accepted: 1, declined: 0, pending: 0, withdrawn: 1 },
          { fromAgencyId: desk, fromName: '福祉の相談窓口', toAgencyId: houkatsu2, toName: '南部地域包括支援センター', count: 2, accepted: 1, declined: 1, pending: 0, withdrawn: 0 },
          { fromAgencyId: desk, fromName: '福祉の相談窓口', toAgencyId: csw, toName: '社会福祉協議会 CSW', count: 1, accepted: 1, declined: 0, pending: 0, withdrawn: 0 },
          { fromAgencyId: csw, fromName: '社会福祉協議会 CSW', toAgencyId: houkatsu, toName: '北部地域包括支援センター', count: 1, accepted: 0, declined: 0, pending: 1, withdrawn: 0 },
        ],
        declined: 1,
        reroutes: 1, // R2, made after R1 was declined; R3 was made before the decline
        escalations: 1, // R5, though two agencies were told
        medianHoursToAnswer: 23, // 5, 22, 24, 142 (the withdrawal is not an answer)
        medianBusinessHoursToAnswer: 7.75, // 5, 6.75, 8.75, 33
      },
      escalations: {
        total: 2,
        bySource: [
          { code: 'referral', label: 'つなぎ', count: 1 },
          { code: 'task', label: 'フォローアップ', count: 1 },
        ],
      },
      closures: { byReason: rows('closureReasons', { information_only: 1, suspended: 1 }), informationOnly: 1 },
      conferences: { byType: rows('conferenceTypes', { support_meeting: 1, multi_agency_meeting: 1 }) },
      national: { newConsultations: 6, handoffsToOtherAgencies: 6, informationOnlyClosures: 1, multiAgencyMeetings: 1, plansMade: 0, replans: 0, peopleInEmploymentSupport: 0, peopleEmploymentStarted: 0, peopleIncomeIncreased: 0 },
    });

    // The business hours above are the municipality calendar's own.
    const calendar = new BusinessCalendar();
    const hours = (a: string, b: string) => calendar.businessHoursBetween(new Date(jst(a)), new Date(jst(b)));
    expect([hours('2025-04-03T10:00:00', '2025-04-03T15:00:00'), hours('2026-01-20T11:00:00', '2026-01-21T09:00:00'), hours('2025-04-01T10:00:00', '2025-04-02T10:00:00'), hours('2025-04-01T11:00:00', '2025-04-07T09:00:00')]).toEqual([5, 6.75, 8.75, 33]);
  });

  it('puts each record in the year of its own time: received, made, closed, held', async () => {
    const fy2024 = (await get(city.tokens.supervisor, '/reports/indicators?fiscalYear=2024')).body;
    expect(fy2024.label).toBe('令和6年度');
    expect(fy2024.cases.total).toBe(1);
    expect(fy2024.cases.byConcern.find((r: { code: string }) => r.code === 'other').count).toBe(1);
    expect(fy2024.referrals.total).toBe(0);
    expect(fy2024.referrals.medianHoursToAnswer).toBeNull();
    expect(fy2024.referrals.medianBusinessHoursToAnswer).toBeNull();

    const fy2026 = (await get(city.tokens.supervisor, '/reports/indicators?fiscalYear=2026')).body;
    expect(fy2026).toEqual(expect.objectContaining({ fiscalYear: 2026, label: '令和8年度', period: { from: '2026-04-01', to: '2027-03-31' } }));
    expect(fy2026.cases.total).toBe(1); // C7, ten minutes into the year
    expect(fy2026.cases.byChannel).toEqual(rows('channels', { walk_in: 1 }));
    expect(fy2026.cases.byConcern).toEqual(rows('concerns', { housing: 1, employment: 1 }));

    // What the api stamped now (R7, C6's closure, the case review) counts in the current year.
    const current = fiscalYearOf(new Date());
    const now = current === 2026 ? fy2026 : (await get(city.tokens.supervisor, `/reports/indicators?fiscalYear=${current}`)).body;
    expect(now.referrals.total).toBe(1);
    expect(now.referrals.byStatus).toEqual(rows('referralStatuses', { pending: 1 }));
    expect(now.referrals.reroutes).toBe(0);
    expect(now.referrals.medianHoursToAnswer).toBeNull();
    expect(now.closures).toEqual({ byReason: rows('closureReasons', { resolved: 1 }), informationOnly: 0 });
    expect(now.conferences.byType).toEqual(rows('conferenceTypes', { case_review: 1 }));
    expect(now.escalations.total).toBe(0);
    expect(now.national).toEqual({ newConsultations: current === 2026 ? 1 : 0, handoffsToOtherAgencies: 1, informationOnlyClosures: 0, multiAgencyMeetings: 0, plansMade: 0, replans: 0, peopleInEmploymentSupport: 0, peopleEmploymentStarted: 0, peopleIncomeIncreased: 0 });

    // Without fiscalYear: the current one.
    const byDefault = await get(city.tokens.supervisor, '/reports/indicators');
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.fiscalYear).toBe(current);
  });

  it('answers CSV for Excel: BOM, Japanese headers, CRLF, attachment', async () => {
    const res = await get(city.tokens.supervisor, '/reports/indicators?fiscalYear=2025&format=csv')
      .buffer(true)
      .parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="indicators-2025.csv"');
    const bytes = res.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('区分,項目,件数');
    expect(lines[1]).toBe('年度,令和7年度（2025年度）,');
    expect(lines[2]).toBe('期間,2025-04-01〜2026-03-31,');
    for (const line of [
      '相談受付,相談受付件数,6',
      '相談経路,来所,2',
      '相談経路,電話,2',
      '相談経路,FAX,0',
      '課題（複数計上）,8050問題,1',
      '主たる課題,孤立,1',
      '受付機関,福祉の相談窓口,5',
      '受付機関種別,社会福祉協議会,1',
      'CSW,CSWが対応した相談件数,2',
      'つなぎの状況,受入不可,1',
      'つなぎ（機関間）,福祉の相談窓口 → 南部地域包括支援センター,2',
      'つなぎ,再調整によるつなぎ直し,1',
      'つなぎ,回答までの時間（中央値・時間）,23',
      'つなぎ,回答までの時間（中央値・開庁時間）,7.75',
      '終結理由,情報提供のみで終了,1',
      '会議,重層的支援会議,1',
      '国の報告項目,新規相談受付件数,6',
      '国の報告項目,重層的支援会議の開催件数,1',
    ]) {
      expect(lines).toContain(line);
    }
    // Every data line has exactly three fields.
    for (const line of lines.filter(Boolean)) expect(line.split(',')).toHaveLength(3);
  });

  it('is for supervisors only, and validates the year and format', async () => {
    for (const token of [city.tokens.desk, city.tokens.csw, city.tokens.admin, city.tokens.auditor, city.tokens.volunteer]) {
      expect((await get(token, '/reports/indicators?fiscalYear=2025')).status).toBe(403);
      expect((await get(token, '/handoffs/summary')).status).toBe(403);
    }
    expect((await t.http().get(`${api}/reports/indicators?fiscalYear=2025`)).status).toBe(401);
    for (const query of ['fiscalYear=abc', 'fiscalYear=1988', 'fiscalYear=2101', 'fiscalYear=2025.5', 'fiscalYear=', 'fiscalYear=2025&format=xlsx', 'fiscalYear=2025&extra=1']) {
      const res = await get(city.tokens.supervisor, `/reports/indicators?${query}`);
      expect([query, res.status, res.headers['content-type']]).toEqual([query, 400, expect.stringMatching(/^application\/problem\+json/)]);
    }
    expect((await get(city.tokens.supervisor, '/reports/indicators?fiscalYear=1989')).body.label).toBe('平成元年度');
    expect((await get(city.tokens.supervisor, '/reports/indicators?fiscalYear=2019')).body.label).toBe('令和元年度');
  });

  it('audits every report read in the same transaction', async () => {
    const before = await t.sql(`SELECT count(*)::int AS n FROM audit_events WHERE municipality_id = $1 AND action = 'report.viewed'`, [city.municipalityId]);
    await get(city.tokens.supervisor, '/reports/indicators?fiscalYear=2023').expect(200);
    await get(city.tokens.supervisor, '/reports/indicators?fiscalYear=2023&format=csv').expect(200);
    await get(city.tokens.supervisor, '/handoffs/summary?from=2025-04-01&to=2025-04-30').expect(200);
    await get(city.tokens.desk, '/reports/indicators?fiscalYear=2023').expect(403);
    const events = await t.sql(
      `SELECT actor_id AS "actorId", entity_type AS "entityType", case_id AS "caseId", detail FROM audit_events
       WHERE municipality_id = $1 AND action = 'report.viewed' ORDER BY occurred_at DESC LIMIT 3`,
      [city.municipalityId],
    );
    expect(events.reverse()).toEqual([
      { actorId: city.users.super, entityType: 'report', caseId: null, detail: { report: 'indicators', fiscalYear: 2023, format: 'json' } },
      { actorId: city.users.super, entityType: 'report', caseId: null, detail: { report: 'indicators', fiscalYear: 2023, format: 'csv' } },
      { actorId: city.users.super, entityType: 'report', caseId: null, detail: { report: 'handoff_summary', from: '2025-04-01', to: '2025-04-30' } },
    ]);
    const after = await t.sql(`SELECT count(*)::int AS n FROM audit_events WHERE municipality_id = $1 AND action = 'report.viewed'`, [city.municipalityId]);
    expect(after[0].n - before[0].n).toBe(3);
  });

  it('summarises FY2025 hand-offs per pair and per receiving agency, stalled ones first', async () => {
    const res = await get(city.tokens.supervisor, '/handoffs/summary?from=2025-04-01&to=2026-03-31');
    expect(res.status).toBe(200);
    const { desk, csw, houkatsu, houkatsu2 } = city.agencies;
    const none = { medianBusinessHoursToAnswer: null, p90BusinessHoursToAnswer: null, medianDaysToFirstContact: null };
    expect(res.body.period).toEqual({ from: '2025-04-01', to: '2026-03-31' });
    expect(res.body.byAgencyPair).toEqual([
      // R5 escalated and is still pending: it heads the list.
      { fromAgencyId: csw, fromName: '社会福祉協議会 CSW', toAgencyId: houkatsu, toName: '北部地域包括支援センター', referrals: 1, accepted: 0, declined: 0, pending: 1, withdrawn: 0, escalated: 1, ...none },
      { fromAgencyId: desk, fromName: '福祉の相談窓口', toAgencyId: csw, toName: '社会福祉協議会 CSW', referrals: 1, accepted: 1, declined: 0, pending: 0, withdrawn: 0, escalated: 0, medianBusinessHoursToAnswer: 33, p90BusinessHoursToAnswer: 33, medianDaysToFirstContact: null },
      // R1 declined after 8.75 business hours, R6 accepted after 6.75: p90 = 6.75 + 0.9 × 2.
      { fromAgencyId: desk, fromName: '福祉の相談窓口', toAgencyId: houkatsu2, toName: '南部地域包括支援センター', referrals: 2, accepted: 1, declined: 1, pending: 0, withdrawn: 0, escalated: 0, medianBusinessHoursToAnswer: 7.75, p90BusinessHoursToAnswer: 8.55, medianDaysToFirstContact: null },
      // R2 accepted after 5 business hours, first contact two days later; R4 withdrawn.
      { fromAgencyId: desk, fromName: '福祉の相談窓口', toAgencyId: houkatsu, toName: '北部地域包括支援センター', referrals: 2, accepted: 1, declined: 0, pending: 0, withdrawn: 1, escalated: 0, medianBusinessHoursToAnswer: 5, p90BusinessHoursToAnswer: 5, medianDaysToFirstContact: 2 },
    ]);
    expect(res.body.byReceivingAgency).toEqual([
      { agencyId: houkatsu, name: '北部地域包括支援センター', kind: 'community_support_centre', referrals: 3, accepted: 1, declined: 0, pending: 1, withdrawn: 1, escalated: 1, medianBusinessHoursToAnswer: 5, p90BusinessHoursToAnswer: 5, medianDaysToFirstContact: 2 },
      { agencyId: csw, name: '社会福祉協議会 CSW', kind: 'social_welfare_council', referrals: 1, accepted: 1, declined: 0, pending: 0, withdrawn: 0, escalated: 0, medianBusinessHoursToAnswer: 33, p90BusinessHoursToAnswer: 33, medianDaysToFirstContact: null },
      { agencyId: houkatsu2, name: '南部地域包括支援センター', kind: 'community_support_centre', referrals: 2, accepted: 1, declined: 1, pending: 0, withdrawn: 0, escalated: 0, medianBusinessHoursToAnswer: 7.75, p90BusinessHoursToAnswer: 8.55, medianDaysToFirstContact: null },
    ]);
    const totals = res.body.totals;
    expect(totals).toEqual(expect.objectContaining({ referrals: 6, accepted: 3, declined: 1, pending: 1, withdrawn: 1, escalated: 1, medianBusinessHoursToAnswer: 7.75, medianDaysToFirstContact: 2 }));
    expect(totals.p90BusinessHoursToAnswer).toBeCloseTo(8.75 + 0.7 * (33 - 8.75), 1); // 5, 6.75, 8.75, 33

    // A narrower period: April 2025 holds R1, R2, R3.
    const april = (await get(city.tokens.supervisor, '/handoffs/summary?from=2025-04-01&to=2025-04-30')).body;
    expect(april.totals).toEqual({ referrals: 3, accepted: 2, declined: 1, pending: 0, withdrawn: 0, escalated: 0, medianBusinessHoursToAnswer: 8.75, p90BusinessHoursToAnswer: 28.15, medianDaysToFirstContact: 2 });

    // Nothing in the period: zeros and nulls, no rows.
    const empty = (await get(city.tokens.supervisor, '/handoffs/summary?from=2024-04-01&to=2024-04-30')).body;
    expect(empty).toEqual({ period: { from: '2024-04-01', to: '2024-04-30' }, totals: { referrals: 0, accepted: 0, declined: 0, pending: 0, withdrawn: 0, escalated: 0, ...none }, byAgencyPair: [], byReceivingAgency: [] });
  });

  it('defaults the summary to the current fiscal year, validates dates, and leaves the board at /handoffs alone', async () => {
    const current = fiscalYearOf(new Date());
    const byDefault = await get(city.tokens.supervisor, '/handoffs/summary');
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.period).toEqual({ from: `${current}-04-01`, to: `${current + 1}-03-31` });
    expect(byDefault.body.totals.referrals).toBe(1); // R7, made now
    expect(byDefault.body.byReceivingAgency).toEqual([expect.objectContaining({ agencyId: city.agencies.csw, referrals: 1, pending: 1 })]);

    for (const query of ['from=2025-02-30', 'to=2025-4-1', 'from=2025-05-01&to=2025-04-30', 'status=pending']) {
      expect([query, (await get(city.tokens.supervisor, `/handoffs/summary?${query}`)).status]).toEqual([query, 400]);
    }
    const board = await get(city.tokens.supervisor, '/handoffs?limit=200');
    expect(board.status).toBe(200);
    expect(board.body.items.map((h: { referralId: string }) => h.referralId)).toEqual(expect.arrayContaining([ids.r1, ids.r7]));
  });

  // Last: it moves R3 out of FY2025.
  it('measures business hours of a referral answered in the year though made years before', async () => {
    await t.sql(`UPDATE referrals SET created_at = $2 WHERE id = $1`, [ids.r3, jst('2023-04-03T10:00:00')]);
    const fy2025 = (await get(city.tokens.supervisor, '/reports/indicators?fiscalYear=2025')).body;
    expect(fy2025.referrals.total).toBe(5);
    // 5, 6.75, 8.75 and R3's two years of business hours: without them the median would be 6.75.
    expect(fy2025.referrals.medianBusinessHoursToAnswer).toBe(7.75);
    expect(fy2025.referrals.medianHoursToAnswer).toBe(23);
    expect((await get(city.tokens.supervisor, '/reports/indicators?fiscalYear=2023')).body.referrals.byAgencyPair).toEqual([
      expect.objectContaining({ fromAgencyId: city.agencies.desk, toAgencyId: city.agencies.csw, count: 1, accepted: 1 }),
    ]);
  });

  it('documents both routes in the OpenAPI document', async () => {
    const doc = (await t.http().get('/api/docs-json')).body;
    const indicators = doc.paths['/api/v1/reports/indicators'].get;
    expect(indicators.tags).toEqual(['reports']);
    expect(indicators.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(indicators.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    expect(Object.keys(indicators.responses['200'].content)).toEqual(['application/json', 'text/csv']);
    expect(indicators.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['fiscalYear', 'format']);
    const summary = doc.paths['/api/v1/handoffs/summary'].get;
    expect(summary.summary).toContain('stall');
    expect(doc.components.schemas.IndicatorsReportDto.required).toEqual(expect.arrayContaining(['cases', 'referrals', 'escalations', 'closures', 'conferences', 'national']));
    expect(doc.components.schemas.HandoffPairStatsDto).toBeDefined();
  });
});
