import { bearer, createTenant, login, PASSWORD, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';

describe('audit trail: append-only, hash-chained, queryable', () => {
  let t: TestApp;
  let city: City;

  beforeAll(async () => {
    t = await startTestApp();
    city = await buildCity(t);
  });
  afterAll(async () => t?.close());

  const get = (token: string, path: string) => t.http().get(`${api}${path}`).set(bearer(token));

  /** A small municipality of its own with some history, and its auditor's token. */
  async function tenantWithHistory(): Promise<{ municipalityId: string; auditor: string }> {
    const tenant = await createTenant(t);
    for (let i = 0; i < 5; i++) {
      await t.http().post(`${api}/agencies`).set(bearer(tenant.adminToken)).send({ code: `a${i}`, name: `機関 ${i}`, kind: 'other' }).expect(201);
    }
    await t.http().post(`${api}/users`).set(bearer(tenant.adminToken)).send({ username: 'auditor', displayName: '監査', roles: ['auditor'], password: PASSWORD }).expect(201);
    const auditor = await login(t, tenant.code, 'auditor');
    const first = await get(auditor, '/audit/verify');
    expect(first.body).toEqual(expect.objectContaining({ valid: true, firstInvalidEventId: null }));
    expect(first.body.eventsChecked).toBeGreaterThanOrEqual(8);
    return { municipalityId: tenant.municipalityId, auditor };
  }

  /** Superuser changes that bypass the append-only triggers, as an intruder with database access would. */
  async function tamper(sql: string, params: unknown[] = []): Promise<void> {
    await t.sql('SET session_replication_role = replica');
    try {
      await t.sql(sql, params);
    } finally {
      await t.sql('SET session_replication_role = origin');
    }
  }

  async function sealedEvents(municipalityId: string) {
    return t.sql(`SELECT c.seq, e.id, e.action, e.occurred_at FROM audit_chain c JOIN audit_events e ON e.id = c.event_id AND e.municipality_id = c.municipality_id WHERE c.municipality_id = $1 ORDER BY c.seq`, [municipalityId]);
  }

  it('answers "who read this case" in one call', async () => {
    const opened = await t.http().post(`${api}/cases`).set(bearer(city.tokens.desk)).send({ channel: 'walk_in', summary: '監査テスト', household: { members: [{ name: '監査 太郎' }] } });
    await get(city.tokens.desk2, `/cases/${opened.body.id}`).expect(200);
    await get(city.tokens.supervisor, `/cases/${opened.body.id}/timeline`).expect(200);
    const res = await get(city.tokens.auditor, `/audit?caseId=${opened.body.id}`);
    expect(res.status).toBe(200);
    const actions = res.body.items.map((e: { action: string; actorId: string }) => [e.action, e.actorId]);
    expect(actions).toEqual(expect.arrayContaining([['case.opened', city.users.desk], ['case.viewed', city.users.desk2], ['timeline.viewed', city.users.super]]));
    expect(JSON.stringify(res.body)).not.toContain('監査 太郎');
    expect(JSON.stringify(res.body)).not.toContain('監査テスト');
    const byActor = await get(city.tokens.supervisor, `/audit?actorId=${city.users.desk2}&action=case.viewed`);
    expect(byActor.body.items.length).toBeGreaterThan(0);
    expect(byActor.body.items.every((e: { actorId: string; action: string }) => e.actorId === city.users.desk2 && e.action === 'case.viewed')).toBe(true);
    expect((await get(city.tokens.desk, '/audit')).status).toBe(403);
    expect((await get(city.tokens.admin, '/audit')).status).toBe(403);
    expect((await get(city.tokens.supervisor, '/audit/verify')).status).toBe(403);
    expect((await get(city.tokens.auditor, `/cases/${opened.body.id}`)).status).toBe(403);
    const page = await get(city.tokens.auditor, '/audit?limit=2');
    const next = await get(city.tokens.auditor, `/audit?limit=2&cursor=${page.body.nextCursor}`);
    expect(next.body.items[0].id).not.toBe(page.body.items[0].id);
  });

  it('cannot be changed by the application role', async () => {
    const [event] = await t.sql(`SELECT id FROM audit_events LIMIT 1`);
    for (const statement of [`UPDATE audit_events SET action = 'x' WHERE id = '${event.id}'`, `DELETE FROM audit_events WHERE id = '${event.id}'`, 'TRUNCATE audit_events', 'DELETE FROM audit_chain']) {
      await t.sql('BEGIN');
      try {
        await t.sql('SET LOCAL ROLE tsunagi_app');
        await expect(t.sql(statement)).rejects.toThrow(/permission denied|append-only/);
      } finally {
        await t.sql('ROLLBACK');
      }
    }
    // Even the table owner is stopped by the triggers (only a superuser can switch them off).
    await expect(t.sql(`UPDATE audit_events SET action = 'x' WHERE id = $1`, [event.id])).rejects.toThrow(/append-only/);
  });

  it('detects a changed event at that event', async () => {
    const { municipalityId, auditor } = await tenantWithHistory();
    const events = await sealedEvents(municipalityId);
    const victim = events[3];
    await tamper(`UPDATE audit_events SET action = 'agency.viewed' WHERE id = $1`, [victim.id]);
    const res = await get(auditor, '/audit/verify');
    expect(res.body).toEqual(expect.objectContaining({ valid: false, firstInvalidEventId: victim.id, eventsChecked: 3 }));
  });

  it('detects a deleted event at that event', async () => {
    const { municipalityId, auditor } = await tenantWithHistory();
    const victim = (await sealedEvents(municipalityId))[4];
    await tamper(`DELETE FROM audit_events WHERE id = $1`, [victim.id]);
    const res = await get(auditor, '/audit/verify');
    expect(res.body).toEqual(expect.objectContaining({ valid: false, firstInvalidEventId: victim.id }));
  });

  it('detects reordered events', async () => {
    const { municipalityId, auditor } = await tenantWithHistory();
    const events = await sealedEvents(municipalityId);
    // Swap the places of the 3rd and 4th events in the chain (through a free seq, the key is unique).
    await tamper(`UPDATE audit_chain SET seq = -1 WHERE municipality_id = $1 AND seq = $2`, [municipalityId, events[2].seq]);
    await tamper(`UPDATE audit_chain SET seq = $2 WHERE municipality_id = $1 AND seq = $3`, [municipalityId, events[2].seq, events[3].seq]);
    await tamper(`UPDATE audit_chain SET seq = $2 WHERE municipality_id = $1 AND seq = -1`, [municipalityId, events[3].seq]);
    const res = await get(auditor, '/audit/verify');
    expect(res.body.valid).toBe(false);
    expect(res.body.firstInvalidEventId).toBe(events[3].id);
  });

  it('detects an event inserted into the past, with an old transaction id or a new one', async () => {
    const a = await tenantWithHistory();
    const events = await sealedEvents(a.municipalityId);
    const forged = '0192a000-0000-7000-8000-00000000f00d';
    await tamper(
      `INSERT INTO audit_events (municipality_id, occurred_at, id, action, entity_type, txid)
       VALUES ($1, $2, $3, 'case.viewed', 'case', '1'::xid8)`,
      [a.municipalityId, new Date(new Date(events[1].occurred_at).getTime() + 1), forged],
    );
    expect((await get(a.auditor, '/audit/verify')).body).toEqual(expect.objectContaining({ valid: false, firstInvalidEventId: forged }));

    const b = await tenantWithHistory();
    const backdated = '0192a000-0000-7000-8000-00000000beef';
    await tamper(`INSERT INTO audit_events (municipality_id, occurred_at, id, action, entity_type) VALUES ($1, now() - interval '30 days', $2, 'case.viewed', 'case')`, [b.municipalityId, backdated]);
    expect((await get(b.auditor, '/audit/verify')).body).toEqual(expect.objectContaining({ valid: false, firstInvalidEventId: backdated }));
  });

  it('verifies from the CLI too: exit 0 for an intact municipality, 1 naming the first bad event', async () => {
    const { municipalityId } = await tenantWithHistory();
    const [{ code }] = await t.sql(`SELECT code FROM municipalities WHERE id = $1`, [municipalityId]);
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = t.config.databaseUrl;
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    try {
      const { main } = await import('../../apps/cli/src/main');
      expect(await main(['audit:verify', '--municipality', code])).toBe(0);
      const victim = (await sealedEvents(municipalityId))[2];
      await tamper(`UPDATE audit_events SET detail = '{"count": 999}' WHERE id = $1`, [victim.id]);
      expect(await main(['audit:verify', '--municipality', code])).toBe(1);
      expect(JSON.parse(out[out.length - 1])).toEqual(expect.objectContaining({ valid: false, firstInvalidEventId: victim.id }));
    } finally {
      spy.mockRestore();
      process.env.DATABASE_URL = saved;
    }
  });
});
