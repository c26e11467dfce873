import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SMTPServer } from 'smtp-server';
import { createWorkerApp } from '../../apps/worker/src/bootstrap';
import { freePort } from '@tsunagi/embedded';
import { bearer, login, PASSWORD, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';

const api = '/api/v1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('e-mailed notifications (SMTP, off unless configured)', () => {
  let t: TestApp;
  let city: City;
  let worker: NestFastifyApplication;
  let smtp: SMTPServer;
  const received: Array<{ to: string; raw: string }> = [];

  beforeAll(async () => {
    const port = await freePort();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', resolve));
    t = await startTestApp({ SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_FROM: 'みどり市 tsunagi <tsunagi@city.example.jp>' });
    city = await buildCity(t);
    worker = await createWorkerApp(t.config, { logger: false });
  });
  afterAll(async () => {
    await worker?.close();
    await t?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('e-mails a supervisor who has an address, once, with no case content beyond the case number', async () => {
    const created = await t.http().post(`${api}/users`).set(bearer(city.tokens.admin)).send({ username: 'mail-super', displayName: 'メール 係長', agencyId: city.agencies.houkatsu, roles: ['supervisor'], password: PASSWORD, email: 'kakaricho@city.example.jp' });
    expect(created.status).toBe(201);
    expect(created.body.email).toBe('kakaricho@city.example.jp');
    await login(t, city.code, 'mail-super');
    const kase = await t.http().post(`${api}/cases`).set(bearer(city.tokens.desk)).send({ channel: 'walk_in', summary: '秘密の相談内容', household: { members: [{ name: '通知 太郎', consent: { status: 'obtained' } }] } });
    const ref = await t.http().post(`${api}/cases/${kase.body.id}/referrals`).set(bearer(city.tokens.desk)).send({ toAgencyId: city.agencies.houkatsu, kind: 'transfer', reason: '理由', basis: 'consent' });
    await t.http().post(`${api}/referrals/${ref.body.id}/decline`).set(bearer(city.tokens.houkatsu)).send({ reason: '圏域外' }).expect(200);
    for (let i = 0; i < 100 && !received.some((m) => m.to === 'kakaricho@city.example.jp'); i++) await sleep(100);
    const mails = received.filter((m) => m.to === 'kakaricho@city.example.jp');
    expect(mails).toHaveLength(1);
    const raw = mails[0].raw;
    expect(raw).toMatch(/Subject: /);
    const decoded = Buffer.from(raw).toString('utf8');
    expect(decoded).not.toContain('通知 太郎');
    expect(decoded).not.toContain('秘密の相談内容');
    await sleep(2500);
    expect(received.filter((m) => m.to === 'kakaricho@city.example.jp')).toHaveLength(1);
    const rows = await t.sql(`SELECT emailed_at FROM notifications WHERE recipient_user_id = $1`, [created.body.id]);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.emailed_at !== null)).toBe(true);
    // Users without an address get nothing by mail (their inbox still has it).
    const noAddress = await t.sql(`SELECT count(*)::int AS n FROM notifications n JOIN users u ON u.id = n.recipient_user_id WHERE u.email IS NULL AND n.emailed_at IS NOT NULL`);
    expect(noAddress[0].n).toBe(0);
  });
});
