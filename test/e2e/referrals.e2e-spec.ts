import { bearer, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';

describe('referrals (つなぎ) and conferences: hand-offs that cannot dead-end', () => {
  let t: TestApp;
  let city: City;
  let other: City;

  beforeAll(async () => {
    t = await startTestApp();
    city = await buildCity(t);
    other = await buildCity(t);
  });
  afterAll(async () => t?.close());

  const as = (token: string) => bearer(token);
  const get = (token: string, path: string) => t.http().get(`${api}${path}`).set(as(token));
  const post = (token: string, path: string, body: object = {}) => t.http().post(`${api}${path}`).set(as(token)).send(body);

  async function open8050(): Promise<{ caseId: string; mother: string; son: string }> {
    const res = await post(city.tokens.desk, '/cases', {
      channel: 'walk_in',
      summary: '80代の母の介護と、50代でひきこもりの長男のこと。',
      concerns: ['long_term_care', 'hikikomori'],
      primaryConcern: 'eighty_fifty',
      household: {
        members: [
          { name: '山田 花子', birthDate: '1944-05-10', relationship: '本人', isPrimary: true, consent: { status: 'obtained' } },
          { name: '山田 太郎', birthDate: '1974-08-01', relationship: '長男' },
        ],
      },
    });
    expect(res.status).toBe(201);
    return { caseId: res.body.id, mother: res.body.household.members[0].id, son: res.body.household.members[1].id };
  }

  it('walks the 8050 story: decline with a suggestion, re-route, accept, first contact, collaboration', async () => {
    const { caseId, mother, son } = await open8050();

    // The desk refers the mother to the wrong centre, on her consent.
    const wrong = await post(city.tokens.desk, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.houkatsu2, kind: 'transfer', reason: '母の介護保険の申請支援', basis: 'consent', accompanied: true });
    expect(wrong.status).toBe(201);
    expect(wrong.body).toEqual(expect.objectContaining({ status: 'pending', kind: 'transfer', fromAgencyId: city.agencies.desk, toAgencyId: city.agencies.houkatsu2, memberIds: [mother], accompanied: true, overdue: false }));
    expect(new Date(wrong.body.respondBy).getTime()).toBeGreaterThan(Date.now() + 24 * 3600 * 1000);

    // The receiver sees the case while the referral is pending, and a response task.
    expect((await get(city.tokens.houkatsu2, `/cases/${caseId}`)).status).toBe(200);
    const receiverTasks = await get(city.tokens.houkatsu2, '/tasks?scope=agency&status=open');
    expect(receiverTasks.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'referral_response', caseId, sourceId: wrong.body.id, dueAt: wrong.body.respondBy })]));

    // The mother's consent does not cover her son …
    const noConsent = await post(city.tokens.desk, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.csw, kind: 'collaboration', reason: '長男へのアウトリーチ', basis: 'consent', memberIds: [son] });
    expect(noConsent.status).toBe(422);
    expect(noConsent.body.code).toBe('CONSENT_MISSING');
    expect(noConsent.body.detail).toContain(son);
    const noMeeting = await post(city.tokens.desk, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.csw, kind: 'collaboration', reason: '長男へのアウトリーチ', basis: 'support_meeting', memberIds: [son] });
    expect(noMeeting.status).toBe(422);
    expect(noMeeting.body.code).toBe('SUPPORT_MEETING_MISSING');
    // … a 支援会議 with the CSW team does.
    const meeting = await post(city.tokens.desk, `/cases/${caseId}/conferences`, { type: 'support_meeting', heldAt: new Date(Date.now() - 3600e3).toISOString(), participantAgencyIds: [city.agencies.desk, city.agencies.csw], summary: '長男への関わり方を協議' });
    expect(meeting.status).toBe(201);
    const toCsw = await post(city.tokens.desk, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.csw, kind: 'collaboration', reason: '長男へのアウトリーチ', basis: 'support_meeting', memberIds: [son] });
    expect(toCsw.status).toBe(201);

    // The south centre declines and suggests the north centre: the case stays with the desk.
    expect((await post(city.tokens.houkatsu2, `/referrals/${wrong.body.id}/decline`, { suggestion: '北部の担当です' })).status).toBe(400);
    const declined = await post(city.tokens.houkatsu2, `/referrals/${wrong.body.id}/decline`, { reason: '担当圏域外のため', suggestion: '北部地域包括支援センターへ', suggestedAgencyId: city.agencies.houkatsu });
    expect(declined.status).toBe(200);
    expect(declined.body).toEqual(expect.objectContaining({ status: 'declined', declineReason: '担当圏域外のため', suggestedAgencyId: city.agencies.houkatsu }));
    expect((await get(city.tokens.houkatsu2, `/cases/${caseId}`)).status).toBe(404);
    const afterDecline = await get(city.tokens.desk, `/cases/${caseId}`);
    expect(afterDecline.body.leadAgencyId).toBe(city.agencies.desk);
    const reroute = await get(city.tokens.desk, '/tasks?scope=agency&status=open');
    expect(reroute.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'reroute', caseId, assigneeAgencyId: city.agencies.desk })]));
    const supervisorInbox = await get(city.tokens.supervisor, '/notifications?unread=true');
    expect(supervisorInbox.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'referral.declined', caseId })]));
    expect(JSON.stringify(supervisorInbox.body)).not.toContain('山田');
    const again = await post(city.tokens.houkatsu2, `/referrals/${wrong.body.id}/accept`, {});
    expect(again.status).toBe(404);

    // A case cannot close while a referral on it is pending.
    const closing = await post(city.tokens.desk, `/cases/${caseId}/transitions`, { to: 'closed', closureReason: 'resolved' });
    expect(closing.status).toBe(409);

    // Re-route to the right centre, which accepts.
    const right = await post(city.tokens.desk, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.houkatsu, kind: 'transfer', reason: '母の介護保険の申請支援（再調整）', basis: 'consent' });
    expect(right.status).toBe(201);
    const accepted = await post(city.tokens.houkatsu, `/referrals/${right.body.id}/accept`, { note: '受け付けました', assignedWorkerId: city.users.houkatsu });
    expect(accepted.status).toBe(200);
    const moved = await get(city.tokens.houkatsu, `/cases/${caseId}`);
    expect(moved.body).toEqual(expect.objectContaining({ leadAgencyId: city.agencies.houkatsu, leadWorkerId: city.users.houkatsu }));
    expect(moved.body.involvedAgencies).toEqual(expect.arrayContaining([expect.objectContaining({ agencyId: city.agencies.desk, involvement: 'handoff_monitor' })]));
    // The desk, now only monitoring, may no longer transfer.
    const notLead = await post(city.tokens.desk, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.houkatsu2, kind: 'transfer', reason: 'x', basis: 'consent' });
    expect(notLead.status).toBe(422);
    expect(notLead.body.code).toBe('TRANSFER_ONLY_BY_LEAD');

    // The CSW team accepts the collaboration.
    const csw = await post(city.tokens.csw, `/referrals/${toCsw.body.id}/accept`, {});
    expect(csw.status).toBe(200);
    expect((await get(city.tokens.csw, `/cases/${caseId}`)).body.involvedAgencies).toEqual(expect.arrayContaining([expect.objectContaining({ agencyId: city.agencies.csw, involvement: 'collaborator' })]));

    // First contact closes the hand-off: the desk steps back and no longer sees the case.
    expect((await post(city.tokens.houkatsu, `/referrals/${right.body.id}/first-contact`, { occurredAt: new Date(Date.now() + 3600e3).toISOString() })).status).toBe(422);
    const contact = await post(city.tokens.houkatsu, `/referrals/${right.body.id}/first-contact`, { occurredAt: new Date().toISOString(), note: '自宅訪問で母と面談' });
    expect(contact.status).toBe(200);
    expect(contact.body.firstContactAt).toEqual(expect.any(String));
    expect((await post(city.tokens.houkatsu, `/referrals/${right.body.id}/first-contact`, { occurredAt: new Date().toISOString() })).status).toBe(409);
    expect((await get(city.tokens.desk, `/cases/${caseId}`)).status).toBe(404);

    // The provision record and the timeline tell the whole story.
    const record = await get(city.tokens.houkatsu, `/cases/${caseId}/referrals`);
    expect(record.body.map((r: { status: string; basis: string }) => [r.status, r.basis])).toEqual([
      ['declined', 'consent'],
      ['accepted', 'support_meeting'],
      ['accepted', 'consent'],
    ]);
    const timeline = await get(city.tokens.houkatsu, `/cases/${caseId}/timeline`);
    const types = timeline.body.items.map((e: { type: string }) => e.type);
    for (const type of ['case.opened', 'referral.created', 'conference.recorded', 'referral.declined', 'referral.accepted', 'referral.first_contact', 'task.created', 'task.completed']) expect(types).toContain(type);
    const audit = await t.sql(`SELECT action FROM audit_events WHERE case_id = $1`, [caseId]);
    expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['referral.created', 'referral.declined', 'referral.accepted', 'referral.first_contact', 'conference.recorded']));

    // The supervisor sees every hand-off of the story with its times, and where the declined one went next.
    const board = await get(city.tokens.supervisor, `/handoffs?limit=200`);
    expect(board.status).toBe(200);
    const story = board.body.items.filter((h: { caseId: string }) => h.caseId === caseId);
    expect(story).toHaveLength(3);
    const declinedRow = story.find((h: { referralId: string }) => h.referralId === wrong.body.id);
    expect(declinedRow).toEqual(expect.objectContaining({
      status: 'declined', declineReason: '担当圏域外のため', businessDaysWaiting: expect.any(Number), answeredAt: expect.any(String),
      fromAgency: expect.objectContaining({ id: city.agencies.desk, kind: 'consultation_desk' }),
      toAgency: expect.objectContaining({ id: city.agencies.houkatsu2, name: '南部地域包括支援センター' }),
      nextToAgency: expect.objectContaining({ id: city.agencies.houkatsu }),
    }));
    const acceptedRow = story.find((h: { referralId: string }) => h.referralId === right.body.id);
    expect(acceptedRow).toEqual(expect.objectContaining({ status: 'accepted', firstContactAt: expect.any(String), overdue: false, respondBy: right.body.respondBy }));
    const declinedOnly = await get(city.tokens.supervisor, `/handoffs?status=declined&toAgencyId=${city.agencies.houkatsu2}`);
    expect(declinedOnly.body.items.every((h: { status: string; toAgency: { id: string } }) => h.status === 'declined' && h.toAgency.id === city.agencies.houkatsu2)).toBe(true);
    expect((await get(city.tokens.desk, '/handoffs')).status).toBe(403);
    expect((await get(other.tokens.supervisor, '/handoffs')).body.items).toEqual([]);
  });

  it('lets exactly one of two people answering at once succeed', async () => {
    for (let round = 0; round < 3; round++) {
      const { caseId } = await open8050();
      const ref = await post(city.tokens.desk, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.houkatsu, kind: 'transfer', reason: '同時回答', basis: 'consent' });
      const [a, b] = await Promise.all([
        post(city.tokens.houkatsu, `/referrals/${ref.body.id}/accept`, {}),
        round === 1 ? post(city.tokens.houkatsuSuper, `/referrals/${ref.body.id}/decline`, { reason: '同時' }) : post(city.tokens.houkatsuSuper, `/referrals/${ref.body.id}/accept`, {}),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const loser = a.status === 409 ? a : b;
      expect(loser.body.code).toBe('REFERRAL_NOT_PENDING');
      const rows = await t.sql(`SELECT status FROM referrals WHERE id = $1`, [ref.body.id]);
      expect(['accepted', 'declined']).toContain(rows[0].status);
      const leads = await t.sql(`SELECT lead_agency_id FROM cases WHERE id = $1`, [caseId]);
      expect(leads[0].lead_agency_id).toBe(rows[0].status === 'accepted' ? city.agencies.houkatsu : city.agencies.desk);
    }
  });

  it('refuses bad referrals precisely and changes nothing', async () => {
    const { caseId } = await open8050();
    const before = (await t.sql(`SELECT count(*)::int AS n FROM referrals WHERE case_id = $1`, [caseId]))[0].n;
    const cases: Array<[string, object, number, string]> = [
      ['other municipality', { toAgencyId: other.agencies.houkatsu, kind: 'transfer', reason: 'x', basis: 'consent' }, 422, 'UNKNOWN_AGENCY'],
      ['unknown agency', { toAgencyId: '00000000-0000-7000-8000-000000000000', kind: 'transfer', reason: 'x', basis: 'consent' }, 422, 'UNKNOWN_AGENCY'],
      ['own lead agency', { toAgencyId: city.agencies.desk, kind: 'collaboration', reason: 'x', basis: 'consent' }, 422, 'REFERRAL_TO_SELF'],
      ['respondBy in the past', { toAgencyId: city.agencies.houkatsu, kind: 'transfer', reason: 'x', basis: 'consent', respondBy: '2020-01-01T00:00:00Z' }, 422, 'RESPOND_BY_IN_PAST'],
      ['respondBy later than the default', { toAgencyId: city.agencies.houkatsu, kind: 'transfer', reason: 'x', basis: 'consent', respondBy: new Date(Date.now() + 60 * 86400e3).toISOString() }, 422, 'RESPOND_BY_TOO_LATE'],
      ['emergency without reason', { toAgencyId: city.agencies.houkatsu, kind: 'transfer', reason: 'x', basis: 'emergency' }, 422, 'EMERGENCY_REASON_REQUIRED'],
      ['unknown member', { toAgencyId: city.agencies.houkatsu, kind: 'transfer', reason: 'x', basis: 'consent', memberIds: ['00000000-0000-7000-8000-000000000001'] }, 422, 'UNKNOWN_MEMBER'],
      ['no reason', { toAgencyId: city.agencies.houkatsu, kind: 'transfer', basis: 'consent' }, 400, 'VALIDATION_FAILED'],
      ['unknown basis', { toAgencyId: city.agencies.houkatsu, kind: 'transfer', reason: 'x', basis: 'gut_feeling' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [what, body, status, code] of cases) {
      const res = await post(city.tokens.desk, `/cases/${caseId}/referrals`, body);
      expect({ what, status: res.status, code: res.body.code }).toEqual({ what, status, code });
    }
    expect((await post(city.tokens.houkatsu, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.csw, kind: 'collaboration', reason: 'x', basis: 'consent' })).status).toBe(404);
    expect((await post(city.tokens.admin, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.csw, kind: 'collaboration', reason: 'x', basis: 'consent' })).status).toBe(403);
    expect((await t.sql(`SELECT count(*)::int AS n FROM referrals WHERE case_id = $1`, [caseId]))[0].n).toBe(before);

    const ref = await post(city.tokens.desk, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.houkatsu, kind: 'transfer', reason: 'x', basis: 'consent' });
    expect((await post(city.tokens.desk, `/referrals/${ref.body.id}/accept`, {})).status).toBe(403);
    expect((await post(city.tokens.houkatsu2, `/referrals/${ref.body.id}/accept`, {})).status).toBe(404);
    expect((await post(other.tokens.houkatsu, `/referrals/${ref.body.id}/accept`, {})).status).toBe(404);
    expect((await post(city.tokens.houkatsu, `/referrals/${ref.body.id}/accept`, { assignedWorkerId: city.users.desk })).status).toBe(422);
    expect((await post(city.tokens.houkatsu, `/referrals/${ref.body.id}/withdraw`, { reason: 'x' })).status).toBe(403);
    expect((await post(city.tokens.desk, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.houkatsu, kind: 'transfer', reason: 'x', basis: 'consent' })).status).toBe(409);
    expect((await t.sql(`SELECT status FROM referrals WHERE id = $1`, [ref.body.id]))[0].status).toBe('pending');

    // Withdrawn: the receiver loses sight of the case and its response task is cancelled.
    const withdrawn = await post(city.tokens.desk, `/referrals/${ref.body.id}/withdraw`, { reason: '本人の意向で取り下げ' });
    expect(withdrawn.body.status).toBe('withdrawn');
    expect((await get(city.tokens.houkatsu, `/cases/${caseId}`)).status).toBe(404);
    const task = await t.sql(`SELECT status FROM tasks WHERE source_id = $1 AND kind = 'referral_response'`, [ref.body.id]);
    expect(task[0].status).toBe('cancelled');
    expect((await post(city.tokens.desk, `/referrals/${ref.body.id}/withdraw`, { reason: 'x' })).status).toBe(409);
  });

  it('alerts supervisors of an emergency provision and honours an earlier respondBy', async () => {
    const { caseId } = await open8050();
    const respondBy = new Date(Date.now() + 2 * 3600e3).toISOString();
    const res = await post(city.tokens.desk, `/cases/${caseId}/referrals`, { toAgencyId: city.agencies.houkatsu, kind: 'collaboration', reason: '命に関わる', basis: 'emergency', basisNote: '食事がとれていない', respondBy });
    expect(res.status).toBe(201);
    expect(res.body.respondBy).toBe(respondBy);
    const inbox = await get(city.tokens.supervisor, '/notifications?unread=true');
    const alert = inbox.body.items.find((n: { kind: string; entityId: string }) => n.kind === 'referral.emergency' && n.entityId === res.body.id);
    expect(alert).toBeDefined();
    expect((await post(city.tokens.supervisor, `/notifications/${alert.id}/read`)).status).toBe(204);
    const read = await get(city.tokens.supervisor, '/notifications?unread=true');
    expect(read.body.items.map((n: { id: string }) => n.id)).not.toContain(alert.id);
  });

  it('keeps worklists of incoming and outgoing referrals per agency', async () => {
    const incoming = await get(city.tokens.houkatsu, '/referrals?direction=incoming&limit=2');
    expect(incoming.status).toBe(200);
    expect(incoming.body.items.length).toBe(2);
    expect(incoming.body.items.every((r: { toAgencyId: string }) => r.toAgencyId === city.agencies.houkatsu)).toBe(true);
    const next = await get(city.tokens.houkatsu, `/referrals?direction=incoming&limit=2&cursor=${incoming.body.nextCursor}`);
    expect(next.body.items.map((r: { id: string }) => r.id)).not.toContain(incoming.body.items[0].id);
    const pending = await get(city.tokens.houkatsu, '/referrals?direction=incoming&status=pending');
    expect(pending.body.items.every((r: { status: string }) => r.status === 'pending')).toBe(true);
    const outgoing = await get(city.tokens.desk, '/referrals?direction=outgoing&status=declined');
    expect(outgoing.body.items.length).toBeGreaterThanOrEqual(1);
    expect(outgoing.body.items.every((r: { fromAgencyId: string; status: string }) => r.fromAgencyId === city.agencies.desk && r.status === 'declined')).toBe(true);
    expect((await get(other.tokens.houkatsu, '/referrals?direction=incoming')).body.items).toEqual([]);
  });

  it('records conferences: consent rules by type and action items as tasks', async () => {
    const anonymous = await post(city.tokens.desk, '/cases', { channel: 'phone', summary: '同意未確認' });
    const heldAt = new Date(Date.now() - 3600e3).toISOString();
    const refused = await post(city.tokens.desk, `/cases/${anonymous.body.id}/conferences`, { type: 'multi_agency_meeting', heldAt, participantAgencyIds: [city.agencies.desk], summary: 'x' });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('CONSENT_REQUIRED');
    expect((await post(city.tokens.desk, `/cases/${anonymous.body.id}/conferences`, { type: 'support_meeting', heldAt, participantAgencyIds: [city.agencies.desk], summary: 'x' })).status).toBe(201);

    const { caseId } = await open8050();
    const dueAt = new Date(Date.now() + 7 * 86400e3).toISOString();
    const conf = await post(city.tokens.desk, `/cases/${caseId}/conferences`, {
      type: 'multi_agency_meeting',
      heldAt,
      participantAgencyIds: [city.agencies.desk, city.agencies.houkatsu, city.agencies.csw],
      summary: '支援方針を確認',
      decisions: '母は包括、長男はCSWが担当',
      actionItems: [{ title: '長男への訪問', assigneeAgencyId: city.agencies.csw, dueAt }],
    });
    expect(conf.status).toBe(201);
    expect(conf.body.taskIds).toHaveLength(1);
    const cswTasks = await get(city.tokens.csw, '/tasks?scope=agency');
    expect(cswTasks.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: conf.body.taskIds[0], kind: 'custom', title: '長男への訪問', dueAt, caseId })]));
    expect((await post(city.tokens.desk, `/cases/${caseId}/conferences`, { type: 'support_meeting', heldAt, participantAgencyIds: [other.agencies.desk], summary: 'x' })).status).toBe(422);
    expect((await post(city.tokens.desk, `/cases/${caseId}/conferences`, { type: 'tea_party', heldAt, participantAgencyIds: [city.agencies.desk], summary: 'x' })).status).toBe(400);
    const list = await get(city.tokens.desk, `/cases/${caseId}/conferences`);
    expect(list.body.map((c: { type: string }) => c.type)).toEqual(['multi_agency_meeting']);

    // The CSW completes its task; completing it twice is a conflict.
    expect((await post(city.tokens.csw, `/tasks/${conf.body.taskIds[0]}/complete`, { note: '訪問した' })).status).toBe(200);
    expect((await post(city.tokens.csw, `/tasks/${conf.body.taskIds[0]}/complete`, {})).status).toBe(409);
    expect((await post(city.tokens.houkatsu, `/tasks/${conf.body.taskIds[0]}/cancel`, { reason: 'x' })).status).toBe(404);
  });

  it('adds custom tasks with future due times only', async () => {
    const { caseId } = await open8050();
    expect((await post(city.tokens.desk, `/cases/${caseId}/tasks`, { kind: 'monitoring', title: '様子確認', dueAt: '2020-01-01T00:00:00Z' })).status).toBe(422);
    expect((await post(city.tokens.desk, `/cases/${caseId}/tasks`, { kind: 'monitoring', title: '様子確認', dueAt: new Date(Date.now() + 86400e3).toISOString(), assigneeAgencyId: other.agencies.desk })).status).toBe(422);
    expect((await post(city.tokens.desk, `/cases/${caseId}/tasks`, { kind: 'escalation', title: 'x', dueAt: new Date(Date.now() + 86400e3).toISOString() })).status).toBe(400);
    const ok = await post(city.tokens.desk, `/cases/${caseId}/tasks`, { kind: 'monitoring', title: '様子確認', dueAt: new Date(Date.now() + 86400e3).toISOString(), assigneeUserId: city.users.desk });
    expect(ok.status).toBe(201);
    const mine = await get(city.tokens.desk, '/tasks?scope=mine');
    expect(mine.body.items.map((x: { id: string }) => x.id)).toContain(ok.body.id);
    expect((await get(city.tokens.desk2, '/tasks?scope=mine')).body.items.map((x: { id: string }) => x.id)).not.toContain(ok.body.id);
    expect((await get(city.tokens.desk2, '/tasks?scope=agency')).body.items.map((x: { id: string }) => x.id)).toContain(ok.body.id);
    expect((await post(city.tokens.desk2, `/tasks/${ok.body.id}/cancel`, {})).status).toBe(400);
    expect((await post(city.tokens.desk2, `/tasks/${ok.body.id}/cancel`, { reason: '不要になった' })).body.status).toBe('cancelled');
    expect((await post(city.tokens.desk, `/tasks/${ok.body.id}/complete`, {})).status).toBe(409);
  });

  it('computes deadlines on the business calendar', async () => {
    const res = await get(city.tokens.desk, '/calendar/add-business-days?from=2026-12-25&days=3');
    expect(res.body).toEqual({ date: '2027-01-05' });
    expect((await get(city.tokens.desk, '/calendar/add-business-days?from=2026-09-18&days=1')).body).toEqual({ date: '2026-09-24' });
    expect((await get(city.tokens.desk, '/calendar/add-business-days?from=2026-02-30&days=1')).status).toBe(400);
  });
});
