import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Test } from 'supertest';
import { main } from '../../apps/cli/src/main';
import { DEMO_CODE } from '../../apps/cli/src/seed/demo-seeder';
import { createWorkerApp } from '../../apps/worker/src/bootstrap';
import { ResourceVerificationSweeper } from '../../apps/worker/src/resources/resource-verification-sweeper';
import { addDaysToDate, addMonthsToDate, BusinessCalendar, fiscalYearOf, tokyoToday } from '@tsunagi/calendar';
import { buildSearchDocument, normalizeForSearch } from '@tsunagi/search-text';
import { VOCABULARIES } from '@tsunagi/vocabularies';
import { bearer, login, PASSWORD, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(check: () => Promise<T>, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value || Date.now() > deadline) return value;
    await sleep(100);
  }
}

/** Every code of a vocabulary with its Japanese label; the given codes counted, all others 0. */
function rows(vocabulary: string, counts: Record<string, number>) {
  const unknown = Object.keys(counts).filter((code) => !VOCABULARIES[vocabulary].some((e) => e.code === code));
  if (unknown.length) throw new Error(`not in ${vocabulary}: ${unknown.join(', ')}`);
  return VOCABULARIES[vocabulary].map((e) => ({ code: e.code, label: e.ja, count: counts[e.code] ?? 0 }));
}

/** The response with its body as raw bytes (for CSV: the BOM must be checked byte for byte). */
const bytes = (req: Test) =>
  req.buffer(true).parse((response, done) => {
    const chunks: Buffer[] = [];
    response.on('data', (c: Buffer) => chunks.push(c));
    response.on('end', () => done(null, Buffer.concat(chunks)));
  });

const DISTRICTS = [
  { code: 'kita', name: '北部圏域' },
  { code: 'chuo', name: '中部圏域' },
  { code: 'minami', name: '南部圏域' },
];

/** A city with districts and a lifestyle-support coordinator (their agency keeps resources). */
async function buildResourceCity(t: TestApp): Promise<Omit<City, 'tokens'> & { tokens: City['tokens'] & { coord: string; coord2: string }; coordAgency: string }> {
  const city = await buildCity(t);
  const admin = bearer(city.tokens.admin);
  const agency = await t.http().post(`${api}/agencies`).set(admin).send({ code: 'coord', name: '生活支援コーディネーター（第1層）', kind: 'lifestyle_support' });
  expect(agency.status).toBe(201);
  for (const username of ['coord', 'coord2']) {
    const user = await t.http().post(`${api}/users`).set(admin).send({ username, displayName: username, agencyId: agency.body.id, roles: ['coordinator'], password: PASSWORD });
    expect(user.status).toBe(201);
    city.users[username] = user.body.id;
  }
  await t.http().patch(`${api}/municipality/settings`).set(admin).send({ districts: DISTRICTS }).expect(200);
  return { ...city, coordAgency: agency.body.id, tokens: { ...city.tokens, coord: await login(t, city.code, 'coord'), coord2: await login(t, city.code, 'coord2') } };
}

describe('community resources, participation support and unmet needs', () => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildResourceCity>>;
  const today = tokyoToday();

  const get = (token: string, path: string) => t.http().get(`${api}${path}`).set(bearer(token));
  const post = (token: string, path: string, body: object = {}) => t.http().post(`${api}${path}`).set(bearer(token)).send(body);
  const patch = (token: string, path: string, body: object, ifMatch?: string) => {
    const req = t.http().patch(`${api}${path}`).set(bearer(token));
    return (ifMatch === undefined ? req : req.set('If-Match', ifMatch)).send(body);
  };
  const count = async (table: string, municipalityId = city.municipalityId) =>
    (await t.sql(`SELECT count(*)::int AS n FROM ${table} WHERE municipality_id = $1`, [municipalityId]))[0].n as number;
  const problem = (res: { status: number; headers: Record<string, string> }, status: number) => {
    expect([res.status, res.headers['content-type']]).toEqual([status, expect.stringMatching(/^application\/problem\+json/)]);
  };
  async function resource(token: string, body: object): Promise<{ id: string; version: number; [k: string]: unknown }> {
    const res = await post(token, '/resources', { kind: 'salon', ...body });
    if (res.status !== 201) throw new Error(`resource: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
  async function openCase(token: string, body: object = {}): Promise<{ id: string; caseNumber: string; household: { members: Array<{ id: string }> } }> {
    const res = await post(token, '/cases', {
      channel: 'walk_in',
      summary: '参加支援の相談',
      household: { district: 'kita', members: [{ name: '参加 花子', isPrimary: true, consent: { status: 'obtained' } }, { name: '参加 一郎', relationship: '長男' }] },
      ...body,
    });
    if (res.status !== 201) throw new Error(`case: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_CACHE_SECONDS: '0', WORKER_RESOURCE_SWEEP_INTERVAL_MS: '300' });
    city = await buildResourceCity(t);
  });
  afterAll(async () => t?.close());

  describe('the directory', () => {
    it('records a resource kept by the caller’s agency, reads it with an ETag and edits it with If-Match', async () => {
      const created = await post(city.tokens.csw, '/resources', {
        name: 'ふれあいサロン北町',
        nameKana: 'フレアイサロンキタマチ',
        kind: 'salon',
        district: 'kita',
        address: 'みどり市北町1-2-3 北町自治会館',
        description: '地域の高齢者が集うお茶会。体操と歌あり。',
        contact: '北町自治会 048-000-0000',
        schedule: '毎週火曜 10:00–12:00',
        targets: ['isolation', 'long_term_care'],
        ageGroups: ['elderly'],
        capacity: 20,
        internalNote: '会長は耳が遠いので訪問で連絡',
      });
      expect(created.status).toBe(201);
      expect(created.headers.etag).toBe('"1"');
      expect(created.body).toEqual(expect.objectContaining({ keeperAgencyId: city.agencies.csw, version: 1, accepting: true, public: false, verifiedOn: today, stale: false, capacity: 20 }));
      const id = created.body.id;

      for (const token of [city.tokens.desk, city.tokens.houkatsu, city.tokens.supervisor, city.tokens.admin, city.tokens.auditor]) {
        const read = await get(token, `/resources/${id}`);
        expect([read.status, read.headers.etag, read.body.name]).toEqual([200, '"1"', 'ふれあいサロン北町']);
      }
      problem(await get(city.tokens.volunteer, `/resources/${id}`), 403);
      problem(await t.http().get(`${api}/resources/${id}`), 401);
      problem(await get(city.tokens.desk, `/resources/${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}`), 404);

      // If-Match: missing 428, stale 412; only the keeper agency or a supervisor may edit.
      problem(await patch(city.tokens.csw, `/resources/${id}`, { accepting: false }), 428);
      problem(await patch(city.tokens.csw, `/resources/${id}`, { accepting: false }, '"7"'), 412);
      problem(await patch(city.tokens.desk, `/resources/${id}`, { accepting: false }, '"1"'), 403);
      problem(await patch(city.tokens.coord, `/resources/${id}`, { accepting: false }, '"1"'), 403);
      problem(await patch(city.tokens.admin, `/resources/${id}`, { accepting: false }, '"1"'), 403);
      expect((await t.sql(`SELECT version, accepting FROM resources WHERE id = $1`, [id]))[0]).toEqual({ version: 1, accepting: true });

      const edited = await patch(city.tokens.csw, `/resources/${id}`, { accepting: false, address: null, schedule: '毎週火曜・金曜 10:00–12:00' }, '"1"');
      expect(edited.status).toBe(200);
      expect(edited.headers.etag).toBe('"2"');
      expect(edited.body).toEqual(expect.objectContaining({ accepting: false, address: null, schedule: '毎週火曜・金曜 10:00–12:00', version: 2 }));
      const bySupervisor = await patch(city.tokens.houkatsuSuper, `/resources/${id}`, { accepting: true }, '"2"');
      expect([bySupervisor.status, bySupervisor.body.version]).toEqual([200, 3]);
      // Handing it to the coordinators: they keep it from then on.
      const handed = await patch(city.tokens.csw, `/resources/${id}`, { keeperAgencyId: city.coordAgency }, '"3"');
      expect(handed.body.keeperAgencyId).toBe(city.coordAgency);
      expect((await patch(city.tokens.coord, `/resources/${id}`, { capacity: 25 }, '"4"')).status).toBe(200);
      problem(await patch(city.tokens.csw, `/resources/${id}`, { capacity: 30 }, '"5"'), 403);

      const events = await t.sql(`SELECT action, changed_fields, case_id FROM audit_events WHERE entity_id = $1 ORDER BY occurred_at`, [id]);
      expect(events.map((e) => e.action)).toEqual(['resource.created', 'resource.updated', 'resource.updated', 'resource.updated', 'resource.updated']);
      expect(events[1].changed_fields.sort()).toEqual(['accepting', 'address', 'schedule']);
      expect(events.every((e) => e.case_id === null)).toBe(true);
    });

    it('lets coordinators, CSWs and supervisors record resources, and nobody else', async () => {
      expect((await post(city.tokens.coord, '/resources', { name: '認知症カフェ ひだまり', kind: 'dementia_cafe' })).status).toBe(201);
      expect((await post(city.tokens.supervisor, '/resources', { name: 'みどり体操教室', kind: 'exercise_class' })).body.keeperAgencyId).toBe(city.agencies.desk);
      for (const token of [city.tokens.desk, city.tokens.houkatsu, city.tokens.admin, city.tokens.auditor, city.tokens.volunteer]) {
        problem(await post(token, '/resources', { name: '作れない資源', kind: 'other' }), 403);
      }
      expect((await t.sql(`SELECT count(*)::int AS n FROM resources WHERE name = '作れない資源'`))[0].n).toBe(0);
    });

    it('refuses bad input with problem+json and writes nothing', async () => {
      const before = await count('resources');
      const cases: Array<[object, number, string]> = [
        [{ name: '種類が不明', kind: 'castle' }, 400, 'kind'],
        [{ name: '課題が不明', kind: 'salon', targets: ['isolation', 'boredom'] }, 400, 'targets'],
        [{ name: '年齢が不明', kind: 'salon', ageGroups: ['babies'] }, 400, 'ageGroups'],
        [{ name: '定員が負', kind: 'salon', capacity: -1 }, 400, 'capacity'],
        [{ name: '定員が小数', kind: 'salon', capacity: 2.5 }, 400, 'capacity'],
        [{ name: '未来の確認日', kind: 'salon', verifiedOn: addDaysToDate(today, 1) }, 400, 'verifiedOn'],
        [{ name: 'ありえない日付', kind: 'salon', verifiedOn: '2025-02-30' }, 400, 'verifiedOn'],
        [{ name: '圏域が不明', kind: 'salon', district: 'higashi' }, 400, 'district'],
        [{ name: '余計な項目', kind: 'salon', participants: 3 }, 400, 'participants'],
        [{ kind: 'salon' }, 400, 'name'],
        [{ name: '公開が文字列', kind: 'salon', public: 'yes' }, 400, 'public'],
        [{ name: 'NUL\u0000入り', kind: 'salon' }, 400, 'name'],
        [{ name: 'メモにNUL', kind: 'salon', internalNote: 'a\u0000b' }, 400, 'internalNote'],
      ];
      for (const [body, status, field] of cases) {
        const res = await post(city.tokens.coord, '/resources', body);
        problem(res, status);
        expect([field, res.body.errors.map((e: { field: string }) => e.field)]).toEqual([field, expect.arrayContaining([field])]);
      }
      expect(await count('resources')).toBe(before);

      const r = await resource(city.tokens.coord, { name: '修正テスト' });
      for (const body of [{ name: null }, { kind: 'castle' }, { capacity: -5 }, { accepting: null }, { targets: ['boredom'] }, { verifiedOn: today }, { district: 'higashi' }]) {
        problem(await patch(city.tokens.coord, `/resources/${r.id}`, body, '"1"'), 400);
      }
      problem(await patch(city.tokens.coord, `/resources/${r.id}`, { keeperAgencyId: '00000000-0000-7000-8000-000000000000' }, '"1"'), 422);
      expect((await t.sql(`SELECT version, name FROM resources WHERE id = $1`, [r.id]))[0]).toEqual({ version: 1, name: '修正テスト' });
    });
  });

  describe('search', () => {
    const ids: Record<string, string> = {};
    let other: City;

    beforeAll(async () => {
      ids.yamada = (await resource(city.tokens.coord, { name: '山田ふれあいサロン', nameKana: 'ヤマダフレアイサロン', kind: 'salon', district: 'kita', targets: ['isolation'], ageGroups: ['elderly'] })).id;
      ids.shokudo = (await resource(city.tokens.coord, { name: '子ども食堂 みどりの家', nameKana: 'コドモショクドウ ミドリノイエ', kind: 'children_cafeteria', district: 'chuo', targets: ['no_food', 'child_rearing'], ageGroups: ['children'] })).id;
      ids.takahashi = (await resource(city.tokens.coord, { name: '髙橋体操クラブ', nameKana: 'タカハシタイソウクラブ', kind: 'exercise_class', district: 'kita', targets: ['illness'] })).id;
      ids.tsubasa = (await resource(city.tokens.coord, { name: 'ひきこもり家族会 つばさ', kind: 'peer_group', district: 'minami', description: '40代以上の方のご家族が集まる会。毎月第2土曜。', targets: ['hikikomori', 'eighty_fifty'], accepting: false })).id;
      ids.yamaguchi = (await resource(city.tokens.coord, { name: '山口就労体験農園', nameKana: 'ヤマグチシュウロウタイケンノウエン', kind: 'work_experience', district: 'minami', targets: ['employment'] })).id;
      // Another municipality's resource with the same words: never found.
      other = await buildCity(t);
      await t.http().post(`${api}/resources`).set(bearer(other.tokens.csw)).send({ name: '山田ふれあいサロン（他市）', kind: 'salon' }).expect(201);
    });

    const search = async (query: string, token = city.tokens.desk) => {
      const res = await get(token, `/resources?limit=200&${query}`);
      expect([query, res.status]).toEqual([query, 200]);
      return res.body.items.map((r: { id: string }) => r.id) as string[];
    };

    it('finds names in kanji, katakana and hiragana, two characters and one, and variant kanji', async () => {
      for (const q of ['山田', 'ヤマダ', 'やまだ', 'ﾔﾏﾀﾞ', '田ふ', 'サロン', 'さろん']) {
        expect([q, await search(`q=${encodeURIComponent(q)}`)]).toEqual([q, expect.arrayContaining([ids.yamada])]);
      }
      expect(await search(`q=${encodeURIComponent('山')}`)).toEqual(expect.arrayContaining([ids.yamada, ids.yamaguchi]));
      expect(await search(`q=${encodeURIComponent('食堂')}`)).toEqual([ids.shokudo]);
      expect(await search(`q=${encodeURIComponent('しょくどう')}`)).toEqual([ids.shokudo]);
      expect(await search(`q=${encodeURIComponent('高橋')}`)).toEqual([ids.takahashi]);
      expect(await search(`q=${encodeURIComponent('家族')}`)).toEqual([ids.tsubasa]); // in the name and the description
      expect(await search(`q=${encodeURIComponent('第2土曜')}`)).toEqual([ids.tsubasa]); // the description only
      expect(await search(`q=${encodeURIComponent('山田サロン')}`)).toEqual([]); // not adjacent
      expect(await search(`q=${encodeURIComponent('%')}`)).toEqual([]);
      const all = await search(`q=${encodeURIComponent('サロン')}`);
      const foreign = await t.sql(`SELECT id FROM resources WHERE municipality_id = $1`, [other.municipalityId]);
      expect(all).not.toContain(foreign[0].id);
    });

    it('filters by kind, district, concern, accepting and public, and combines them with text', async () => {
      expect(await search('kind=salon&district=kita')).toEqual(expect.arrayContaining([ids.yamada]));
      expect(await search('kind=salon&district=kita')).not.toContain(ids.takahashi);
      expect(await search('district=kita&concern=illness')).toEqual([ids.takahashi]);
      expect(await search('concern=no_food')).toEqual([ids.shokudo]);
      expect(await search('concern=hikikomori&accepting=false')).toEqual([ids.tsubasa]);
      expect(await search('concern=hikikomori&accepting=true')).toEqual([]);
      expect(await search(`kind=work_experience&q=${encodeURIComponent('やまぐち')}`)).toEqual([ids.yamaguchi]);
      expect(await search(`kind=salon&q=${encodeURIComponent('やまぐち')}`)).toEqual([]);
      expect(await search('public=true')).not.toContain(ids.yamada);
    });

    it('lists in reading order, page by page, to every staff role but volunteers', async () => {
      const names: string[] = [];
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(city.tokens.houkatsu, `/resources?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((r: { id: string }) => r.id));
        names.push(...res.body.items.map((r: { nameKana: string | null; name: string }) => r.nameKana ?? r.name));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(Object.values(ids)));
      expect(seen.length).toBe(await count('resources'));
      // カタカナ readings sort as their hiragana: コドモ… before タカハシ… before ヤマグチ… before ヤマダ….
      const order = [ids.shokudo, ids.takahashi, ids.yamaguchi, ids.yamada].map((id) => seen.indexOf(id));
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      for (const token of [city.tokens.admin, city.tokens.auditor, city.tokens.csw]) expect((await get(token, '/resources')).status).toBe(200);
      problem(await get(city.tokens.volunteer, '/resources'), 403);
    });

    it('refuses unknown codes and bad values in the staff search', async () => {
      const cursor = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
      for (const query of [
        'kind=castle', 'concern=boredom', 'accepting=maybe', 'stale=1', 'limit=0', 'limit=201', 'cursor=%%%', 'extra=1', `q=${'あ'.repeat(101)}`, 'district=%00',
        `cursor=${cursor(['a', 'not-a-uuid'])}`, `cursor=${cursor([0, ids.yamada])}`, `q=x&cursor=${cursor(['a', ids.yamada])}`,
      ]) {
        problem(await get(city.tokens.desk, `/resources?${query}`), 400);
      }
    });

    it('searches text newest first, page by page, for a rare word and for one so common that the search walks', async () => {
      // A city of its own with 600 resources sharing a word (more than the search sorts itself).
      const c = await buildCity(t);
      const names = Array.from({ length: 600 }, (_, i) => `みんなの広場 第${i}号`);
      names[17] = 'みんなの広場 とくべつ会場';
      await t.sql(
        `INSERT INTO resources (municipality_id, id, name, kind, search_text, search_grams, sort_key, verified_on, keeper_agency_id, created_at)
         SELECT $1, id, name, 'salon', st, sg::text[], sk, CURRENT_DATE, $2, now() FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[]) AS x(id, name, st, sg, sk)`,
        [
          c.municipalityId,
          c.agencies.csw,
          names.map((_, i) => `0190${String(i).padStart(4, '0')}-0000-7000-8000-000000000000`),
          names,
          names.map((n) => buildSearchDocument([n]).text),
          names.map((n) => `{${buildSearchDocument([n]).grams.map((g) => JSON.stringify(g)).join(',')}}`),
          names.map((n) => normalizeForSearch(n)),
        ],
      );
      const pages = async (q: string) => {
        const seen: string[] = [];
        let next: string | null = null;
        do {
          const res = await get(c.tokens.desk, `/resources?limit=200&q=${encodeURIComponent(q)}${next ? `&cursor=${next}` : ''}`);
          expect(res.status).toBe(200);
          seen.push(...res.body.items.map((r: { id: string }) => r.id));
          next = res.body.nextCursor;
        } while (next);
        return seen;
      };
      const common = await pages('広場');
      expect(common).toHaveLength(600);
      expect(new Set(common).size).toBe(600);
      expect(common).toEqual([...common].sort().reverse()); // newest (largest UUIDv7) first
      expect(await pages('とくべつ')).toEqual([`0190${'17'.padStart(4, '0')}-0000-7000-8000-000000000000`]);
      expect(await pages('第12')).toHaveLength(11); // 第12, 第120 … 第129
      expect(await pages('広場 第599号')).toEqual([`0190${'599'.padStart(4, '0')}-0000-7000-8000-000000000000`]);
    });
  });

  describe('staleness', () => {
    let worker: NestFastifyApplication;
    let worker2: NestFastifyApplication;

    afterAll(async () => {
      await worker?.close();
      await worker2?.close();
    });

    const verificationTasks = (resourceId: string) =>
      t.sql(`SELECT id, assignee_agency_id, due_at, status, case_id, source_type FROM tasks WHERE kind = 'resource_verification' AND source_id = $1 ORDER BY created_at`, [resourceId]);

    it('lists a resource verified over 12 months ago as stale, and the worker gives its keeper one task, once', async () => {
      const imported = await resource(city.tokens.coord, { name: '古い名簿から移した配食サービス', kind: 'meal_delivery', verifiedOn: addMonthsToDate(today, -13) });
      const boundary = await resource(city.tokens.coord, { name: 'ちょうど1年前に確認した見守り隊', kind: 'watching_shopping_support', verifiedOn: addMonthsToDate(today, -12) });
      expect(imported.stale).toBe(true);
      expect(boundary.stale).toBe(false); // exactly 12 months is not "more than"
      const staleIds = (await get(city.tokens.desk, '/resources?stale=true&limit=200')).body.items.map((r: { id: string }) => r.id);
      expect(staleIds).toContain(imported.id);
      expect(staleIds).not.toContain(boundary.id);
      const freshIds = (await get(city.tokens.desk, '/resources?stale=false&limit=200')).body.items.map((r: { id: string }) => r.id);
      expect(freshIds).toContain(boundary.id);
      expect(freshIds).not.toContain(imported.id);

      // The worker's own loop (every 300 ms here) finds it.
      worker = await createWorkerApp(t.config, { logger: false });
      const tasks = await eventually(async () => ((await verificationTasks(imported.id)).length ? verificationTasks(imported.id) : null));
      expect(tasks).toHaveLength(1);
      const due = new BusinessCalendar().dueAtForDate(addMonthsToDate(today, 1));
      expect(tasks![0]).toEqual({ id: expect.any(String), assignee_agency_id: city.coordAgency, due_at: due, status: 'open', case_id: null, source_type: 'resource' });

      // Two workers sweeping at once, and again: still one.
      worker2 = await createWorkerApp(t.config, { logger: false });
      const sweepers = [worker.get(ResourceVerificationSweeper), worker2.get(ResourceVerificationSweeper)];
      await Promise.all([sweepers[0].sweep(), sweepers[1].sweep(), sweepers[0].sweep(), sweepers[1].sweep()]);
      await sleep(700);
      expect(await verificationTasks(imported.id)).toHaveLength(1);
      expect(await verificationTasks(boundary.id)).toHaveLength(0);

      // The keeper's staff see it in their agency's worklist.
      const worklist = await get(city.tokens.coord2, '/tasks?scope=agency&status=open&limit=200');
      expect(worklist.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'resource_verification', sourceType: 'resource', sourceId: imported.id, caseId: null })]));
    });

    it('with a clock two months on, the one verified 11 months ago becomes stale and gets its task', async () => {
      const r = await resource(city.tokens.coord, { name: '11か月前に確認した学習支援教室', kind: 'learning_support', verifiedOn: addMonthsToDate(today, -11) });
      expect(r.stale).toBe(false);
      const sweeper = worker.get(ResourceVerificationSweeper);
      await sweeper.sweep();
      expect(await verificationTasks(r.id)).toHaveLength(0);
      const later = new Date(Date.now() + 62 * 86400e3);
      const [a, b] = await Promise.all([sweeper.sweep(later), worker2.get(ResourceVerificationSweeper).sweep(later)]);
      expect(a.created + b.created).toBeGreaterThanOrEqual(1);
      const tasks = await verificationTasks(r.id);
      expect(tasks).toHaveLength(1);
      expect(tasks[0].due_at).toEqual(new BusinessCalendar().dueAtForDate(addMonthsToDate(tokyoToday(later), 1)));
    });

    it('verify resets the clock and completes the task (the keeper or a supervisor); nobody else', async () => {
      const r = await resource(city.tokens.coord, { name: '確認待ちのフードバンク', kind: 'food_bank', verifiedOn: addMonthsToDate(today, -20) });
      await worker.get(ResourceVerificationSweeper).sweep();
      const [task] = await verificationTasks(r.id);
      expect(task.status).toBe('open');

      for (const token of [city.tokens.desk, city.tokens.csw]) problem(await post(token, `/resources/${r.id}/verify`, {}), 403);
      problem(await post(city.tokens.admin, `/resources/${r.id}/verify`, {}), 403);
      problem(await post(city.tokens.coord, `/resources/${r.id}/verify`, { note: 'x', extra: 1 }), 400);
      expect((await verificationTasks(r.id))[0].status).toBe('open');

      const verified = await post(city.tokens.coord2, `/resources/${r.id}/verify`, { note: '代表者に電話で確認' });
      expect(verified.status).toBe(200);
      expect(verified.body).toEqual(expect.objectContaining({ verifiedOn: today, stale: false, version: 2 }));
      expect(verified.headers.etag).toBe('"2"');
      const [done] = await t.sql(`SELECT status, completion_note FROM tasks WHERE id = $1`, [task.id]);
      expect(done).toEqual({ status: 'done', completion_note: '代表者に電話で確認' });
      await worker.get(ResourceVerificationSweeper).sweep();
      expect(await verificationTasks(r.id)).toHaveLength(1); // fresh again: no new task
      expect((await get(city.tokens.desk, '/resources?stale=true&limit=200')).body.items.map((x: { id: string }) => x.id)).not.toContain(r.id);
      const [event] = await t.sql(`SELECT detail, changed_fields FROM audit_events WHERE action = 'resource.verified' AND entity_id = $1`, [r.id]);
      expect(event).toEqual({ detail: { previousVerifiedOn: addMonthsToDate(today, -20), tasksCompleted: 1 }, changed_fields: ['verifiedOn'] });

      // A supervisor may verify any resource.
      const other = await resource(city.tokens.coord, { name: 'スーパーバイザーが確認する資源', kind: 'other', verifiedOn: addMonthsToDate(today, -14) });
      expect((await post(city.tokens.houkatsuSuper, `/resources/${other.id}/verify`, {})).body.stale).toBe(false);
    });
  });

  describe('the public directory', () => {
    let publicId: string;
    let hiddenId: string;
    let caseRef: { id: string; caseNumber: string };
    const SECRET = '内部メモ: 代表者の携帯 090-9999-0000';
    const PERSON = '秘匿 参加者';

    beforeAll(async () => {
      publicId = (await resource(city.tokens.coord, { name: 'みんなの居場所 ひまわり', nameKana: 'ミンナノイバショ ヒマワリ', kind: 'place_to_belong', district: 'chuo', schedule: '毎週水曜 13:00–16:00', contact: 'ひまわりの会 048-111-2222', targets: ['isolation', 'hikikomori'], ageGroups: ['youth', 'adults'], capacity: 15, public: true, internalNote: SECRET })).id;
      hiddenId = (await resource(city.tokens.coord, { name: '非公開の家族会', kind: 'peer_group', district: 'chuo', internalNote: SECRET })).id;
      // A person takes part at the public resource: nothing of them may show.
      caseRef = await openCase(city.tokens.desk, { household: { district: 'chuo', members: [{ name: PERSON, nameKana: 'ヒトク サンカシャ', isPrimary: true }] } });
      expect((await post(city.tokens.desk, `/cases/${caseRef.id}/participations`, { resourceId: publicId, status: 'started', note: '本人の希望で参加' })).status).toBe(201);
    });

    const publicGet = (query: string) => t.http().get(`${api}/public/resources?${query}`);

    it('lists public resources with directory fields only, without a token', async () => {
      const res = await publicGet(`municipality=${city.code}`);
      expect(res.status).toBe(200);
      const ids = res.body.items.map((r: { id: string }) => r.id);
      expect(ids).toContain(publicId);
      expect(ids).not.toContain(hiddenId);
      const item = res.body.items.find((r: { id: string }) => r.id === publicId);
      expect(item).toEqual({
        id: publicId,
        name: 'みんなの居場所 ひまわり',
        nameKana: 'ミンナノイバショ ヒマワリ',
        kind: 'place_to_belong',
        district: 'chuo',
        address: null,
        description: null,
        contact: 'ひまわりの会 048-111-2222',
        schedule: '毎週水曜 13:00–16:00',
        targets: ['isolation', 'hikikomori'],
        ageGroups: ['youth', 'adults'],
        accepting: true,
        verifiedOn: today,
      });
      expect(Object.keys(res.body).sort()).toEqual(['items', 'nextCursor']);
      const text = JSON.stringify(res.body);
      for (const secret of [SECRET, '090-9999-0000', PERSON, 'ヒトク', caseRef.id, caseRef.caseNumber, '本人の希望', 'internalNote', 'capacity', 'participant', 'keeperAgencyId', city.agencies.desk]) {
        expect([secret, text.includes(secret)]).toEqual([secret, false]);
      }
      expect(res.headers['cache-control']).toBe('no-store'); // caching is off in this app (see the cache test)
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['x-ratelimit-limit']).toBe('120');
    });

    it('answers CSV for Excel with the same fields and nothing private', async () => {
      const res = await bytes(publicGet(`municipality=${city.code}&format=csv`));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="resources-${city.code}.csv"`);
      const body = res.body as Buffer;
      expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = body.subarray(3).toString('utf8');
      const lines = text.split('\r\n');
      expect(lines[0]).toBe('ID,名称,よみがな,種類,圏域,所在地,内容,連絡先,日時,対象となる課題,対象,受け入れ,最終確認日');
      expect(lines).toContain(`${publicId},みんなの居場所 ひまわり,ミンナノイバショ ヒマワリ,居場所,中部圏域,,,ひまわりの会 048-111-2222,毎週水曜 13:00–16:00,孤立・ひきこもり,若者・成人,受け入れ中,${today}`);
      for (const secret of [SECRET, PERSON, caseRef.caseNumber, caseRef.id, hiddenId, '非公開の家族会']) expect([secret, text.includes(secret)]).toEqual([secret, false]);
    });

    it('filters by kind and district and shows no other municipality’s resources', async () => {
      const other = await buildCity(t);
      const foreign = await t.http().post(`${api}/resources`).set(bearer(other.tokens.csw)).send({ name: '他市の公開サロン', kind: 'place_to_belong', public: true });
      expect(foreign.status).toBe(201);
      expect((await publicGet(`municipality=${city.code}&kind=place_to_belong&district=chuo`)).body.items.map((r: { id: string }) => r.id)).toEqual([publicId]);
      expect((await publicGet(`municipality=${city.code}&kind=salon`)).body.items.map((r: { id: string }) => r.id)).not.toContain(publicId);
      expect((await publicGet(`municipality=${city.code}&district=kita`)).body.items).toEqual([]);
      expect((await publicGet(`municipality=${city.code}`)).body.items.map((r: { id: string }) => r.id)).not.toContain(foreign.body.id);
      expect((await publicGet(`municipality=${other.code}`)).body.items.map((r: { id: string }) => r.id)).toEqual([foreign.body.id]);
    });

    it('ignores unknown parameters, answers 404 for an unknown municipality and 400 for bad known values — never 5xx', async () => {
      const plain = (await publicGet(`municipality=${city.code}`)).body;
      const tracked = await publicGet(`municipality=${city.code}&utm_source=cityweb&_=${Date.now()}&foo[bar]=1&secret=1&internalNote=1`);
      expect(tracked.status).toBe(200);
      expect(tracked.body).toEqual(plain);
      for (const query of ['municipality=no-such-city', 'municipality=NO%20SUCH', `municipality=${'x'.repeat(300)}`, 'municipality=%E3%81%82']) {
        const res = await publicGet(query);
        expect([query, res.status, res.headers['content-type']]).toEqual([query, 404, expect.stringMatching(/^application\/problem\+json/)]);
      }
      // A NUL in the query string is refused before any route runs (400), as on every route.
      expect([400, 404]).toContain((await publicGet('municipality=%00')).status);
      const badCursor = Buffer.from(JSON.stringify(['a', 'not-a-uuid'])).toString('base64url');
      for (const query of ['', 'kind=salon', `municipality=${city.code}&cursor=${badCursor}`, `municipality=${city.code}&district=%00`, `municipality=${city.code}&kind=castle`, `municipality=${city.code}&format=xlsx`, `municipality=${city.code}&municipality=${city.code}`, `municipality=${city.code}&limit=0`, `municipality=${city.code}&limit=abc`, `municipality=${city.code}&cursor=!!!`, `municipality=${city.code}&kind=salon&kind=cafe`]) {
        problem(await publicGet(query), 400);
      }
      // A bearer token changes nothing (and an invalid one is not checked).
      expect((await publicGet(`municipality=${city.code}`).set('Authorization', 'Bearer nonsense')).status).toBe(200);
    });

    it('pages with limit and cursor', async () => {
      for (let i = 0; i < 3; i++) await resource(city.tokens.coord, { name: `公開ページ送り ${i}`, kind: 'volunteer_group', public: true });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await publicGet(`municipality=${city.code}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((r: { id: string }) => r.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen.length).toBe((await t.sql(`SELECT count(*)::int AS n FROM resources WHERE municipality_id = $1 AND is_public`, [city.municipalityId]))[0].n);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('is documented without security', async () => {
      const doc = (await t.http().get('/api/docs-json')).body;
      const op = doc.paths['/api/v1/public/resources'].get;
      expect(op.security).toEqual([]);
      expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['cursor', 'district', 'format', 'kind', 'limit', 'municipality']);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '429']));
      expect(Object.keys(op.responses['200'].content)).toEqual(['application/json', 'text/csv']);
      expect(Object.keys(doc.components.schemas.PublicResourceDto.properties).sort()).toEqual(
        ['accepting', 'address', 'ageGroups', 'contact', 'description', 'district', 'id', 'kind', 'name', 'nameKana', 'schedule', 'targets', 'verifiedOn'],
      );
    });
  });

  describe('participation support', () => {
    let caseRef: Awaited<ReturnType<typeof openCase>>;
    let salon: string;
    const calendar = new BusinessCalendar();

    beforeAll(async () => {
      caseRef = await openCase(city.tokens.desk);
      salon = (await resource(city.tokens.coord, { name: '参加支援テストのサロン', kind: 'salon', district: 'kita' })).id;
    });

    const tasksOf = (participationId: string) =>
      t.sql(`SELECT id, kind, status, due_at, assignee_agency_id, case_id FROM tasks WHERE source_type = 'participation' AND source_id = $1 ORDER BY created_at`, [participationId]);

    it('proposes, starts with a check task 4 weeks on and an outcome, checks, and ends — on the timeline and the audit trail', async () => {
      const son = caseRef.household.members[1].id;
      const proposed = await post(city.tokens.desk, `/cases/${caseRef.id}/participations`, { resourceId: salon, memberId: son, note: '本人が関心を示した' });
      expect(proposed.status).toBe(201);
      expect(proposed.body).toEqual(expect.objectContaining({ caseId: caseRef.id, memberId: son, status: 'proposed', proposedOn: today, startedOn: null, checkTaskId: null, agencyId: city.agencies.desk }));
      expect(proposed.body.resource).toEqual({ id: salon, name: '参加支援テストのサロン', kind: 'salon', district: 'kita' });
      const id = proposed.body.id;
      expect(await tasksOf(id)).toEqual([]);

      const started = await post(city.tokens.desk, `/participations/${id}/start`, { startedOn: today });
      expect(started.status).toBe(200);
      const due = calendar.dueAtForDate(addDaysToDate(today, 28));
      expect(started.body).toEqual(expect.objectContaining({ status: 'started', startedOn: today, startedByAgencyId: city.agencies.desk, checkDueAt: due.toISOString() }));
      const [check] = await tasksOf(id);
      expect(check).toEqual({ id: started.body.checkTaskId, kind: 'participation_check', status: 'open', due_at: due, assignee_agency_id: city.agencies.desk, case_id: caseRef.id });
      problem(await post(city.tokens.desk, `/participations/${id}/start`, { startedOn: today }), 409);

      const outcomes = await get(city.tokens.desk, `/cases/${caseRef.id}/outcomes`);
      expect(outcomes.body).toEqual([expect.objectContaining({ kind: 'participation_started', memberId: son, occurredOn: today, sourceType: 'participation', sourceId: id })]);

      // A check: the task is done; the next opens only with nextCheckOn.
      const checked = await post(city.tokens.desk, `/participations/${id}/check`, { checkedOn: today, attending: true, nextCheckOn: addDaysToDate(today, 14), note: '毎週参加している' });
      expect(checked.status).toBe(200);
      expect(checked.body).toEqual(expect.objectContaining({ lastCheckedOn: today, lastAttending: true, checkDueAt: calendar.dueAtForDate(addDaysToDate(today, 14)).toISOString() }));
      expect(checked.body.checks).toEqual([expect.objectContaining({ checkedOn: today, attending: true, nextCheckOn: addDaysToDate(today, 14), note: '毎週参加している', agencyId: city.agencies.desk })]);
      const afterCheck = await tasksOf(id);
      expect(afterCheck.map((x) => x.status)).toEqual(['done', 'open']);
      const second = await post(city.tokens.desk, `/participations/${id}/check`, { checkedOn: today, attending: false });
      expect([second.body.lastAttending, second.body.checkTaskId, second.body.checks.length]).toEqual([false, null, 2]);
      expect((await tasksOf(id)).map((x) => x.status)).toEqual(['done', 'done']);

      const ended = await post(city.tokens.desk, `/participations/${id}/end`, { endedOn: today, reason: 'stopped_attending', note: '体調を崩して休んでいる' });
      expect(ended.status).toBe(200);
      expect(ended.body).toEqual(expect.objectContaining({ status: 'ended', endedOn: today, endReason: 'stopped_attending', endNote: '体調を崩して休んでいる' }));

      // Ending twice, checking or starting an ended one: 409, nothing written.
      const auditBefore = (await t.sql(`SELECT count(*)::int AS n FROM audit_events WHERE municipality_id = $1`, [city.municipalityId]))[0].n;
      problem(await post(city.tokens.desk, `/participations/${id}/end`, { endedOn: today, reason: 'goal_met' }), 409);
      problem(await post(city.tokens.desk, `/participations/${id}/check`, { checkedOn: today, attending: true }), 409);
      problem(await post(city.tokens.desk, `/participations/${id}/start`, { startedOn: today }), 409);
      expect((await t.sql(`SELECT count(*)::int AS n FROM audit_events WHERE municipality_id = $1`, [city.municipalityId]))[0].n).toBe(auditBefore);
      expect((await t.sql(`SELECT end_reason FROM participations WHERE id = $1`, [id]))[0].end_reason).toBe('stopped_attending');

      const timeline = await get(city.tokens.desk, `/cases/${caseRef.id}/timeline`);
      const types = timeline.body.items.filter((e: { entityId: string }) => e.entityId === id).map((e: { type: string }) => e.type);
      expect(types).toEqual(['participation.proposed', 'participation.started', 'participation.checked', 'participation.checked', 'participation.ended']);
      expect(timeline.body.items.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['task.created', 'task.completed', 'outcome.recorded']));

      const events = await t.sql(`SELECT action, case_id FROM audit_events WHERE entity_id = $1 ORDER BY occurred_at`, [id]);
      expect(events.map((e) => e.action)).toEqual(['participation.created', 'participation.started', 'participation.checked', 'participation.checked', 'participation.ended']);
      expect(events.every((e) => e.case_id === caseRef.id)).toBe(true);
      const taskEvents = await t.sql(`SELECT action, case_id FROM audit_events WHERE entity_id = ANY($1::uuid[])`, [(await tasksOf(id)).map((x) => x.id)]);
      expect(taskEvents.length).toBeGreaterThanOrEqual(4);
      expect(taskEvents.every((e) => e.case_id === caseRef.id)).toBe(true);
    });

    it('starts at once when created started; the check follows participationCheckWeeks and the outcome is the primary person’s', async () => {
      await t.http().patch(`${api}/municipality/settings`).set(bearer(city.tokens.admin)).send({ participationCheckWeeks: 2 }).expect(200);
      try {
        const startedOn = addDaysToDate(today, -3);
        const res = await post(city.tokens.desk, `/cases/${caseRef.id}/participations`, { resourceId: salon, startedOn });
        expect(res.status).toBe(201);
        expect(res.body).toEqual(expect.objectContaining({ status: 'started', startedOn, proposedOn: startedOn, memberId: caseRef.household.members[0].id }));
        expect(res.body.checkDueAt).toBe(calendar.dueAtForDate(addDaysToDate(startedOn, 14)).toISOString());
        const outcomes = (await get(city.tokens.desk, `/cases/${caseRef.id}/outcomes`)).body.filter((o: { sourceId: string }) => o.sourceId === res.body.id);
        expect(outcomes).toEqual([expect.objectContaining({ kind: 'participation_started', memberId: caseRef.household.members[0].id, occurredOn: startedOn })]);
        // A start recorded long after the fact is checked from today, not escalated at once.
        const old = await post(city.tokens.desk, `/cases/${caseRef.id}/participations`, { resourceId: salon, memberId: caseRef.household.members[1].id, status: 'started', startedOn: addMonthsToDate(today, -3) });
        expect(old.body.checkDueAt).toBe(calendar.dueAtForDate(today).toISOString());
      } finally {
        await t.http().patch(`${api}/municipality/settings`).set(bearer(city.tokens.admin)).send({ participationCheckWeeks: 4 }).expect(200);
      }
    });

    it('follows the case’s need-to-know, and lists are audited as participation.listed', async () => {
      const list = await get(city.tokens.desk, `/cases/${caseRef.id}/participations`);
      expect(list.status).toBe(200);
      expect(list.body.length).toBeGreaterThanOrEqual(3);
      const [event] = await t.sql(`SELECT action, case_id, entity_type, detail FROM audit_events WHERE action = 'participation.listed' AND case_id = $1 ORDER BY occurred_at DESC LIMIT 1`, [caseRef.id]);
      expect(event).toEqual({ action: 'participation.listed', case_id: caseRef.id, entity_type: 'case', detail: { count: list.body.length } });
      // Another agency without a part in the case: 404, as for the case itself.
      problem(await get(city.tokens.houkatsu, `/cases/${caseRef.id}/participations`), 404);
      problem(await post(city.tokens.houkatsu, `/cases/${caseRef.id}/participations`, { resourceId: salon }), 404);
      const id = list.body[0].id;
      const acts: Array<[string, object]> = [['check', { checkedOn: today, attending: true }], ['end', { endedOn: today, reason: 'other' }], ['start', { startedOn: today }]];
      for (const [act, body] of acts) problem(await post(city.tokens.houkatsu, `/participations/${id}/${act}`, body), 404);
      for (const token of [city.tokens.volunteer, city.tokens.admin, city.tokens.auditor]) {
        problem(await get(token, `/cases/${caseRef.id}/participations`), 403);
        problem(await post(token, `/cases/${caseRef.id}/participations`, { resourceId: salon }), 403);
      }
      expect((await get(city.tokens.supervisor, `/cases/${caseRef.id}/participations`)).status).toBe(200);
    });

    it('refuses bad input with precise problems and writes nothing', async () => {
      const other = await buildCity(t);
      const foreign = (await t.http().post(`${api}/resources`).set(bearer(other.tokens.csw)).send({ name: '他市のサロン', kind: 'salon' })).body.id;
      const closedRes = (await resource(city.tokens.coord, { name: '受け入れ休止中の教室', kind: 'exercise_class', accepting: false })).id;
      const before = { p: await count('participations'), tasks: await count('tasks'), outcomes: await count('outcomes') };
      const attempts: Array<[object, number, string]> = [
        [{ resourceId: foreign }, 422, 'UNKNOWN_RESOURCE'],
        [{ resourceId: '00000000-0000-7000-8000-000000000000' }, 422, 'UNKNOWN_RESOURCE'],
        [{ resourceId: closedRes }, 422, 'RESOURCE_NOT_ACCEPTING'],
        [{ resourceId: salon, memberId: '00000000-0000-7000-8000-000000000000' }, 422, 'MEMBER_NOT_IN_HOUSEHOLD'],
        [{ resourceId: salon, status: 'ended' }, 400, 'VALIDATION_FAILED'],
        [{ resourceId: salon, status: 'proposed', startedOn: today }, 400, 'STARTED_ON_WITHOUT_START'],
        [{ resourceId: salon, startedOn: addDaysToDate(today, 2) }, 400, 'DATE_IN_FUTURE'],
        [{ resourceId: salon, startedOn: '2026-02-30' }, 400, 'INVALID_DATE'],
        [{ resourceId: 'not-a-uuid' }, 400, 'VALIDATION_FAILED'],
        [{ resourceId: salon, participants: 2 }, 400, 'VALIDATION_FAILED'],
        [{ resourceId: salon, note: 'NUL\u0000' }, 400, 'VALIDATION_FAILED'],
      ];
      for (const [body, status, code] of attempts) {
        const res = await post(city.tokens.desk, `/cases/${caseRef.id}/participations`, body);
        problem(res, status);
        expect([JSON.stringify(body), res.body.code]).toEqual([JSON.stringify(body), code]);
      }
      // The primary person already started at the salon (above): a second open one is 409.
      problem(await post(city.tokens.desk, `/cases/${caseRef.id}/participations`, { resourceId: salon }), 409);
      expect({ p: await count('participations'), tasks: await count('tasks'), outcomes: await count('outcomes') }).toEqual(before);

      const p = (await post(city.tokens.desk, `/cases/${caseRef.id}/participations`, { resourceId: (await resource(city.tokens.coord, { name: '検証用の居場所', kind: 'place_to_belong' })).id })).body;
      problem(await post(city.tokens.desk, `/participations/${p.id}/check`, { checkedOn: today, attending: true }), 409); // not started
      await post(city.tokens.desk, `/participations/${p.id}/start`, { startedOn: today }).expect(200);
      const checkAttempts: Array<[object, number]> = [
        [{ checkedOn: addDaysToDate(today, 1), attending: true }, 400],
        [{ checkedOn: today }, 400],
        [{ checkedOn: today, attending: 'yes' }, 400],
        [{ checkedOn: today, attending: true, nextCheckOn: today }, 422],
        [{ checkedOn: addDaysToDate(today, -2), attending: true, nextCheckOn: addDaysToDate(today, -1) }, 422], // next check in the past
        [{ checkedOn: addDaysToDate(today, -5), attending: true }, 422], // before it started
      ];
      for (const [body, status] of checkAttempts) problem(await post(city.tokens.desk, `/participations/${p.id}/check`, body), status);
      for (const [body, status] of [[{ endedOn: today, reason: 'bored' }, 400], [{ endedOn: addDaysToDate(today, -2), reason: 'other' }, 422], [{ reason: 'other' }, 400]] as Array<[object, number]>) {
        problem(await post(city.tokens.desk, `/participations/${p.id}/end`, body), status);
      }
      expect((await t.sql(`SELECT status, last_checked_on FROM participations WHERE id = $1`, [p.id]))[0]).toEqual({ status: 'started', last_checked_on: null });
      problem(await post(city.tokens.desk, `/participations/00000000-0000-7000-8000-000000000000/end`, { endedOn: today, reason: 'other' }), 404);

      // A member with a participation (only proposed: no outcome names them) stays in the household.
      const household = await openCase(city.tokens.desk);
      const [primary, son] = household.household.members;
      await post(city.tokens.desk, `/cases/${household.id}/participations`, { resourceId: salon, memberId: son.id }).expect(201);
      const read = await get(city.tokens.desk, `/cases/${household.id}`);
      const removal = await patch(city.tokens.desk, `/cases/${household.id}`, { household: { members: [{ id: primary.id, name: '参加 花子', isPrimary: true }] } }, read.headers.etag);
      problem(removal, 409);
      expect(removal.body.code).toBe('MEMBER_IN_USE');
      expect((await t.sql(`SELECT count(*)::int AS n FROM household_members WHERE case_id = $1`, [household.id]))[0].n).toBe(2);

      // A closed case takes no new participation.
      const closing = await openCase(city.tokens.desk);
      await post(city.tokens.desk, `/cases/${closing.id}/transitions`, { to: 'closed', closureReason: 'resolved' }).expect(200);
      problem(await post(city.tokens.desk, `/cases/${closing.id}/participations`, { resourceId: salon }), 409);
    });
  });

  describe('unmet needs', () => {
    it('records needs from cases (district defaulting to the household’s) and summarises them by district × concern without case content', async () => {
      const kita = await openCase(city.tokens.desk);
      const restricted = await openCase(city.tokens.desk, { concerns: ['domestic_violence'], household: { district: 'kita', members: [{ name: '秘匿 さん', isPrimary: true }] } });
      const anonymous = await openCase(city.tokens.desk, { household: undefined });
      const description = '40代以上のひきこもりの方が日中に通える居場所が圏域内にない';
      const first = await post(city.tokens.desk, `/cases/${kita.id}/unmet-needs`, { concern: 'hikikomori', description });
      expect(first.status).toBe(201);
      expect(first.body).toEqual(expect.objectContaining({ caseId: kita.id, concern: 'hikikomori', district: 'kita', description, recordedOn: today, agencyId: city.agencies.desk }));
      expect((await post(city.tokens.desk, `/cases/${restricted.id}/unmet-needs`, { concern: 'hikikomori', description: '同上' })).body.district).toBe('kita');
      expect((await post(city.tokens.desk, `/cases/${kita.id}/unmet-needs`, { concern: 'no_food', district: 'minami', description: '子ども食堂が南部にない' })).body.district).toBe('minami');
      expect((await post(city.tokens.desk, `/cases/${anonymous.id}/unmet-needs`, { concern: 'foreign_resident', description: 'やさしい日本語の教室がない' })).body.district).toBeNull();

      const before = await count('unmet_needs');
      for (const [body, status] of [
        [{ concern: 'boredom', description: 'x' }, 400],
        [{ concern: 'isolation' }, 400],
        [{ concern: 'isolation', description: '' }, 400],
        [{ concern: 'isolation', description: 'x', district: 'higashi' }, 400],
        [{ concern: 'isolation', description: 'x', caseId: kita.id }, 400],
        [{ concern: 'isolation', description: 'x\u0000' }, 400],
      ] as Array<[object, number]>) {
        problem(await post(city.tokens.desk, `/cases/${kita.id}/unmet-needs`, body), status);
      }
      problem(await post(city.tokens.houkatsu, `/cases/${kita.id}/unmet-needs`, { concern: 'isolation', description: 'x' }), 404);
      problem(await post(city.tokens.volunteer, `/cases/${kita.id}/unmet-needs`, { concern: 'isolation', description: 'x' }), 403);
      expect(await count('unmet_needs')).toBe(before);

      const timeline = await get(city.tokens.desk, `/cases/${kita.id}/timeline`);
      expect(timeline.body.items.filter((e: { type: string }) => e.type === 'unmet_need.recorded')).toHaveLength(2);
      const [event] = await t.sql(`SELECT case_id, restricted FROM audit_events WHERE action = 'unmet_need.recorded' AND entity_id = $1`, [first.body.id]);
      expect(event).toEqual({ case_id: kita.id, restricted: false });

      const summary = await get(city.tokens.coord, '/unmet-needs/summary');
      expect(summary.status).toBe(200);
      const current = fiscalYearOf(new Date());
      expect(summary.body).toEqual({
        from: `${current}-04-01`,
        to: `${current + 1}-03-31`,
        total: 4,
        items: [
          { district: 'kita', districtName: '北部圏域', concern: 'hikikomori', concernLabel: 'ひきこもり', count: 2 },
          { district: 'minami', districtName: '南部圏域', concern: 'no_food', concernLabel: '食べるものがない', count: 1 },
          { district: null, districtName: null, concern: 'foreign_resident', concernLabel: '外国人', count: 1 },
        ],
      });
      const text = JSON.stringify(summary.body);
      for (const secret of [description, kita.id, restricted.id, '秘匿']) expect(text.includes(secret)).toBe(false);
      expect((await get(city.tokens.supervisor, `/unmet-needs/summary?from=${today}&to=${today}`)).body.total).toBe(4);
      expect((await get(city.tokens.supervisor, `/unmet-needs/summary?from=${addDaysToDate(today, 1)}&to=${addDaysToDate(today, 30)}`)).body).toEqual({ from: addDaysToDate(today, 1), to: addDaysToDate(today, 30), total: 0, items: [] });
      for (const token of [city.tokens.desk, city.tokens.csw, city.tokens.houkatsu, city.tokens.admin, city.tokens.auditor, city.tokens.volunteer]) problem(await get(token, '/unmet-needs/summary'), 403);
      for (const query of ['from=2026-02-30', 'to=2026-4-1', `from=${today}&to=${addDaysToDate(today, -1)}`, 'concern=isolation']) problem(await get(city.tokens.coord, `/unmet-needs/summary?${query}`), 400);
      const [read] = await t.sql(`SELECT detail FROM audit_events WHERE action = 'report.viewed' AND actor_id = $1 ORDER BY occurred_at LIMIT 1`, [city.users.coord]);
      expect(read.detail).toEqual({ report: 'unmet_needs_summary', from: `${current}-04-01`, to: `${current + 1}-03-31` });
    });
  });

  describe('indicators', () => {
    it('counts people in participation support, resources that took someone in, participations by kind and outcome, resources, stale ones and unmet needs', async () => {
      // A city of its own, so every number is known.
      const c = await buildResourceCity(t);
      const as = (token: string, path: string, body: object) => t.http().post(`${api}${path}`).set(bearer(token)).send(body);
      const mk = async (body: object) => (await as(c.tokens.coord, '/resources', body)).body.id as string;
      const salonKita = await mk({ name: '北のサロン', kind: 'salon', district: 'kita' });
      const salonChuo = await mk({ name: '中のサロン', kind: 'salon', district: 'chuo' });
      const gym = await mk({ name: '体操教室', kind: 'exercise_class', district: 'kita' });
      const farm = await mk({ name: '就労体験農園', kind: 'work_experience' });
      await mk({ name: '古い配食', kind: 'meal_delivery', district: 'minami', verifiedOn: addMonthsToDate(today, -18) });
      const family = (await as(c.tokens.desk, '/cases', { channel: 'walk_in', summary: '指標', household: { district: 'kita', members: [{ name: '指標 母', isPrimary: true }, { name: '指標 長男' }] } })).body;
      const anonymous = (await as(c.tokens.desk, '/cases', { channel: 'phone', summary: '匿名の相談' })).body;
      const [mother, son] = family.household.members.map((m: { id: string }) => m.id);
      const p1 = (await as(c.tokens.desk, `/cases/${family.id}/participations`, { resourceId: salonKita, status: 'started' })).body.id; // mother
      await as(c.tokens.desk, `/participations/${p1}/end`, { endedOn: today, reason: 'goal_met' }).expect(200);
      await as(c.tokens.desk, `/cases/${family.id}/participations`, { resourceId: gym, memberId: son, status: 'started' }).expect(201);
      await as(c.tokens.desk, `/cases/${family.id}/participations`, { resourceId: salonChuo, memberId: mother, status: 'started' }).expect(201); // the mother again: one person
      await as(c.tokens.desk, `/cases/${anonymous.id}/participations`, { resourceId: salonKita, status: 'started' }).expect(201);
      const proposal = (await as(c.tokens.desk, `/cases/${anonymous.id}/participations`, { resourceId: farm })).body.id; // never started
      await as(c.tokens.desk, `/participations/${proposal}/end`, { endedOn: today, reason: 'not_suitable' }).expect(200);
      // Last fiscal year's participation counts there, not here.
      const lastYear = (await as(c.tokens.desk, `/cases/${anonymous.id}/participations`, { resourceId: farm, status: 'started' })).body.id;
      const fy = fiscalYearOf(new Date());
      await t.sql(`UPDATE participations SET started_on = $2, proposed_on = $2 WHERE id = $1`, [lastYear, `${fy - 1}-06-01`]);
      await as(c.tokens.desk, `/cases/${family.id}/unmet-needs`, { concern: 'hikikomori', description: '居場所がない' }).expect(201);
      await as(c.tokens.desk, `/cases/${family.id}/unmet-needs`, { concern: 'hikikomori', description: '家族会がない' }).expect(201);
      await as(c.tokens.desk, `/cases/${anonymous.id}/unmet-needs`, { concern: 'no_food', description: '食料支援がない' }).expect(201);

      const res = await get(c.tokens.supervisor, `/reports/indicators?fiscalYear=${fy}`);
      expect(res.status).toBe(200);
      expect(res.body.participation).toEqual({
        peopleInParticipationSupport: 3, // the mother, the son, the anonymous person
        resourcesThatTookSomeoneIn: 3, // both salons and the gym; the farm only had a proposal this year
        participationsStarted: 4,
        participationsByResourceKind: rows('resourceKinds', { salon: 3, exercise_class: 1 }),
        participationsByStatus: rows('participationStatuses', { started: 3, ended: 1 }),
        participationsEndedByReason: rows('participationEndReasons', { goal_met: 1, not_suitable: 1 }),
        resources: 5,
        resourcesByKind: rows('resourceKinds', { salon: 2, exercise_class: 1, work_experience: 1, meal_delivery: 1 }),
        resourcesByDistrict: [
          { district: 'kita', name: '北部圏域', count: 2 },
          { district: 'chuo', name: '中部圏域', count: 1 },
          { district: 'minami', name: '南部圏域', count: 1 },
          { district: null, name: '圏域未設定', count: 1 },
        ],
        staleResources: 1,
        unmetNeeds: 3,
        unmetNeedsByDistrictAndConcern: [
          { district: 'kita', districtName: '北部圏域', concern: 'hikikomori', label: 'ひきこもり', count: 2 },
          { district: null, districtName: '圏域未設定', concern: 'no_food', label: '食べるものがない', count: 1 },
        ],
      });
      const previous = (await get(c.tokens.supervisor, `/reports/indicators?fiscalYear=${fy - 1}`)).body.participation;
      expect([previous.peopleInParticipationSupport, previous.resourcesThatTookSomeoneIn, previous.participationsStarted, previous.unmetNeeds]).toEqual([1, 1, 1, 0]);
      expect(previous.participationsByResourceKind).toEqual(rows('resourceKinds', { work_experience: 1 }));

      const csv = await bytes(get(c.tokens.supervisor, `/reports/indicators?fiscalYear=${fy}&format=csv`));
      const lines = (csv.body as Buffer).subarray(3).toString('utf8').split('\r\n');
      for (const line of [
        '国の報告項目,参加支援の対象者数,3',
        '国の報告項目,協力事業者数（参加者を受け入れた社会資源）,3',
        '参加支援,参加開始件数,4',
        '参加支援（資源の種類別）,サロン,3',
        '参加支援（状況別）,参加中,3',
        '参加支援（終了理由別）,目的達成,1',
        '社会資源,登録資源数,5',
        '社会資源（種類別）,就労体験・中間的就労,1',
        '社会資源（圏域別）,北部圏域,2',
        '社会資源（圏域別）,圏域未設定,1',
        '社会資源,情報が1年以上未確認の資源数（作成日時点）,1',
        '地域の不足資源,不足資源の記録件数,3',
        '地域の不足資源（圏域×課題）,北部圏域 × ひきこもり,2',
      ]) {
        expect(lines).toContain(line);
      }
      for (const line of lines.filter(Boolean)) expect(line.split(',')).toHaveLength(3);
      expect(lines.join('\n')).not.toContain('居場所がない');
    });
  });

  describe('the public directory under load', () => {
    let t2: TestApp;

    beforeAll(async () => {
      t2 = await startTestApp({ PUBLIC_RATE_LIMIT: '3', PUBLIC_CACHE_SECONDS: '60' });
    });
    afterAll(async () => t2?.close());

    it('is cached briefly and limited per client address: 429 problem+json with Retry-After', async () => {
      const c = await buildCity(t2);
      const created = await t2.http().post(`${api}/resources`).set(bearer(c.tokens.csw)).send({ name: 'キャッシュ確認サロン', kind: 'salon', public: true });
      expect(created.status).toBe(201);
      const url = `${api}/public/resources?municipality=${c.code}`;
      const first = await t2.http().get(url);
      expect(first.status).toBe(200);
      expect(first.headers['cache-control']).toBe('public, max-age=60');
      expect([first.headers['x-ratelimit-limit'], first.headers['x-ratelimit-remaining']]).toEqual(['3', '2']);
      expect(first.body.items.map((r: { id: string }) => r.id)).toEqual([created.body.id]);

      // Withdrawn from the directory: the cached answer may still show it for up to a minute.
      await t2.http().patch(`${api}/resources/${created.body.id}`).set(bearer(c.tokens.csw)).set('If-Match', '"1"').send({ public: false }).expect(200);
      const cached = await t2.http().get(url);
      expect(cached.body.items.map((r: { id: string }) => r.id)).toEqual([created.body.id]);
      const fresh = await bytes(t2.http().get(`${url}&format=csv`));
      expect((fresh.body as Buffer).toString('utf8')).not.toContain('キャッシュ確認サロン');

      const limited = await t2.http().get(url);
      expect(limited.status).toBe(429);
      expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(limited.body.code).toBe('TOO_MANY_REQUESTS');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      // Staff routes are not limited by it.
      expect((await t2.http().get(`${api}/resources`).set(bearer(c.tokens.desk))).status).toBe(200);
    });
  });

  describe('the demo seed', () => {
    const saved = { ...process.env };
    afterAll(() => {
      process.env = saved;
    });

    it('gives みどり市 about 40 resources across its districts, a few public and a few stale, and participations on its cases', async () => {
      Object.assign(process.env, { DATABASE_URL: t.config.databaseUrl, REDIS_URL: t.config.redisUrl, LOG_LEVEL: 'silent', PASSWORD_HASH_MEMORY_KIB: '4096' });
      const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        expect(await main(['seed:demo'])).toBe(0);
      } finally {
        quiet.mockRestore();
      }
      const [demo] = await t.sql(`SELECT id FROM municipalities WHERE code = $1`, [DEMO_CODE]);
      const byDistrict = await t.sql(`SELECT district, count(*)::int AS n FROM resources WHERE municipality_id = $1 GROUP BY district`, [demo.id]);
      expect(Object.fromEntries(byDistrict.map((r) => [r.district ?? 'none', r.n]))).toEqual({ kita: 12, chuo: 14, minami: 11, none: 3 });
      const [flags] = await t.sql(
        `SELECT count(*) FILTER (WHERE is_public)::int AS public, count(*) FILTER (WHERE verified_on < $2::date)::int AS stale, count(DISTINCT kind)::int AS kinds
         FROM resources WHERE municipality_id = $1`,
        [demo.id, addMonthsToDate(today, -12)],
      );
      expect(flags).toEqual({ public: 9, stale: 5, kinds: 13 });
      const participations = await t.sql(`SELECT status, count(*)::int AS n FROM participations WHERE municipality_id = $1 GROUP BY status`, [demo.id]);
      expect(Object.fromEntries(participations.map((r) => [r.status, r.n]))).toEqual({ proposed: 3, started: 4, ended: 1 });
      expect(await count('outcomes', demo.id)).toBeGreaterThanOrEqual(5);
      expect((await t.sql(`SELECT count(*)::int AS n FROM outcomes WHERE municipality_id = $1 AND kind = 'participation_started'`, [demo.id]))[0].n).toBe(5);
      expect((await t.sql(`SELECT count(*)::int AS n FROM tasks WHERE municipality_id = $1 AND kind = 'participation_check' AND status = 'open'`, [demo.id]))[0].n).toBe(4);
      expect(await count('unmet_needs', demo.id)).toBe(4);
      const directory = await t.http().get(`${api}/public/resources?municipality=${DEMO_CODE}&limit=200`);
      expect(directory.body.items).toHaveLength(9);
      expect(JSON.stringify(directory.body)).not.toMatch(/代表者交代|運営スタッフ|農園主/);
    });
  });
});
