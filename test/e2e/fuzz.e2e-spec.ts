import { JwtService } from '@nestjs/jwt';
import type { AddressInfo } from 'node:net';
import * as fc from 'fast-check';
import { bearer, PASSWORD, startTestApp, TestApp } from '../utils/app';
import { buildCity, City } from '../utils/city';
import { describeRequest, FuzzContext, FuzzRequest, headerSafe, POLLUTION_MARK, requestArb } from '../utils/fuzz/arbitraries';
import { Checksum, DatabaseState } from '../utils/fuzz/db-state';
import { FuzzClient, FuzzResponse } from '../utils/fuzz/http';
import { OpenApiDocument, Operation, operationsOf } from '../utils/fuzz/openapi';

/**
 * Bad input at every operation of the OpenAPI document, generated with fast-check from a
 * fixed seed: wrong types, huge strings, deep nesting, Unicode corners, prototype-pollution
 * keys, malformed JSON, wrong content types, odd query strings, path ids and tokens. Every
 * answer must be below 500; every 4xx an application/problem+json problem; and a rejected
 * request must leave every table as it was. New routes are fuzzed as soon as the document
 * lists them. FUZZ_SEED and FUZZ_RUNS (runs per operation) change the defaults. A 5xx is
 * reported with the request that caused it and the error the api logged for it.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20260708);
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 30);
/** e.g. FUZZ_GROUPS=cases,users to fuzz some route groups only, when chasing a failure */
const ONLY_GROUPS = process.env.FUZZ_GROUPS ? process.env.FUZZ_GROUPS.split(',') : undefined;
const api = '/api/v1';

interface Failure {
  op: string;
  problem: string;
  request: string;
}

function hash(text: string): number {
  let h = 0;
  for (const ch of text) h = (Math.imul(h, 31) + ch.codePointAt(0)!) | 0;
  return h;
}

function isProblem(res: FuzzResponse): boolean {
  const body = res.body as Record<string, unknown> | undefined;
  return (
    /^application\/problem\+json(;|$)/.test(String(res.headers['content-type'] ?? '')) &&
    !!body &&
    typeof body === 'object' &&
    body.status === res.status &&
    typeof body.type === 'string' &&
    typeof body.title === 'string' &&
    typeof body.detail === 'string' &&
    typeof body.code === 'string'
  );
}

describe('fuzz: generated bad input at every operation of the OpenAPI document', () => {
  let t: TestApp;
  let city: City;
  let operations: Operation[];
  let ctx: FuzzContext;
  let state: DatabaseState;
  let client: FuzzClient;
  const errorLog: string[] = [];
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'error' }, { logStream: { write: (line: string) => void errorLog.push(line) } });
    city = await buildCity(t);
    const desk = bearer(city.tokens.desk);

    // Rows to aim at, so that some requests get past "not found" into the rules behind it.
    const created = await t.http().post(`${api}/cases`).set(desk).send({ channel: 'walk_in', summary: 'ファズ試験', household: { members: [{ name: '試験 花子', isPrimary: true, consent: { status: 'obtained' } }] } });
    expect(created.status).toBe(201);
    const caseId = created.body.id as string;
    const referral = await t.http().post(`${api}/cases/${caseId}/referrals`).set(desk).send({ toAgencyId: city.agencies.houkatsu, kind: 'collaboration', reason: '試験', basis: 'consent' });
    expect(referral.status).toBe(201);
    const task = await t.http().post(`${api}/cases/${caseId}/tasks`).set(desk).send({ kind: 'custom', title: '確認', dueAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(task.status).toBe(201);
    await t.http().post(`${api}/cases/${caseId}/conferences`).set(desk).send({ type: 'support_meeting', heldAt: new Date(Date.now() - 3_600_000).toISOString(), participantAgencyIds: [city.agencies.desk, city.agencies.csw], summary: '会議' });
    await t.http().post(`${api}/resources`).set(bearer(city.tokens.csw)).send({ name: '試験サロン', kind: 'salon', public: true });
    // The one user whose id is fair game: changing the others' passwords would revoke the tokens in use.
    const victim = await t.http().post(`${api}/users`).set(bearer(city.tokens.admin)).send({ username: 'fuzz-target', displayName: '試験 対象', agencyId: city.agencies.desk, roles: ['desk_staff'], password: PASSWORD });
    expect(victim.status).toBe(201);

    const tables = await t.sql<{ table_name: string }>(`SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'id' AND data_type = 'uuid' AND table_name NOT IN ('users', 'audit_events') AND table_name NOT LIKE 'audit_events_%'`);
    const ids = (await t.sql<{ id: string }>(tables.map((x) => `SELECT id::text FROM "${x.table_name}"`).join(' UNION ALL '))).map((r) => r.id);

    const doc = (await t.http().get('/api/docs-json').expect(200)).body as OpenApiDocument;
    operations = operationsOf(doc);

    const jwt = new JwtService();
    const claims = { sub: city.users.desk, mun: city.municipalityId, ver: 1 };
    const foreign = await jwt.signAsync(claims, { secret: 'another-secret-that-is-long-enough-for-hs256-000', algorithm: 'HS256' });
    const expired = await jwt.signAsync({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, { secret: t.config.jwtSecret, algorithm: 'HS256' });
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const roles = Object.entries(city.tokens).map(([label, token]) => ({ label, header: `Bearer ${token}`, weight: 4 }));
    const broken = [
      { label: 'no token', header: undefined },
      { label: 'empty bearer', header: 'Bearer ' },
      { label: 'nonsense', header: 'Bearer nonsense' },
      { label: 'tampered signature', header: `Bearer ${city.tokens.desk.slice(0, -2)}xx` },
      { label: 'lower-case scheme', header: `bearer ${city.tokens.desk}` },
      { label: 'basic', header: `Basic ${Buffer.from('desk:' + PASSWORD).toString('base64')}` },
      { label: 'alg none', header: `Bearer ${none}` },
      { label: 'foreign secret', header: `Bearer ${foreign}` },
      { label: 'expired', header: `Bearer ${expired}` },
      { label: 'token-shaped', header: 'Bearer a.b.c' },
      { label: 'oversized', header: `Bearer ${'A'.repeat(5000)}.a.b` },
      { label: 'two tokens', header: `Bearer ${city.tokens.desk} ${city.tokens.admin}` },
      { label: 'mojibake', header: headerSafe('Bearer 山田\u202E') },
    ].map((a) => ({ ...a, weight: 1 }));
    ctx = { doc, ids, auths: [...roles, ...broken] };

    state = new DatabaseState(t);
    await state.init();
    await t.app.listen(0, '127.0.0.1');
    client = new FuzzClient('127.0.0.1', (t.app.getHttpServer().address() as AddressInfo).port);
  });

  afterAll(async () => {
    client?.close();
    await t?.close();
  });

  it('finds the operations in the document', () => {
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter((op) => op.body).length).toBeGreaterThan(20);
    expect(operations.some((op) => op.pathParams.length > 0 && op.query.length > 0)).toBe(true);
  });

  it('notices a changed row: the cheap probe moves and the checksum names the table', async () => {
    const before = await state.checksum();
    const xid = await state.nextXid();
    await t.sql(`UPDATE agencies SET name = name || '!' WHERE id = $1`, [city.agencies.csw]);
    expect(await state.nextXid()).not.toBe(xid);
    expect(DatabaseState.diff(before, await state.checksum())).toEqual(['agencies']);
    await t.sql(`UPDATE agencies SET name = left(name, -1) WHERE id = $1`, [city.agencies.csw]);
    expect(DatabaseState.diff(before, await state.checksum())).toEqual([]);
  });

  it('never answers 5xx, answers every 4xx with problem+json, and a rejected request writes nothing', async () => {
    const failures: Failure[] = [];
    const statuses = new Map<number, number>();
    const perOperation = new Map<string, number>();
    let requests = 0;
    let serverErrors = 0;
    let databaseChecks = 0;
    let baseline: Checksum = await state.checksum();
    let lastXid = await state.nextXid();

    const probe = async (r: FuzzRequest): Promise<void> => {
      requests++;
      perOperation.set(r.op.key, (perOperation.get(r.op.key) ?? 0) + 1);
      let res: FuzzResponse;
      try {
        res = await client.send(r);
      } catch (error) {
        failures.push({ op: r.op.key, problem: `no answer: ${(error as Error).message}`, request: describeRequest(r) });
        return;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) {
        serverErrors++;
        const requestId = String((res.body as { requestId?: string } | undefined)?.requestId ?? '');
        const logged = errorLog.find((line) => requestId && line.includes(requestId)) ?? '(nothing logged)';
        failures.push({ op: r.op.key, problem: `${res.status}; the api logged: ${logged.slice(0, 600)}`, request: describeRequest(r) });
      } else if (res.status >= 400 && !isProblem(res)) {
        failures.push({ op: r.op.key, problem: `${res.status} not problem+json: ${res.headers['content-type']} ${res.text.slice(0, 200)}`, request: describeRequest(r) });
      }
      const xid = await state.nextXid();
      if (xid === lastXid) return;
      databaseChecks++;
      const now = await state.checksum();
      if (res.status >= 400) {
        const changed = DatabaseState.diff(baseline, now);
        if (changed.length) failures.push({ op: r.op.key, problem: `${res.status} yet changed ${changed.join(', ')}`, request: describeRequest(r) });
      }
      baseline = now;
      lastXid = xid;
    };

    const groups = new Map<string, Operation[]>();
    for (const op of operations) if (!ONLY_GROUPS || ONLY_GROUPS.includes(op.group)) groups.set(op.group, [...(groups.get(op.group) ?? []), op]);
    const started = Date.now();
    for (const [group, ops] of groups) {
      const seed = (SEED + hash(group)) | 0;
      const numRuns = RUNS_PER_OPERATION * ops.length;
      const arbitrary = fc.oneof(...ops.map((op) => requestArb(ctx, op)));
      await fc.assert(
        fc.asyncProperty(arbitrary, async (r) => {
          await probe(r);
        }),
        { seed, numRuns },
      );
    }

    const histogram = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    process.stdout.write(
      `fuzz: seed ${SEED}, ${RUNS_PER_OPERATION} runs per operation, ${groups.size} groups, ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
        `fuzz: statuses ${histogram}; ${databaseChecks} requests wrote or locked something and had every table compared\n` +
        `fuzz: ${requests} requests over ${operations.length} operations, ${serverErrors} server errors\n`,
    );
    const seen = new Set<string>();
    const report = failures.filter((f) => {
      const key = `${f.op} ${f.problem.split(/[;:]/)[0]}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (report.length) process.stdout.write(`fuzz: ${failures.length} failures, distinct:\n${report.map((f) => `  ${f.op}: ${f.problem}\n    ${f.request}`).join('\n')}\n`);
    expect(report).toEqual([]);
    expect(serverErrors).toBe(0);
    if (ONLY_GROUPS) return;
    expect(requests).toBeGreaterThanOrEqual(operations.length * RUNS_PER_OPERATION);
    for (const op of operations) expect({ op: op.key, fuzzed: (perOperation.get(op.key) ?? 0) > 0 }).toEqual({ op: op.key, fuzzed: true });
    // Some requests must get past authentication and validation, or the fuzzing proves little.
    expect((statuses.get(200) ?? 0) + (statuses.get(201) ?? 0)).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(requests / 10);
  }, 600_000);

  it('leaves no prototype polluted in the process that served the requests', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>)[POLLUTION_MARK]).toBeUndefined();
  });
});
