import { randomUUID } from 'node:crypto';
import { ClsService } from 'nestjs-cls';
import { CTX_MUNICIPALITY } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { bearer, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';
const TXID = 'SELECT txid_current()::text AS txid';

/**
 * An authenticated request checks who is asking as the first statement of its transaction
 * (Db.openEarly): the act that follows takes the open transaction over, and a request that
 * ends any other way — refused, invalid, failed, or with no act — gives its connection back.
 * The test app's pool has 6 connections: one kept per request would stall everything below.
 */
describe('the transaction a request opens with its principal check', () => {
  let t: TestApp;
  let city: City;
  let db: Db;
  let cls: ClsService;

  beforeAll(async () => {
    t = await startTestApp();
    city = await buildCity(t);
    db = t.app.get(Db);
    cls = t.app.get(ClsService);
  });

  afterAll(() => t.close());

  /** Backends of the api's pool that sit inside a transaction, after releases have had a moment. */
  const openTransactions = async (expected = 0) => {
    let rows: Array<{ n: string }> = [];
    for (let i = 0; i < 40; i++) {
      rows = await t.sql<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`,
      );
      if (Number(rows[0].n) === expected) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return Number(rows[0].n);
  };

  it('is taken over by the act of the same municipality: one transaction, no second BEGIN', async () => {
    const { early, act, done } = await cls.run(async () => {
      cls.set(CTX_MUNICIPALITY, city.municipalityId);
      const { rows, opened } = await db.openEarly<{ txid: string }>(city.municipalityId, TXID);
      const inAct = await db.transaction(async () => (await db.query<{ txid: string; tenant: string }>(`${TXID}, current_setting('app.municipality_id') AS tenant`))[0]);
      return { early: rows[0].txid, act: inAct, done: opened.done && opened.runner.isReleased };
    });
    expect(act.txid).toBe(early);
    expect(act.tenant).toBe(city.municipalityId);
    expect(done).toBe(true);
    expect(await openTransactions()).toBe(0);
  });

  it('is not taken over by an act for another municipality, and release rolls it back', async () => {
    const other = randomUUID();
    const { early, act, opened } = await cls.run(async () => {
      const { rows, opened } = await db.openEarly<{ txid: string }>(city.municipalityId, TXID);
      const inAct = await db.transaction(async () => (await db.query<{ txid: string }>(TXID))[0].txid, other);
      return { early: rows[0].txid, act: inAct, opened };
    });
    expect(act).not.toBe(early);
    expect(opened.done).toBe(false);
    expect(await openTransactions(1)).toBe(1);
    await db.release(opened);
    await db.release(opened); // a second release is a no-op
    expect(opened.runner.isReleased).toBe(true);
    expect(await openTransactions()).toBe(0);
  });

  it('gives the connection back however the request ends, many more times than the pool has connections', async () => {
    const desk = bearer(city.tokens.desk);
    const asked = { refused: 0, invalid: 0, missing: 0, opened: 0, unauthenticated: 0 };
    const caseIds: string[] = [];
    for (let round = 0; round < 4; round++) {
      const replies = await Promise.all([
        // refused by role after the check: 403
        ...Array.from({ length: 6 }, () => t.http().get(`${api}/users`).set(desk)),
        // refused by validation after the check: 400
        ...Array.from({ length: 6 }, () => t.http().post(`${api}/cases`).set(desk).send({ channel: 'no-such-channel', summary: '' })),
        // the act runs and finds nothing: 404
        ...Array.from({ length: 6 }, () => t.http().get(`${api}/cases/${randomUUID()}`).set(desk)),
        // the act runs and commits: 201
        ...Array.from({ length: 6 }, () => t.http().post(`${api}/cases`).set(desk).send({ channel: 'phone', summary: '早期開始の確認' })),
        // a forged signature: 401 before anything is opened
        ...Array.from({ length: 6 }, () => t.http().get(`${api}/me`).set(bearer(city.tokens.desk.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))))),
      ]);
      for (const r of replies) {
        if (r.status === 403) asked.refused++;
        else if (r.status === 400) asked.invalid++;
        else if (r.status === 404) asked.missing++;
        else if (r.status === 201) {
          asked.opened++;
          caseIds.push(r.body.id);
        } else if (r.status === 401) asked.unauthenticated++;
        else throw new Error(`unexpected ${r.status} ${JSON.stringify(r.body)}`);
      }
    }
    expect(asked).toEqual({ refused: 24, invalid: 24, missing: 24, opened: 24, unauthenticated: 24 });
    expect(await openTransactions()).toBe(0);
    // every case acknowledged is there, with its timeline entry and audit event (the act committed on the early transaction)
    const stored = await t.sql<{ n: string; events: string; audited: string }>(
      `SELECT count(*) AS n, sum((SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.type = 'case.opened')) AS events,
              sum((SELECT count(*) FROM audit_events a WHERE a.case_id = c.id AND a.action = 'case.opened')) AS audited
       FROM cases c WHERE c.id = ANY($1::uuid[])`,
      [caseIds],
    );
    expect(stored[0]).toEqual({ n: '24', events: '24', audited: '24' });
    // and the pool still answers at once
    expect((await t.http().get(`${api}/me`).set(desk)).status).toBe(200);
  });

  it('still refuses a disabled user at once', async () => {
    const token = city.tokens.desk2;
    expect((await t.http().get(`${api}/me`).set(bearer(token))).status).toBe(200);
    await t.sql(`UPDATE users SET disabled = true WHERE id = $1`, [city.users.desk2]);
    try {
      expect((await t.http().get(`${api}/me`).set(bearer(token))).status).toBe(401);
      expect(await openTransactions()).toBe(0);
    } finally {
      await t.sql(`UPDATE users SET disabled = false WHERE id = $1`, [city.users.desk2]);
    }
  });
});
