import { AuditService } from '@tsunagi/audit';
import { Db } from '@tsunagi/database';
import { TimelineService } from '@tsunagi/timeline';
import { bearer, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';

/**
 * Db.defer: timeline entries, audit events and outbox rows wait for the act's next statement
 * or its end and go together. The act still reads its own writes, a failing deferred write
 * still fails the act, and what commits is what would have committed one statement at a time.
 */
describe('deferred writes', () => {
  let t: TestApp;
  let city: City;
  let caseId: string;
  let db: Db;
  let timeline: TimelineService;
  let audit: AuditService;

  beforeAll(async () => {
    t = await startTestApp();
    city = await buildCity(t);
    const created = await t.http().post(`${api}/cases`).set(bearer(city.tokens.desk)).send({ channel: 'phone', summary: '遅延書き込みの確認' });
    expect(created.status).toBe(201);
    caseId = created.body.id;
    db = t.app.get(Db);
    timeline = t.app.get(TimelineService);
    audit = t.app.get(AuditService);
  });

  afterAll(() => t.close());

  const typesOnCase = async (prefix: string) =>
    (await t.sql<{ type: string }>(`SELECT type FROM case_events WHERE case_id = $1 AND type LIKE $2 ORDER BY occurred_at, id`, [caseId, `${prefix}%`])).map((r) => r.type);

  it('are read back by a later statement of the same act', async () => {
    const seen = await db.forMunicipality(city.municipalityId, async () => {
      await timeline.append({ caseId, type: 'test.read_back' });
      return db.query<{ n: string }>(`SELECT count(*) AS n FROM case_events WHERE case_id = $1 AND type = 'test.read_back'`, [caseId]);
    });
    expect(Number(seen[0].n)).toBe(1);
  });

  it('commit together, several tables and several rows of one table, in the order given', async () => {
    await db.forMunicipality(city.municipalityId, async () => {
      await timeline.append({ caseId, type: 'test.together.1' });
      await audit.record({ action: 'test.together', entityType: 'case', entityId: caseId, caseId });
      await timeline.append({ caseId, type: 'test.together.2', occurredAt: new Date(Date.now() + 1) });
    });
    expect(await typesOnCase('test.together')).toEqual(['test.together.1', 'test.together.2']);
    expect(await t.sql(`SELECT 1 FROM audit_events WHERE case_id = $1 AND action = 'test.together'`, [caseId])).toHaveLength(1);
  });

  it('fail the act when one of them fails, and nothing of the act is kept', async () => {
    const act = db.forMunicipality(city.municipalityId, async () => {
      await db.query(`UPDATE cases SET summary = summary || '（変更）' WHERE id = $1`, [caseId]);
      await timeline.append({ caseId, type: 'test.rolled_back' });
      await audit.record({ action: 'test.rolled_back', entityType: 'case', entityId: caseId, caseId });
      // a case that does not exist: the foreign key refuses it when the writes go
      await timeline.append({ caseId: '00000000-0000-7000-8000-000000000000', type: 'test.rolled_back' });
    });
    await expect(act).rejects.toThrow(/foreign key/);
    expect(await typesOnCase('test.rolled_back')).toEqual([]);
    expect(await t.sql(`SELECT 1 FROM audit_events WHERE action = 'test.rolled_back'`)).toHaveLength(0);
    expect((await t.sql<{ summary: string }>(`SELECT summary FROM cases WHERE id = $1`, [caseId]))[0].summary).toBe('遅延書き込みの確認');
  });

  describe('carried by the next statement (Db.queryCarrying)', () => {
    it('go in the same statement when it reads none of their tables, and commit with it', async () => {
      const rows = await db.forMunicipality(city.municipalityId, async () => {
        await timeline.append({ caseId, type: 'test.carried' });
        await audit.record({ action: 'test.carried', entityType: 'case', entityId: caseId, caseId });
        // not flushed before: the statement itself carries them (it cannot see them yet)
        return db.queryCarrying<{ summary: string }>(`UPDATE cases SET summary = summary WHERE id = $1 RETURNING summary`, [caseId]);
      });
      expect(rows).toHaveLength(1);
      expect(await typesOnCase('test.carried')).toEqual(['test.carried']);
      expect(await t.sql(`SELECT 1 FROM audit_events WHERE case_id = $1 AND action = 'test.carried'`, [caseId])).toHaveLength(1);
    });

    it('are flushed first when the statement reads one of their tables, so the act still reads its own writes', async () => {
      const seen = await db.forMunicipality(city.municipalityId, async () => {
        await timeline.append({ caseId, type: 'test.carried.read_back' });
        return db.queryCarrying<{ n: string }>(`SELECT count(*) AS n FROM case_events WHERE case_id = $1 AND type = 'test.carried.read_back'`, [caseId]);
      });
      expect(Number(seen[0].n)).toBe(1);
    });

    it('fail the statement and the act when one of them fails', async () => {
      const act = db.forMunicipality(city.municipalityId, async () => {
        await timeline.append({ caseId: '00000000-0000-4000-8000-000000000000', type: 'test.carried.orphan' });
        await db.queryCarrying(`UPDATE cases SET summary = summary || '（失敗）' WHERE id = $1`, [caseId]);
      });
      await expect(act).rejects.toThrow();
      expect(await t.sql(`SELECT 1 FROM case_events WHERE type = 'test.carried.orphan'`)).toEqual([]);
      expect((await t.sql<{ summary: string }>(`SELECT summary FROM cases WHERE id = $1`, [caseId]))[0].summary).not.toContain('（失敗）');
    });
  });

  describe('an intake, one statement (case number, case, household, timeline, audit)', () => {
    it('keeps nothing when its district is not one of the municipality\'s, and the next intake still gets a number', async () => {
      const admin = bearer(city.adminToken);
      await t.http().patch(`${api}/municipality/settings`).set(admin).send({ districts: [{ code: 'kita', name: '北部' }] }).expect(200);
      try {
        const desk = bearer(city.tokens.desk);
        const before = await t.sql<{ cases: string; events: string; audits: string }>(
          `SELECT (SELECT count(*) FROM cases) AS cases, (SELECT count(*) FROM case_events) AS events, (SELECT count(*) FROM audit_events WHERE action = 'case.opened') AS audits`,
        );
        const refused = await t.http().post(`${api}/cases`).set(desk)
          .send({ channel: 'walk_in', summary: '地区違い', household: { district: 'minami', members: [{ name: '山田 花子', isPrimary: true }] } });
        expect(refused.status).toBe(400);
        expect(refused.body.code).toBe('UNKNOWN_DISTRICT');
        const after = await t.sql(
          `SELECT (SELECT count(*) FROM cases) AS cases, (SELECT count(*) FROM case_events) AS events, (SELECT count(*) FROM audit_events WHERE action = 'case.opened') AS audits`,
        );
        expect(after).toEqual(before);
        expect(await t.sql(`SELECT 1 FROM household_members WHERE name = '山田 花子'`)).toEqual([]);

        const opened = await t.http().post(`${api}/cases`).set(desk)
          .send({ channel: 'walk_in', summary: '地区あり', household: { district: 'kita', members: [{ name: '山田 花子', isPrimary: true }, { name: '山田 太郎' }] } });
        expect(opened.status).toBe(201);
        expect(opened.body.caseNumber).toMatch(/^\d{4}-\d{6}$/);
        expect(opened.body.household.members.map((m: { name: string }) => m.name)).toEqual(['山田 花子', '山田 太郎']);
        const [stored] = await t.sql<{ case_number: string; events: string; audits: string }>(
          `SELECT c.case_number, (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.type = 'case.opened') AS events,
                  (SELECT count(*) FROM audit_events a WHERE a.case_id = c.id AND a.action = 'case.opened') AS audits
           FROM cases c WHERE c.id = $1`,
          [opened.body.id],
        );
        expect(stored).toEqual({ case_number: opened.body.caseNumber, events: '1', audits: '1' });
      } finally {
        await t.http().patch(`${api}/municipality/settings`).set(admin).send({ districts: null }).expect(200);
      }
    });
  });
});
