import { bearer, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';

const household8050 = {
  address: 'みどり市北町1-2-3',
  members: [
    { name: '山田 花子', nameKana: 'ヤマダ ハナコ', birthDate: '1944-05-10', sex: 'female', relationship: '本人', isPrimary: true, consent: { status: 'obtained' } },
    { name: '山田 太郎', nameKana: 'ヤマダ タロウ', birthDate: '1974-08-01', sex: 'male', relationship: '長男' },
  ],
};

describe('cases: intake that never refuses, lifecycle, notes, timeline, search', () => {
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
  const open = (token: string, body: object, headers: Record<string, string> = {}) => t.http().post(`${api}/cases`).set(as(token)).set(headers).send(body);
  const countCases = async () => (await t.sql(`SELECT count(*)::int AS n FROM cases WHERE municipality_id = $1`, [city.municipalityId]))[0].n as number;

  describe('intake', () => {
    it('opens an anonymous case with only a channel and a summary; the opener leads', async () => {
      const res = await open(city.tokens.desk, { channel: 'phone', summary: '名乗らない方から、近所の高齢者が心配との電話' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual(expect.objectContaining({ status: 'intake', leadAgencyId: city.agencies.desk, leadWorkerId: city.users.desk, version: 1, restricted: false, concerns: [] }));
      expect(res.body.caseNumber).toMatch(/^\d{4}-\d{6}$/);
      expect(res.body.household.members).toEqual([]);
      expect(res.body.consent).toEqual({ status: 'not_asked', obtainedAt: null });
      expect(res.headers.etag).toBe('"1"');
    });

    it('takes a whole household with concerns, visitor, consent and numbers cases per fiscal year', async () => {
      const res = await open(city.tokens.desk, {
        channel: 'walk_in',
        summary: '80代の母と50代でひきこもりの長男。母の介護と長男の今後が心配。',
        receivedAt: '2026-06-01T10:00:00+09:00',
        concerns: ['long_term_care', 'hikikomori'],
        primaryConcern: 'eighty_fifty',
        urgency: 'high',
        visitor: { name: '山田 良子', relationship: '長女', phone: '090-0000-0000' },
        household: household8050,
      });
      expect(res.status).toBe(201);
      expect(res.body.caseNumber).toMatch(/^2026-\d{6}$/);
      expect(res.body.fiscalYear).toBe(2026);
      expect(res.body.concerns).toEqual(['eighty_fifty', 'long_term_care', 'hikikomori']);
      expect(res.body.primaryConcern).toBe('eighty_fifty');
      expect(res.body.consent.status).toBe('obtained');
      expect(res.body.household.members).toHaveLength(2);
      expect(res.body.household.members[0]).toEqual(expect.objectContaining({ isPrimary: true, consent: expect.objectContaining({ status: 'obtained' }) }));
      expect(res.body.household.members[1]).toEqual(expect.objectContaining({ isPrimary: false, consent: { status: 'not_asked', obtainedAt: null } }));
      const old = await open(city.tokens.desk, { channel: 'walk_in', summary: '紙の記録からの移行', receivedAt: '2020-03-31T15:00:00+09:00' });
      expect(old.status).toBe(201);
      expect(old.body.caseNumber).toMatch(/^2019-000001$/);
    });

    it('lands a volunteer report at the intake desk and answers only id and number', async () => {
      const res = await open(city.tokens.volunteer, { channel: 'volunteer_report', summary: '一人暮らしの高齢男性の新聞がたまっている' });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(['caseNumber', 'id']);
      const read = await t.http().get(`${api}/cases/${res.body.id}`).set(as(city.tokens.desk));
      expect(read.body).toEqual(expect.objectContaining({ leadAgencyId: city.agencies.desk, leadWorkerId: null, channel: 'volunteer_report' }));
      expect((await t.http().get(`${api}/cases/${res.body.id}`).set(as(city.tokens.volunteer))).status).toBe(403);
    });

    it('gives concurrent intakes distinct case numbers', async () => {
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => open(city.tokens.desk, { channel: 'phone', summary: `同時受付 ${i}` })));
      expect(results.every((r) => r.status === 201)).toBe(true);
      const numbers = results.map((r) => r.body.caseNumber);
      expect(new Set(numbers).size).toBe(numbers.length);
    });

    it('refuses bad input precisely and writes nothing', async () => {
      const before = await countCases();
      const cases: Array<[object, number, string]> = [
        [{ summary: 'channel missing' }, 400, 'channel'],
        [{ channel: 'pigeon', summary: 'x' }, 400, 'channel'],
        [{ channel: 'phone', summary: 'x', concerns: ['laziness'] }, 400, 'concerns'],
        [{ channel: 'phone', summary: 'x'.repeat(4001) }, 400, 'summary'],
        [{ channel: 'phone', summary: '' }, 400, 'summary'],
        [{ channel: 'phone', summary: 'x', receivedAt: '2999-01-01T00:00:00Z' }, 400, 'receivedAt'],
        [{ channel: 'phone', summary: 'x', household: { members: [{ name: 'a', birthDate: '2999-01-01' }] } }, 400, 'household.members[0].birthDate'],
        [{ channel: 'phone', summary: 'x', household: { members: [{ name: 'a', birthDate: '1990-02-30' }] } }, 400, 'household.members[0].birthDate'],
        [{ channel: 'phone', summary: 'x', household: { members: [{ name: 'a', isPrimary: true }, { name: 'b', isPrimary: true }] } }, 422, 'household.members'],
        [{ channel: 'phone', summary: 'x', household: { members: [{ name: 'a', eligibility: 'yes' }] } }, 400, 'household.members[0].eligibility'],
      ];
      for (const [body, status, field] of cases) {
        const res = await open(city.tokens.desk, body);
        expect({ status: res.status, body }).toEqual({ status, body });
        expect(res.headers['content-type']).toMatch(/problem\+json/);
        expect(res.body.errors?.map((e: { field: string }) => e.field) ?? []).toContain(field);
      }
      expect(await countCases()).toBe(before);
    });

    it('makes a DV case restricted by default and masks its address from all but the lead', async () => {
      const res = await open(city.tokens.desk, { channel: 'walk_in', summary: '配偶者からの暴力', concerns: ['domestic_violence'], household: { address: '秘匿住所', members: [{ name: '佐藤 美咲' }] } });
      expect(res.status).toBe(201);
      expect(res.body.restricted).toBe(true);
      expect(res.body.household.address).toBe('秘匿住所');
      // The desk's own supervisor is staff of the lead agency … but a supervisor of another agency does not see it at all.
      expect((await t.http().get(`${api}/cases/${res.body.id}`).set(as(city.tokens.houkatsuSuper))).status).toBe(404);
      const search = await t.http().post(`${api}/cases/search`).set(as(city.tokens.houkatsuSuper)).send({ q: '佐藤' });
      expect(search.body.items).toEqual([]);
    });
  });

  describe('need to know', () => {
    let caseId: string;
    beforeAll(async () => {
      caseId = (await open(city.tokens.desk, { channel: 'walk_in', summary: '家計の相談', concerns: ['debt'], household: { members: [{ name: '鈴木 一郎' }] } })).body.id;
    });

    it('shows the case to the lead agency and to supervisors, and records case.viewed', async () => {
      const read = await t.http().get(`${api}/cases/${caseId}`).set(as(city.tokens.desk2));
      expect(read.status).toBe(200);
      expect(read.headers.etag).toBe('"1"');
      expect((await t.http().get(`${api}/cases/${caseId}`).set(as(city.tokens.houkatsuSuper))).status).toBe(200);
      const audit = await t.sql(`SELECT actor_id FROM audit_events WHERE municipality_id = $1 AND action = 'case.viewed' AND case_id = $2`, [city.municipalityId, caseId]);
      expect(audit.map((r) => r.actor_id)).toEqual(expect.arrayContaining([city.users.desk2, city.users['houkatsu-super']]));
    });

    it('answers 404 to other agencies and other municipalities, 403 to roles that never read cases', async () => {
      expect((await t.http().get(`${api}/cases/${caseId}`).set(as(city.tokens.houkatsu))).status).toBe(404);
      expect((await t.http().get(`${api}/cases/${caseId}`).set(as(other.tokens.supervisor))).status).toBe(404);
      expect((await t.http().get(`${api}/cases/${caseId}`).set(as(other.tokens.desk))).status).toBe(404);
      for (const token of [city.tokens.admin, city.tokens.auditor, city.tokens.volunteer]) {
        expect((await t.http().get(`${api}/cases/${caseId}`).set(as(token))).status).toBe(403);
        expect((await t.http().get(`${api}/cases/00000000-0000-7000-8000-000000000000`).set(as(token))).status).toBe(403);
      }
      expect((await open(city.tokens.admin, { channel: 'phone', summary: 'x' })).status).toBe(403);
      const list = await t.http().get(`${api}/cases?limit=200`).set(as(city.tokens.houkatsu));
      expect(list.body.items.map((c: { id: string }) => c.id)).not.toContain(caseId);
    });

    it('lets only the lead agency update, and a supervisor too', async () => {
      expect((await t.http().patch(`${api}/cases/${caseId}`).set(as(city.tokens.houkatsu)).set('If-Match', '"1"').send({ urgency: 'high' })).status).toBe(404);
      const bySuper = await t.http().patch(`${api}/cases/${caseId}`).set(as(city.tokens.houkatsuSuper)).set('If-Match', '"1"').send({ urgency: 'high' });
      expect(bySuper.status).toBe(200);
      expect(bySuper.body.version).toBe(2);
    });
  });

  describe('update with If-Match', () => {
    it('needs If-Match (428), refuses a stale one (412) and bumps the version', async () => {
      const created = await open(city.tokens.desk, { channel: 'phone', summary: '最初の要約', household: household8050 });
      const id = created.body.id;
      expect((await t.http().patch(`${api}/cases/${id}`).set(as(city.tokens.desk)).send({ summary: 'x' })).status).toBe(428);
      const ok = await t.http().patch(`${api}/cases/${id}`).set(as(city.tokens.desk)).set('If-Match', created.headers.etag).send({ summary: '更新した要約', concerns: ['abuse'] });
      expect(ok.status).toBe(200);
      expect(ok.headers.etag).toBe('"2"');
      expect(ok.body).toEqual(expect.objectContaining({ summary: '更新した要約', restricted: true, version: 2 }));
      const stale = await t.http().patch(`${api}/cases/${id}`).set(as(city.tokens.desk)).set('If-Match', '"1"').send({ summary: '古い版から' });
      expect(stale.status).toBe(412);
      expect((await t.http().get(`${api}/cases/${id}`).set(as(city.tokens.desk))).body.summary).toBe('更新した要約');
    });

    it('replaces the household: update by id, add without id, remove the rest', async () => {
      const created = await open(city.tokens.desk, { channel: 'phone', summary: '世帯の更新', household: household8050 });
      const [mother, son] = created.body.household.members;
      const res = await t.http().patch(`${api}/cases/${created.body.id}`).set(as(city.tokens.desk)).set('If-Match', '"1"').send({
        household: { members: [{ id: mother.id, name: '山田 花子', isPrimary: true, consent: { status: 'refused' } }, { name: '山田 次郎', relationship: '次男' }] },
      });
      expect(res.status).toBe(200);
      const ids = res.body.household.members.map((m: { id: string }) => m.id);
      expect(ids[0]).toBe(mother.id);
      expect(ids).not.toContain(son.id);
      expect(res.body.household.members[1].name).toBe('山田 次郎');
      expect(res.body.consent.status).toBe('refused');
      const search = await t.http().post(`${api}/cases/search`).set(as(city.tokens.desk)).send({ q: '次郎' });
      expect(search.body.items.map((c: { id: string }) => c.id)).toContain(created.body.id);
      const bad = await t.http().patch(`${api}/cases/${created.body.id}`).set(as(city.tokens.desk)).set('If-Match', '"2"').send({ leadWorkerId: city.users.houkatsu });
      expect(bad.status).toBe(422);
    });
  });

  describe('lifecycle', () => {
    it('moves forward, refuses what is not allowed, closes only with a reason and reopens', async () => {
      const id = (await open(city.tokens.desk, { channel: 'phone', summary: 'ライフサイクル' })).body.id;
      const move = (body: object) => t.http().post(`${api}/cases/${id}/transitions`).set(as(city.tokens.desk)).send(body);
      expect((await move({ to: 'assessment' })).body.status).toBe('assessment');
      const back = await move({ to: 'intake' });
      expect(back.status).toBe(409);
      expect(back.body.allowed).toEqual(['support', 'monitoring', 'closed']);
      expect((await move({ to: 'support' })).body.status).toBe('support');
      expect((await move({ to: 'monitoring' })).body.status).toBe('monitoring');
      expect((await move({ to: 'support' })).body.status).toBe('support');
      const noReason = await move({ to: 'closed' });
      expect(noReason.status).toBe(422);
      const closed = await move({ to: 'closed', closureReason: 'information_only' });
      expect(closed.body).toEqual(expect.objectContaining({ status: 'closed', closureReason: 'information_only' }));
      expect(closed.body.closedAt).toEqual(expect.any(String));
      expect((await move({ to: 'support' })).status).toBe(409);
      const reopened = await move({ to: 'assessment' });
      expect(reopened.body).toEqual(expect.objectContaining({ status: 'assessment', closureReason: null, closedAt: null }));
      expect((await t.http().post(`${api}/cases/${id}/transitions`).set(as(city.tokens.houkatsuSuper)).send({ to: 'support' })).status).toBe(200);
    });
  });

  describe('notes and timeline', () => {
    it('records notes and shows every event in time order', async () => {
      const id = (await open(city.tokens.desk, { channel: 'walk_in', summary: '経過記録', household: household8050 })).body.id;
      const note = await t.http().post(`${api}/cases/${id}/notes`).set(as(city.tokens.desk)).send({ kind: 'interview', body: '母と面談。長男とは会えず。', occurredAt: '2026-06-02T10:00:00+09:00' });
      expect(note.status).toBe(201);
      expect((await t.http().post(`${api}/cases/${id}/notes`).set(as(city.tokens.desk)).send({ kind: 'telepathy', body: 'x' })).status).toBe(400);
      expect((await t.http().post(`${api}/cases/${id}/notes`).set(as(city.tokens.houkatsu)).send({ kind: 'phone', body: 'x' })).status).toBe(404);
      await t.http().post(`${api}/cases/${id}/transitions`).set(as(city.tokens.desk)).send({ to: 'assessment' }).expect(200);
      const notes = await t.http().get(`${api}/cases/${id}/notes`).set(as(city.tokens.desk));
      expect(notes.body.items).toEqual([expect.objectContaining({ kind: 'interview', body: '母と面談。長男とは会えず。', authorId: city.users.desk })]);
      const timeline = await t.http().get(`${api}/cases/${id}/timeline`).set(as(city.tokens.desk));
      expect(timeline.status).toBe(200);
      const types = timeline.body.items.map((e: { type: string }) => e.type);
      expect(types).toEqual(['note.added', 'case.opened', 'case.status_changed']);
      const times = timeline.body.items.map((e: { occurredAt: string }) => e.occurredAt);
      expect([...times].sort()).toEqual(times);
      const audit = await t.sql(`SELECT action FROM audit_events WHERE case_id = $1 ORDER BY occurred_at`, [id]);
      expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['case.opened', 'note.added', 'case.status_changed', 'note.listed', 'timeline.viewed']));
    });
  });

  describe('name search', () => {
    let yamada: string;
    let takahashi: string;
    beforeAll(async () => {
      yamada = (await open(city.tokens.desk, { channel: 'phone', summary: '検索1', household: { members: [{ name: '山田 太郎', nameKana: 'ヤマダ タロウ' }] } })).body.id;
      takahashi = (await open(city.tokens.desk, { channel: 'phone', summary: '検索2', household: { members: [{ name: '髙橋 一郎', nameKana: 'タカハシ イチロウ' }] } })).body.id;
    });

    const found = async (q: string, token = city.tokens.desk) => {
      const res = await t.http().post(`${api}/cases/search`).set(as(token)).send({ q, limit: 200 });
      expect(res.status).toBe(200);
      return res.body.items.map((c: { id: string }) => c.id) as string[];
    };

    it.each(['山田', 'ヤマダ', 'やまだ', 'ﾔﾏﾀﾞ', '山田太郎', 'やまだ　たろう', 'タロウ'])('finds 山田 太郎 by %s', async (q) => {
      expect(await found(q)).toContain(yamada);
    });

    it('folds variant kanji both ways and does not match across names', async () => {
      expect(await found('高橋')).toContain(takahashi);
      expect(await found('髙橋')).toContain(takahashi);
      expect(await found('山田')).not.toContain(takahashi);
      expect(await found('田髙')).not.toContain(takahashi);
    });

    it('answers GET /cases?q= alike and only with visible cases', async () => {
      const res = await t.http().get(`${api}/cases?q=${encodeURIComponent('やまだ')}`).set(as(city.tokens.desk));
      expect(res.body.items.map((c: { id: string }) => c.id)).toContain(yamada);
      expect(res.body.items[0]).toEqual(expect.objectContaining({ caseNumber: expect.any(String), primaryName: expect.any(String) }));
      expect(await found('山田', city.tokens.houkatsu)).toEqual([]);
      expect(await found('山田', other.tokens.supervisor)).toEqual([]);
    });

    it('pages through search results with the cursor, with filters applied before the page', async () => {
      for (let i = 0; i < 5; i++) await open(city.tokens.desk, { channel: 'phone', summary: `頁 ${i}`, concerns: i % 2 ? ['debt'] : ['housing'], household: { members: [{ name: `頁 太郎${i}` }] } });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await t.http().post(`${api}/cases/search`).set(as(city.tokens.desk)).send({ q: '頁', limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...res.body.items.map((c) => c.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
      const debts = await t.http().post(`${api}/cases/search`).set(as(city.tokens.desk)).send({ q: '頁', concern: 'debt', limit: 1 });
      expect(debts.body.items).toHaveLength(1);
      expect(debts.body.items[0].concerns).toEqual(['debt']);
      expect(debts.body.nextCursor).not.toBeNull();
    });

    it('paginates with a cursor', async () => {
      const first = await t.http().get(`${api}/cases?limit=3`).set(as(city.tokens.desk));
      const second = await t.http().get(`${api}/cases?limit=3&cursor=${first.body.nextCursor}`).set(as(city.tokens.desk));
      expect(first.body.items).toHaveLength(3);
      expect(second.body.items).toHaveLength(3);
      const ids = [...first.body.items, ...second.body.items].map((c: { id: string }) => c.id);
      expect(new Set(ids).size).toBe(6);
      expect((await t.http().get(`${api}/cases?cursor=garbage`).set(as(city.tokens.desk))).status).toBe(400);
    });
  });

  describe('Idempotency-Key', () => {
    const body = { channel: 'phone', summary: '再送される受付', household: { members: [{ name: '再送 太郎' }] } };

    it('returns the first response for a retry and creates nothing new', async () => {
      const first = await open(city.tokens.desk, body, { 'Idempotency-Key': 'retry-1' });
      const again = await open(city.tokens.desk, { household: body.household, summary: body.summary, channel: body.channel }, { 'Idempotency-Key': 'retry-1' });
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      const rows = await t.sql(`SELECT count(*)::int AS n FROM cases WHERE summary = '再送される受付'`);
      expect(rows[0].n).toBe(1);
    });

    it('refuses the same key with another body (422) and scopes keys to the user', async () => {
      expect((await open(city.tokens.desk, { ...body, summary: '別の内容' }, { 'Idempotency-Key': 'retry-1' })).status).toBe(422);
      const colleague = await open(city.tokens.desk2, body, { 'Idempotency-Key': 'retry-1' });
      expect(colleague.status).toBe(201);
      expect(colleague.body.caseNumber).not.toBeUndefined();
    });

    it('lets racing retries create exactly one case', async () => {
      const results = await Promise.all(Array.from({ length: 6 }, () => open(city.tokens.desk, { channel: 'phone', summary: '競合する再送' }, { 'Idempotency-Key': 'race-1' })));
      for (const r of results) expect([201, 409]).toContain(r.status);
      expect(results.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(1);
      const rows = await t.sql(`SELECT count(*)::int AS n FROM cases WHERE summary = '競合する再送'`);
      expect(rows[0].n).toBe(1);
    });
  });
});
