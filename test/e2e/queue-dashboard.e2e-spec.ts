import { Queue } from 'bullmq';
import { JOBS, QUEUES, redisOptionsFromUrl } from '@tsunagi/jobs';
import { bearer, login, PASSWORD, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';
const dashboard = `${api}/admin/queues`;
const queuesJson = `${dashboard}/api/queues`;
const COOKIE = 'tsunagi_queue_dashboard';

/** The dashboard's session cookie from a Set-Cookie header, with its attributes. */
function dashboardCookie(setCookie: string | string[] | undefined): string | undefined {
  return ([] as string[]).concat(setCookie ?? []).find((c) => c.startsWith(`${COOKIE}=`));
}

describe('queue dashboard: administrators only, the queues under QUEUE_PREFIX', () => {
  let t: TestApp;
  let city: City;
  let dueTimes: Queue;
  let otherPrefix: Queue;
  // Every log line the api writes, at the most verbose level: tokens must never be among them.
  const logLines: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'trace' }, { logStream: { write: (line: string) => void logLines.push(line) } });
    city = await buildCity(t);
    const connection = redisOptionsFromUrl(t.config.redisUrl);
    // One delayed job where the worker would put it, and one under another prefix that the
    // dashboard must not count.
    dueTimes = new Queue(QUEUES.dueTimes, { connection, prefix: t.config.queuePrefix });
    otherPrefix = new Queue(QUEUES.dueTimes, { connection, prefix: `${t.config.queuePrefix}-other` });
    const data = { municipalityId: city.municipalityId, entityId: city.users.desk };
    await dueTimes.add(JOBS.taskDue, data, { jobId: `${JOBS.taskDue}.${city.users.desk}`, delay: 3600_000 });
    await otherPrefix.add(JOBS.taskDue, data, { jobId: `${JOBS.taskDue}.${city.users.desk2}`, delay: 3600_000 });
    await otherPrefix.add(JOBS.taskDue, data, { jobId: `${JOBS.taskDue}.${city.users.super}`, delay: 3600_000 });
  });
  afterAll(async () => {
    await dueTimes?.obliterate({ force: true }).catch(() => undefined);
    await otherPrefix?.obliterate({ force: true }).catch(() => undefined);
    await dueTimes?.close();
    await otherPrefix?.close();
    await t?.close();
  });

  it('refuses a request without a token with 401 problem+json, the page, its api and its assets alike', async () => {
    for (const path of [dashboard, `${dashboard}/`, queuesJson, `${dashboard}/queue/${QUEUES.dueTimes}`, `${dashboard}/static/images/logo.svg`]) {
      const res = await t.http().get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toEqual(expect.objectContaining({ status: 401, code: 'UNAUTHENTICATED' }));
      expect(JSON.stringify(res.body)).not.toMatch(/due-times|maintenance/);
    }
    expect((await t.http().put(`${dashboard}/api/queues/${QUEUES.dueTimes}/pause`)).status).toBe(401);
    expect((await t.http().head(queuesJson)).status).toBe(401);
  });

  it('refuses a forged, malformed or expired-shaped token with 401', async () => {
    const [head, body] = city.tokens.admin.split('.');
    for (const authorization of [`Bearer ${head}.${body}.forged`, 'Bearer not-a-token', `Basic ${city.tokens.admin}`, city.tokens.admin]) {
      const res = await t.http().get(queuesJson).set({ Authorization: authorization });
      expect(res.status).toBe(401);
    }
    expect((await t.http().get(`${queuesJson}?token=${head}.${body}.forged`)).status).toBe(401);
    expect((await t.http().get(queuesJson).set('Cookie', `${COOKIE}=${head}.${body}.forged`)).status).toBe(401);
  });

  it('refuses every role but admin with 403', async () => {
    for (const role of ['desk', 'supervisor', 'houkatsuSuper', 'csw', 'auditor', 'volunteer'] as const) {
      const res = await t.http().get(queuesJson).set(bearer(city.tokens[role]));
      expect({ role, status: res.status }).toEqual({ role, status: 403 });
      expect(res.body).toEqual(expect.objectContaining({ status: 403, code: 'FORBIDDEN' }));
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const viaQuery = await t.http().get(`${dashboard}?token=${city.tokens.supervisor}`);
    expect(viaQuery.status).toBe(403);
    expect(dashboardCookie(viaQuery.headers['set-cookie'])).toBeUndefined();
  });

  it("shows an administrator both queues, read from Redis under this deployment's QUEUE_PREFIX", async () => {
    const res = await t.http().get(queuesJson).set(bearer(city.tokens.admin));
    expect(res.status).toBe(200);
    const queues = res.body.queues as Array<{ name: string; description: string; counts: Record<string, number>; readOnlyMode: boolean }>;
    expect(queues.map((q) => q.name).sort()).toEqual([QUEUES.dueTimes, QUEUES.maintenance].sort());
    const due = queues.find((q) => q.name === QUEUES.dueTimes)!;
    // One delayed job under this prefix; the two under the other prefix are not this deployment's.
    expect(due.counts.delayed).toBe(1);
    expect(due.readOnlyMode).toBe(true);
    expect(due.description).toMatch(/期限/);
    expect(queues.find((q) => q.name === QUEUES.maintenance)!.counts.delayed).toBe(0);

    const jobs = await t.http().get(`${queuesJson}?activeQueue=${QUEUES.dueTimes}&status=delayed&page=1`).set(bearer(city.tokens.admin));
    expect(jobs.status).toBe(200);
    const listed = jobs.body.queues.find((q: { name: string }) => q.name === QUEUES.dueTimes);
    expect(listed.jobs).toEqual([expect.objectContaining({ id: `${JOBS.taskDue}.${city.users.desk}`, name: JOBS.taskDue })]);

    const page = await t.http().get(dashboard).set(bearer(city.tokens.admin));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain(`<base href="${dashboard}/"`);
    // Its own policy: the page's scripts and styles load, nothing from elsewhere.
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    const asset = await t.http().get(`${dashboard}/static/images/logo.svg`).set(bearer(city.tokens.admin));
    expect(asset.status).toBe(200);
  });

  it('is read-only: an administrator cannot pause, empty or add to a queue', async () => {
    const admin = bearer(city.tokens.admin);
    expect((await t.http().put(`${dashboard}/api/queues/${QUEUES.dueTimes}/pause`).set(admin)).status).toBe(405);
    expect((await t.http().put(`${dashboard}/api/queues/${QUEUES.dueTimes}/empty`).set(admin)).status).toBe(405);
    expect((await t.http().post(`${dashboard}/api/queues/${QUEUES.dueTimes}/add`).set(admin).send({ name: JOBS.taskDue, data: {} })).status).toBe(405);
    expect(await dueTimes.isPaused()).toBe(false);
    expect(await dueTimes.getJobCounts('delayed')).toEqual({ delayed: 1 });
  });

  it('lets a browser in with a token in the address once: a short-lived HttpOnly cookie, and the token taken out of the address', async () => {
    const res = await t.http().get(`${dashboard}/queue/${QUEUES.dueTimes}?status=delayed&token=${city.tokens.admin}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${dashboard}/queue/${QUEUES.dueTimes}?status=delayed`);
    const cookie = dashboardCookie(res.headers['set-cookie'])!;
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toContain(`; Path=${dashboard};`);
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)![1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(900);

    const session = cookie.split(';')[0];
    const json = await t.http().get(queuesJson).set('Cookie', `other=1; ${session}`);
    expect(json.status).toBe(200);
    expect(json.body.queues.map((q: { name: string }) => q.name)).toContain(QUEUES.dueTimes);
    expect((await t.http().get(`${dashboard}/queue/${QUEUES.dueTimes}`).set('Cookie', session)).status).toBe(200);
    // The cookie opens the dashboard only, not the rest of the api.
    expect((await t.http().get(`${api}/me`).set('Cookie', session)).status).toBe(401);

    // The requests were logged, by path only: the token in the address and the cookie are not.
    const logged = logLines.join('\n');
    expect(logged).toContain(`${dashboard}/queue/${QUEUES.dueTimes}`);
    expect(logged).not.toContain(city.tokens.admin.split('.')[2]);
  });

  it("refuses a disabled administrator's token at once, by header and by cookie", async () => {
    const created = await t.http().post(`${api}/users`).set(bearer(city.tokens.admin)).send({ username: 'admin2', displayName: '管理者 二', roles: ['admin'], password: PASSWORD });
    expect(created.status).toBe(201);
    const token = await login(t, city.code, 'admin2');
    expect((await t.http().get(queuesJson).set(bearer(token))).status).toBe(200);
    const opened = await t.http().get(`${dashboard}?token=${token}`);
    expect(opened.status).toBe(303);
    const session = dashboardCookie(opened.headers['set-cookie'])!.split(';')[0];
    expect((await t.http().get(queuesJson).set('Cookie', session)).status).toBe(200);

    expect((await t.http().patch(`${api}/users/${created.body.id}`).set(bearer(city.tokens.admin)).send({ disabled: true })).status).toBe(200);

    const byHeader = await t.http().get(queuesJson).set(bearer(token));
    expect(byHeader.status).toBe(401);
    expect(JSON.stringify(byHeader.body)).not.toMatch(/due-times/);
    const byCookie = await t.http().get(queuesJson).set('Cookie', session);
    expect(byCookie.status).toBe(401);
    // The dead session is cleared in the browser.
    expect(dashboardCookie(byCookie.headers['set-cookie'])).toMatch(new RegExp(`^${COOKIE}=; .*Max-Age=0`));
    expect((await t.http().get(`${dashboard}?token=${token}`)).status).toBe(401);
    // The other administrator is unaffected.
    expect((await t.http().get(queuesJson).set(bearer(city.tokens.admin))).status).toBe(200);
  });
});
