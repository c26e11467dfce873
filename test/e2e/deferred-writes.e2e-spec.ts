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
});
