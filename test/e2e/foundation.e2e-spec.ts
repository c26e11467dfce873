import { JwtService } from '@nestjs/jwt';
import { bearer, createTenant, login, PASSWORD, startTestApp, Tenant, TestApp } from '../utils/app';

const api = '/api/v1';

describe('foundation: tenants, staff, login and the request pipeline', () => {
  let t: TestApp;
  let a: Tenant;
  let b: Tenant;
  let deskAgencyId: string;
  let deskToken: string;

  beforeAll(async () => {
    t = await startTestApp();
    a = await createTenant(t);
    b = await createTenant(t);
    const agency = await t.http().post(`${api}/agencies`).set(bearer(a.adminToken)).send({ code: 'desk', name: '福祉の相談窓口', kind: 'consultation_desk' });
    expect(agency.status).toBe(201);
    deskAgencyId = agency.body.id;
    const user = await t.http().post(`${api}/users`).set(bearer(a.adminToken)).send({ username: 'desk1', displayName: '窓口 一郎', agencyId: deskAgencyId, roles: ['desk_staff'], password: PASSWORD });
    expect(user.status).toBe(201);
    deskToken = await login(t, a.code, 'desk1');
  });

  afterAll(async () => t?.close());

  describe('health', () => {
    it('answers live and ready without a token, outside /api/v1', async () => {
      expect((await t.http().get('/health/live')).status).toBe(200);
      const ready = await t.http().get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.info).toEqual(expect.objectContaining({ database: { status: 'up' }, redis: { status: 'up' } }));
    });
  });

  describe('login', () => {
    it('issues a bearer token and /me describes the user, agency and municipality', async () => {
      const res = await t.http().post(`${api}/auth/login`).send({ municipality: a.code, username: 'desk1', password: PASSWORD });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining({ tokenType: 'Bearer', expiresIn: 1800, accessToken: expect.any(String) }));
      expect(JSON.stringify(res.body)).not.toMatch(/password|argon2/i);
      const me = await t.http().get(`${api}/me`).set(bearer(res.body.accessToken));
      expect(me.status).toBe(200);
      expect(me.body).toEqual(expect.objectContaining({ username: 'desk1', roles: ['desk_staff'], agency: expect.objectContaining({ id: deskAgencyId, kind: 'consultation_desk' }), municipality: expect.objectContaining({ id: a.municipalityId, code: a.code }) }));
    });

    it('gives the same 401 for a wrong password, an unknown user and an unknown municipality', async () => {
      const answers = await Promise.all([
        t.http().post(`${api}/auth/login`).send({ municipality: a.code, username: 'desk1', password: 'wrong-password-1' }),
        t.http().post(`${api}/auth/login`).send({ municipality: a.code, username: 'nobody', password: 'wrong-password-1' }),
        t.http().post(`${api}/auth/login`).send({ municipality: 'no-such-city', username: 'desk1', password: 'wrong-password-1' }),
      ]);
      for (const res of answers) {
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body).toEqual(expect.objectContaining({ status: 401, code: 'INVALID_CREDENTIALS', detail: answers[0].body.detail }));
      }
    });

    it('limits failed attempts per account, not per address', async () => {
      await t.http().post(`${api}/users`).set(bearer(a.adminToken)).send({ username: 'target', displayName: '標的', agencyId: deskAgencyId, roles: ['desk_staff'], password: PASSWORD }).expect(201);
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        statuses.push((await t.http().post(`${api}/auth/login`).send({ municipality: a.code, username: 'target', password: `wrong-${i}-xxxxx` })).status);
      }
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses[10]).toBe(429);
      // Even the right password is refused while the account is locked …
      expect((await t.http().post(`${api}/auth/login`).send({ municipality: a.code, username: 'target', password: PASSWORD })).status).toBe(429);
      // … but colleagues behind the same address still log in.
      expect((await t.http().post(`${api}/auth/login`).send({ municipality: a.code, username: 'desk1', password: PASSWORD })).status).toBe(200);
    });

    it('records logins and failures in the audit trail', async () => {
      const rows = await t.sql(`SELECT action, detail FROM audit_events WHERE municipality_id = $1 AND action LIKE 'auth.%'`, [a.municipalityId]);
      expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['auth.login', 'auth.login_failed']));
      expect(JSON.stringify(rows)).not.toContain('wrong-password');
    });
  });

  describe('tokens', () => {
    it('refuses a missing, malformed, foreign-signed, expired or alg-none token with 401 problem+json', async () => {
      const jwt = new JwtService();
      const payload = { sub: '00000000-0000-7000-8000-000000000000', mun: a.municipalityId, ver: 1 };
      const foreign = await jwt.signAsync(payload, { secret: 'another-secret-that-is-long-enough-000000000', algorithm: 'HS256' });
      const expired = await jwt.signAsync({ ...payload, exp: Math.floor(Date.now() / 1000) - 10 }, { secret: t.config.jwtSecret, algorithm: 'HS256' });
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
      for (const header of [undefined, 'Bearer nonsense', `Bearer ${foreign}`, `Bearer ${expired}`, `Bearer ${none}`, `Basic ${foreign}`]) {
        const req = t.http().get(`${api}/me`);
        if (header) req.set('Authorization', header);
        const res = await req;
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('UNAUTHENTICATED');
      }
    });

    it('stops a disabled user at once, tokens included, with the wrong-credentials answer at login', async () => {
      const created = await t.http().post(`${api}/users`).set(bearer(a.adminToken)).send({ username: 'leaver', displayName: '退職 者', agencyId: deskAgencyId, roles: ['desk_staff'], password: PASSWORD });
      const token = await login(t, a.code, 'leaver');
      expect((await t.http().get(`${api}/me`).set(bearer(token))).status).toBe(200);
      const patched = await t.http().patch(`${api}/users/${created.body.id}`).set(bearer(a.adminToken)).send({ disabled: true });
      expect(patched.status).toBe(200);
      expect(patched.body.disabled).toBe(true);
      expect((await t.http().get(`${api}/me`).set(bearer(token))).status).toBe(401);
      const relogin = await t.http().post(`${api}/auth/login`).send({ municipality: a.code, username: 'leaver', password: PASSWORD });
      expect(relogin.status).toBe(401);
      expect(relogin.body.code).toBe('INVALID_CREDENTIALS');
    });
  });

  describe('agencies and users', () => {
    it('lets only administrators create agencies and lists them for staff, paginated', async () => {
      expect((await t.http().post(`${api}/agencies`).set(bearer(deskToken)).send({ code: 'x', name: 'x', kind: 'other' })).status).toBe(403);
      for (const code of ['houkatsu-1', 'houkatsu-2', 'houkatsu-3']) {
        await t.http().post(`${api}/agencies`).set(bearer(a.adminToken)).send({ code, name: `地域包括支援センター ${code}`, kind: 'community_support_centre', area: '北部' }).expect(201);
      }
      const first = await t.http().get(`${api}/agencies?kind=community_support_centre&limit=2`).set(bearer(deskToken));
      expect(first.status).toBe(200);
      expect(first.body.items.map((x: { code: string }) => x.code)).toEqual(['houkatsu-1', 'houkatsu-2']);
      const second = await t.http().get(`${api}/agencies?kind=community_support_centre&limit=2&cursor=${first.body.nextCursor}`).set(bearer(deskToken));
      expect(second.body).toEqual({ items: [expect.objectContaining({ code: 'houkatsu-3' })], nextCursor: null });
    });

    it('refuses a duplicate agency code with 409 and changes nothing', async () => {
      const res = await t.http().post(`${api}/agencies`).set(bearer(a.adminToken)).send({ code: 'desk', name: '二つ目', kind: 'consultation_desk' });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('AGENCY_CODE_TAKEN');
      const rows = await t.sql(`SELECT count(*)::int AS n FROM agencies WHERE municipality_id = $1 AND code = 'desk'`, [a.municipalityId]);
      expect(rows[0].n).toBe(1);
    });

    it('requires an agency for staff roles and never returns a password', async () => {
      const noAgency = await t.http().post(`${api}/users`).set(bearer(a.adminToken)).send({ username: 'csw1', displayName: 'CSW', roles: ['csw'], password: PASSWORD });
      expect(noAgency.status).toBe(422);
      expect(noAgency.body.errors).toEqual([expect.objectContaining({ field: 'agencyId' })]);
      const auditor = await t.http().post(`${api}/users`).set(bearer(a.adminToken)).send({ username: 'auditor1', displayName: '監査', roles: ['auditor'], password: PASSWORD });
      expect(auditor.status).toBe(201);
      const list = await t.http().get(`${api}/users?limit=200`).set(bearer(a.adminToken));
      expect(list.status).toBe(200);
      expect(list.body.items.length).toBeGreaterThanOrEqual(3);
      expect(JSON.stringify(list.body)).not.toMatch(/password|argon2/i);
      expect((await t.http().get(`${api}/users`).set(bearer(deskToken))).status).toBe(403);
    });

    it('never shows or accepts another municipality’s rows', async () => {
      const foreign = await t.http().post(`${api}/agencies`).set(bearer(b.adminToken)).send({ code: 'b-desk', name: '他市の窓口', kind: 'consultation_desk' });
      expect(foreign.status).toBe(201);
      expect((await t.http().get(`${api}/agencies/${foreign.body.id}`).set(bearer(deskToken))).status).toBe(404);
      const list = await t.http().get(`${api}/agencies?limit=200`).set(bearer(a.adminToken));
      expect(list.body.items.map((x: { id: string }) => x.id)).not.toContain(foreign.body.id);
      const user = await t.http().post(`${api}/users`).set(bearer(a.adminToken)).send({ username: 'sneaky', displayName: 'x', agencyId: foreign.body.id, roles: ['desk_staff'], password: PASSWORD });
      expect(user.status).toBe(422);
      const settings = await t.http().patch(`${api}/municipality/settings`).set(bearer(a.adminToken)).send({ intakeAgencyId: foreign.body.id });
      expect(settings.status).toBe(422);
    });
  });

  describe('row-level security', () => {
    it('shows nothing to the application role without a municipality, and only its own with one', async () => {
      const rows = await t.sql(`
        SELECT (SELECT count(*) FROM agencies)::int AS superuser_sees,
               (SELECT count(DISTINCT municipality_id) FROM agencies)::int AS tenants`);
      expect(rows[0].tenants).toBe(2);
      const client = t.sql.bind(t);
      await client('BEGIN');
      await client('SET LOCAL ROLE tsunagi_app');
      const none = await client('SELECT count(*)::int AS n FROM agencies');
      await client(`SELECT set_config('app.municipality_id', $1, true)`, [a.municipalityId]);
      const own = await client('SELECT count(DISTINCT municipality_id)::int AS tenants, count(*)::int AS n FROM agencies');
      await client('ROLLBACK');
      expect(none[0].n).toBe(0);
      expect(own[0].tenants).toBe(1);
      expect(own[0].n).toBeGreaterThan(0);
    });

    it('refuses, at the database, a row pointing at another municipality’s agency', async () => {
      const [foreign] = await t.sql(`SELECT id FROM agencies WHERE municipality_id = $1 LIMIT 1`, [b.municipalityId]);
      const attempt = t.sql(
        `INSERT INTO users (municipality_id, id, username, display_name, agency_id, roles, password_hash) VALUES ($1, gen_random_uuid(), 'fk-test', 'x', $2, '{desk_staff}', 'x')`,
        [a.municipalityId, foreign.id],
      );
      await expect(attempt).rejects.toThrow(/foreign key/);
    });
  });

  describe('settings', () => {
    it('lets administrators change settings and validates them', async () => {
      const ok = await t.http().patch(`${api}/municipality/settings`).set(bearer(a.adminToken)).send({ intakeAgencyId: deskAgencyId, closingTime: '17:00', extraHolidays: ['2026-08-14'], districts: [{ code: 'kita', name: '北部' }] });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual(expect.objectContaining({ intakeAgencyId: deskAgencyId, closingTime: '17:00', openingTime: '08:30', referralResponseBusinessDays: 3, extraHolidays: ['2026-08-14'] }));
      const read = await t.http().get(`${api}/municipality/settings`).set(bearer(deskToken));
      expect(read.body.closingTime).toBe('17:00');
      const bad = await t.http().patch(`${api}/municipality/settings`).set(bearer(a.adminToken)).send({ closingTime: '25:00', extraHolidays: ['2026-02-30'] });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('closingTime');
      const badDate = await t.http().patch(`${api}/municipality/settings`).set(bearer(a.adminToken)).send({ extraHolidays: ['2026-02-30'] });
      expect(badDate.status).toBe(400);
      const inverted = await t.http().patch(`${api}/municipality/settings`).set(bearer(a.adminToken)).send({ openingTime: '18:00' });
      expect(inverted.status).toBe(422);
      expect((await t.http().patch(`${api}/municipality/settings`).set(bearer(deskToken)).send({ closingTime: '16:00' })).status).toBe(403);
      expect((await t.http().get(`${api}/municipality/settings`).set(bearer(deskToken))).body.closingTime).toBe('17:00');
      const audit = await t.sql(`SELECT changed_fields FROM audit_events WHERE municipality_id = $1 AND action = 'municipality.settings_updated'`, [a.municipalityId]);
      expect(audit).toHaveLength(1);
      expect(audit[0].changed_fields.sort()).toEqual(['closingTime', 'districts', 'extraHolidays', 'intakeAgencyId']);
    });
  });

  describe('bad input', () => {
    it('answers malformed JSON, unknown fields, wrong types, oversized bodies and unknown routes with problem+json', async () => {
      const malformed = await t.http().post(`${api}/agencies`).set(bearer(a.adminToken)).set('Content-Type', 'application/json').send('{"code": ');
      expect(malformed.status).toBe(400);
      expect(malformed.headers['content-type']).toMatch(/application\/problem\+json/);
      const unknown = await t.http().post(`${api}/agencies`).set(bearer(a.adminToken)).send({ code: 'ok-code', name: 'x', kind: 'other', secret: 1 });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors).toEqual(expect.arrayContaining([{ field: 'secret', message: 'unknown field' }]));
      const wrongType = await t.http().post(`${api}/agencies`).set(bearer(a.adminToken)).send({ code: 5, name: ['x'], kind: 'castle' });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(expect.arrayContaining(['code', 'kind', 'name']));
      const proto = await t.http().post(`${api}/agencies`).set(bearer(a.adminToken)).set('Content-Type', 'application/json').send('{"code":"p1","name":"x","kind":"other","__proto__":{"admin":true}}');
      expect(proto.status).toBe(400);
      const huge = await t.http().post(`${api}/agencies`).set(bearer(a.adminToken)).send({ code: 'big', name: 'x'.repeat(2 * 1024 * 1024), kind: 'other' });
      expect(huge.status).toBe(413);
      expect(huge.body.code).toBe('BODY_TOO_LARGE');
      const notFound = await t.http().get(`${api}/no-such-route`).set(bearer(a.adminToken));
      expect(notFound.status).toBe(404);
      expect(notFound.body.type).toMatch(/^urn:tsunagi:problem:/);
      const badId = await t.http().get(`${api}/agencies/not-a-uuid`).set(bearer(a.adminToken));
      expect(badId.status).toBe(400);
      const rows = await t.sql(`SELECT count(*)::int AS n FROM agencies WHERE code IN ('ok-code', 'p1', 'big')`);
      expect(rows[0].n).toBe(0);
    });

    it('puts a request id on every response, and keeps a safe one the caller sent', async () => {
      const res = await t.http().get('/health/live').set('X-Request-Id', 'abc-123');
      expect(res.headers['x-request-id']).toBe('abc-123');
      const generated = await t.http().get(`${api}/me`);
      expect(generated.body.requestId).toBe(generated.headers['x-request-id']);
      expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('vocabularies and OpenAPI', () => {
    it('lists every code list with Japanese and English labels', async () => {
      const res = await t.http().get(`${api}/meta/vocabularies`).set(bearer(deskToken));
      expect(res.status).toBe(200);
      expect(res.body.channels).toEqual(expect.arrayContaining([{ code: 'walk_in', ja: expect.any(String), en: expect.any(String) }]));
      expect(res.body.concerns.map((c: { code: string }) => c.code)).toEqual(expect.arrayContaining(['eighty_fifty', 'hoarding', 'hikikomori']));
      expect(Object.keys(res.body)).toEqual(expect.arrayContaining(['roles', 'agencyKinds', 'caseStatuses', 'closureReasons', 'taskKinds', 'resourceKinds']));
    });

    it('serves the OpenAPI document and Swagger UI with its own content policy', async () => {
      const doc = await t.http().get('/api/docs-json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/auth/login', '/api/v1/agencies', '/api/v1/users', '/api/v1/municipality/settings', '/health/ready']));
      expect(doc.body.paths['/api/v1/auth/login'].post.security).toEqual([]);
      const ui = await t.http().get('/api/docs/');
      expect([200, 301, 302]).toContain(ui.status);
      expect(ui.headers['content-security-policy']).toContain("'unsafe-inline'");
      const api_ = await t.http().get(`${api}/me`);
      expect(api_.headers['content-security-policy']).toContain("default-src 'none'");
    });
  });
});
