import { bearer, login, PASSWORD, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';

describe('people and privacy: restricted cases, staff who move, residents who come back', () => {
  let t: TestApp;
  let city: City;

  beforeAll(async () => {
    t = await startTestApp();
    city = await buildCity(t);
  });
  afterAll(async () => t?.close());

  const get = (token: string, path: string) => t.http().get(`${api}${path}`).set(bearer(token));
  const post = (token: string, path: string, body: object = {}) => t.http().post(`${api}${path}`).set(bearer(token)).send(body);

  it('keeps a DV case from other agencies: not by name, not in lists, not by locate — and marks its reads for auditors', async () => {
    const dv = await post(city.tokens.desk, '/cases', {
      channel: 'walk_in', summary: '配偶者からの暴力', concerns: ['domestic_violence'],
      household: { address: '避難先の住所', members: [{ name: '秘匿 花子', nameKana: 'ヒトク ハナコ', birthDate: '1990-01-01', consent: { status: 'obtained' } }] },
    });
    expect(dv.body.restricted).toBe(true);
    const other = city.tokens.houkatsuSuper;
    expect((await get(other, `/cases/${dv.body.id}`)).status).toBe(404);
    expect((await post(other, '/cases/search', { q: '秘匿' })).body.items).toEqual([]);
    expect((await get(other, '/cases?limit=200')).body.items.map((c: { id: string }) => c.id)).not.toContain(dv.body.id);
    expect((await post(other, '/cases/locate', { name: '秘匿 花子', birthDate: '1990-01-01' })).body).toEqual({ found: false, cases: [] });
    expect((await post(city.tokens.supervisor, '/cases/locate', { name: '秘匿 花子', birthDate: '1990-01-01' })).body).toEqual({ found: false, cases: [] });
    // The lead agency's own supervisor sees it; an involved agency sees it with the address masked.
    expect((await get(city.tokens.supervisor, `/cases/${dv.body.id}`)).status).toBe(200);
    const ref = await post(city.tokens.desk, `/cases/${dv.body.id}/referrals`, { toAgencyId: city.agencies.csw, kind: 'collaboration', reason: '見守り', basis: 'consent' });
    expect(ref.status).toBe(201);
    const seen = await get(city.tokens.csw, `/cases/${dv.body.id}`);
    expect(seen.body.household).toEqual(expect.objectContaining({ address: null, addressMasked: true }));
    expect((await get(city.tokens.desk, `/cases/${dv.body.id}`)).body.household.address).toBe('避難先の住所');
    const marked = await get(city.tokens.auditor, `/audit?restricted=true&caseId=${dv.body.id}&action=case.viewed`);
    expect(marked.body.items.length).toBeGreaterThanOrEqual(3);
    expect(marked.body.items.every((e: { restricted: boolean }) => e.restricted)).toBe(true);
    // The trail does not name it to another agency's supervisor either: not by case, not among
    // restricted events, not in the case ids of list events; the lead agency's supervisor sees its reads.
    expect((await get(other, `/audit?caseId=${dv.body.id}`)).body.items).toEqual([]);
    const otherRestricted = await get(other, '/audit?restricted=true&limit=200');
    expect(otherRestricted.status).toBe(200);
    expect(otherRestricted.body.items.filter((e: { caseId: string | null }) => e.caseId === dv.body.id)).toEqual([]);
    const otherAll = await get(other, '/audit?limit=200');
    expect(JSON.stringify(otherAll.body.items)).not.toContain(dv.body.id);
    const leadSupervisor = await get(city.tokens.supervisor, `/audit?caseId=${dv.body.id}&action=case.viewed`);
    expect(leadSupervisor.body.items.length).toBeGreaterThanOrEqual(3);
    // Only the lead agency or a supervisor who sees it may lift the restriction.
    expect((await t.http().patch(`${api}/cases/${dv.body.id}`).set(bearer(city.tokens.csw)).set('If-Match', '"1"').send({ restricted: false })).status).toBe(403);
    expect((await t.http().patch(`${api}/cases/${dv.body.id}`).set(bearer(other)).set('If-Match', '"1"').send({ restricted: false })).status).toBe(404);
  });

  it('tells the desk which agency leads an open case for a returning resident, and nothing more', async () => {
    const opened = await post(city.tokens.desk, '/cases', { channel: 'walk_in', summary: '再来所テスト', household: { members: [{ name: '髙橋 一郎', nameKana: 'タカハシ イチロウ', birthDate: '1950-04-22' }] } });
    const byName = await post(city.tokens.desk2, '/cases/locate', { name: '高橋　一郎', birthDate: '1950-04-22' });
    expect(byName.status).toBe(200);
    expect(byName.body).toEqual({ found: true, cases: [{ leadAgency: { id: city.agencies.desk, name: '福祉の相談窓口' }, openedOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), status: 'intake' }] });
    expect(JSON.stringify(byName.body)).not.toContain(opened.body.id);
    expect((await post(city.tokens.desk2, '/cases/locate', { nameKana: 'たかはし いちろう', birthDate: '1950-04-22' })).body.found).toBe(true);
    expect((await post(city.tokens.desk2, '/cases/locate', { name: '高橋', birthDate: '1950-04-22' })).body.found).toBe(false);
    expect((await post(city.tokens.desk2, '/cases/locate', { name: '高橋 一郎', birthDate: '1950-04-23' })).body.found).toBe(false);
    expect((await post(city.tokens.desk2, '/cases/locate', { name: '高橋 一郎' })).status).toBe(400);
    expect((await post(city.tokens.desk2, '/cases/locate', { birthDate: '1950-04-22' })).status).toBe(400);
    expect((await post(city.tokens.csw, '/cases/locate', { name: '高橋 一郎', birthDate: '1950-04-22' })).status).toBe(403);
    const audit = await t.sql(`SELECT actor_id FROM audit_events WHERE action = 'case.located' AND municipality_id = $1`, [city.municipalityId]);
    expect(audit.map((a) => a.actor_id)).toContain(city.users.desk2);
    await post(city.tokens.desk, `/cases/${opened.body.id}/transitions`, { to: 'closed', closureReason: 'resolved' }).expect(200);
    expect((await post(city.tokens.desk2, '/cases/locate', { name: '高橋 一郎', birthDate: '1950-04-22' })).body.found).toBe(false);
  });

  it('moves a user between agencies: the old view ends on the very next request, open tasks return to the queue', async () => {
    const created = await post(city.tokens.admin, '/users', { username: 'transfer', displayName: '異動 する人', agencyId: city.agencies.desk, roles: ['desk_staff'], password: PASSWORD });
    const token = await login(t, city.code, 'transfer');
    const kase = await post(token, '/cases', { channel: 'phone', summary: '異動前のケース' });
    const task = await post(token, `/cases/${kase.body.id}/tasks`, { kind: 'monitoring', title: '様子確認', dueAt: new Date(Date.now() + 86400e3).toISOString(), assigneeUserId: created.body.id });
    expect((await get(token, `/cases/${kase.body.id}`)).status).toBe(200);
    const moved = await t.http().patch(`${api}/users/${created.body.id}`).set(bearer(city.tokens.admin)).send({ agencyId: city.agencies.houkatsu });
    expect(moved.status).toBe(200);
    // Same token, very next request: the desk's case is gone from view.
    expect((await get(token, `/cases/${kase.body.id}`)).status).toBe(404);
    expect((await get(token, '/me')).body.agency.id).toBe(city.agencies.houkatsu);
    const [row] = await t.sql(`SELECT assignee_user_id, assignee_agency_id, status FROM tasks WHERE id = $1`, [task.body.id]);
    expect(row).toEqual({ assignee_user_id: null, assignee_agency_id: city.agencies.desk, status: 'open' });
    expect((await get(city.tokens.desk2, '/tasks?scope=agency')).body.items.map((x: { id: string }) => x.id)).toContain(task.body.id);
    expect((await get(city.tokens.desk, `/cases/${kase.body.id}`)).body.leadWorkerId).toBeNull();
  });

  it('lets users change their own password with the current one and administrators reset it', async () => {
    const created = await post(city.tokens.admin, '/users', { username: 'pw-user', displayName: 'パスワード', agencyId: city.agencies.desk, roles: ['desk_staff'], password: PASSWORD });
    const token = await login(t, city.code, 'pw-user');
    expect((await post(token, `/users/${created.body.id}/password`, { newPassword: 'brand-new-password', currentPassword: 'wrong-one-xx' })).status).toBe(403);
    expect((await post(token, `/users/${city.users.desk}/password`, { newPassword: 'brand-new-password' })).status).toBe(403);
    expect((await post(token, `/users/${created.body.id}/password`, { newPassword: 'brand-new-password', currentPassword: PASSWORD })).status).toBe(204);
    expect((await get(token, '/me')).status).toBe(401); // sessions end with the old password
    await login(t, city.code, 'pw-user', 'brand-new-password');
    expect((await post(city.tokens.admin, `/users/${created.body.id}/password`, { newPassword: 'reset-by-admin-1' })).status).toBe(204);
    await login(t, city.code, 'pw-user', 'reset-by-admin-1');
  });

  it('refuses to disable or demote the last administrator', async () => {
    const me = await get(city.tokens.admin, '/me');
    const res = await t.http().patch(`${api}/users/${me.body.id}`).set(bearer(city.tokens.admin)).send({ disabled: true });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('LAST_ADMINISTRATOR');
    expect((await t.http().patch(`${api}/users/${me.body.id}`).set(bearer(city.tokens.admin)).send({ roles: ['auditor'] })).status).toBe(422);
    expect((await get(city.tokens.admin, '/me')).status).toBe(200);
  });
});
