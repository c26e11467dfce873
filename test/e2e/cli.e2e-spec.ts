import { main } from '../../apps/cli/src/main';
import { DEMO_CODE, DEMO_PASSWORD } from '../../apps/cli/src/seed/demo-seeder';
import { login, startTestApp, TestApp } from '../utils/app';

describe('cli: provisioning, the demo seed and audit verification', () => {
  let t: TestApp;
  const saved = { ...process.env };
  let out: string[];
  let writeSpy: jest.SpyInstance;

  beforeAll(async () => {
    t = await startTestApp();
    Object.assign(process.env, { DATABASE_URL: t.config.databaseUrl, REDIS_URL: t.config.redisUrl, LOG_LEVEL: 'silent', PASSWORD_HASH_MEMORY_KIB: '4096' });
  });
  beforeEach(() => {
    out = [];
    writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
  });
  afterEach(() => writeSpy.mockRestore());
  afterAll(async () => {
    process.env = saved;
    await t?.close();
  });

  it('migrate reports an up-to-date database', async () => {
    expect(await main(['migrate'])).toBe(0);
    expect(out.join('')).toContain('database is up to date');
  });

  it('municipality:create makes a tenant whose administrator can log in, with the password from ADMIN_PASSWORD', async () => {
    process.env.ADMIN_PASSWORD = 'first-admin-password';
    expect(await main(['municipality:create', '--code', 'tokorozawa', '--name', '所沢市', '--admin-username', 'root-admin'])).toBe(0);
    expect(out.join('')).toContain('created municipality tokorozawa');
    expect(out.join('')).not.toContain('first-admin-password');
    const token = await login(t, 'tokorozawa', 'root-admin', 'first-admin-password');
    const me = await t.http().get('/api/v1/me').set('Authorization', `Bearer ${token}`);
    expect(me.body).toEqual(expect.objectContaining({ roles: ['admin'], municipality: expect.objectContaining({ code: 'tokorozawa', name: '所沢市' }) }));
    await expect(main(['municipality:create', '--code', 'tokorozawa', '--name', 'x', '--admin-username', 'y'])).rejects.toThrow(/exists/);
    await expect(main(['municipality:create', '--code', 'x'])).rejects.toThrow(/needs --code, --name and --admin-username/);
    delete process.env.ADMIN_PASSWORD;
    await expect(main(['municipality:create', '--code', 'kounosu', '--name', '鴻巣市', '--admin-username', 'a'])).rejects.toThrow(/ADMIN_PASSWORD/);
  });

  it('seed:demo creates みどり市 once, with its agencies and one user per role', async () => {
    expect(await main(['seed:demo'])).toBe(0);
    expect(out.join('')).toContain('demo municipality created');
    const agencies = await t.sql(`SELECT a.kind, count(*)::int AS n FROM agencies a JOIN municipalities m ON m.id = a.municipality_id WHERE m.code = $1 GROUP BY a.kind`, [DEMO_CODE]);
    const byKind = Object.fromEntries(agencies.map((a) => [a.kind, a.n]));
    expect(byKind).toEqual(expect.objectContaining({ consultation_desk: 1, community_support_centre: 3, disability_support_centre: 1, child_support_centre: 1, social_welfare_council: 1, lifestyle_support: 2, self_reliance_support: 1, city_department: 3, volunteer_council: 1 }));
    for (const username of ['admin', 'desk', 'desk-super', 'csw', 'coordinator', 'houkatsu', 'auditor', 'minsei']) {
      await expect(login(t, DEMO_CODE, username, DEMO_PASSWORD)).resolves.toEqual(expect.any(String));
    }
    const cases = await t.sql(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE restricted)::int AS restricted, count(*) FILTER (WHERE channel = 'volunteer_report')::int AS volunteer,
              count(*) FILTER (WHERE 'eighty_fifty' = ANY(concerns))::int AS eighty_fifty
       FROM cases c JOIN municipalities m ON m.id = c.municipality_id WHERE m.code = $1`,
      [DEMO_CODE],
    );
    expect(cases[0]).toEqual({ total: 6, restricted: 1, volunteer: 1, eighty_fifty: 1 });
    const referrals = await t.sql(`SELECT r.status, count(*)::int AS n FROM referrals r JOIN municipalities m ON m.id = r.municipality_id WHERE m.code = $1 GROUP BY r.status`, [DEMO_CODE]);
    expect(Object.fromEntries(referrals.map((r) => [r.status, r.n]))).toEqual({ accepted: 2, pending: 3 });
    // The 8050 household's plan: version 2 active (approved at a 重層的支援会議), version 1 superseded.
    const plans = await t.sql(
      `SELECT p.version, p.status, f.type AS approved_at FROM plans p JOIN municipalities m ON m.id = p.municipality_id
       JOIN conferences f ON f.municipality_id = p.municipality_id AND f.id = p.conference_id WHERE m.code = $1 ORDER BY p.version`,
      [DEMO_CODE],
    );
    expect(plans).toEqual([
      { version: 1, status: 'superseded', approved_at: 'multi_agency_meeting' },
      { version: 2, status: 'active', approved_at: 'multi_agency_meeting' },
    ]);
    out = [];
    expect(await main(['seed:demo'])).toBe(0);
    expect(out.join('')).toContain('already exists; nothing changed');
    expect((await t.sql(`SELECT count(*)::int AS n FROM cases c JOIN municipalities m ON m.id = c.municipality_id WHERE m.code = $1`, [DEMO_CODE]))[0].n).toBe(6);
    expect((await t.sql(`SELECT count(*)::int AS n FROM municipalities WHERE code = $1`, [DEMO_CODE]))[0].n).toBe(1);
  });

  it('audit:verify exits 0 on an intact trail and 1 when the append-only guard is gone', async () => {
    expect(await main(['audit:verify'])).toBe(0);
    const result = JSON.parse(out.join('').trim());
    expect(result).toEqual(expect.objectContaining({ valid: true, firstInvalidEventId: null }));
    expect(result.eventsChecked).toBeGreaterThan(10);
    out = [];
    expect(await main(['audit:verify', '--municipality', DEMO_CODE])).toBe(0);
    expect(JSON.parse(out.join('').trim()).eventsChecked).toBeLessThan(result.eventsChecked);
    await t.sql(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`);
    out = [];
    try {
      expect(await main(['audit:verify'])).toBe(1);
      expect(JSON.parse(out.join('').trim()).valid).toBe(false);
    } finally {
      await t.sql(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update`);
    }
  });

  it('refuses an unknown command with its usage', async () => {
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['frobnicate'])).toBe(2);
    } finally {
      err.mockRestore();
    }
  });
});
