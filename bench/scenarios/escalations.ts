import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { newId } from '@tsunagi/common/ids';
import { freePort } from '@tsunagi/embedded';
import { JOBS } from '@tsunagi/jobs';
import { bulkLoad, copy, field } from '../bulk-load';
import { DIST, type Cleanup } from '../environment';
import { commandLine, cpuBetween, cpuSnapshot, memoryOf, parentOf, procAvailable, round1, type CpuUse, type CpuWatch } from '../proc';
import { mark, ms, n, row } from '../report';
import type { BenchContext, Goal, Scenario } from '../scenario';

/**
 * Due times at scale (issue 5 "Tests and figures", issue 8): tasks fall due in a burst and
 * the built worker escalates them through the production path — task and `task.due` outbox
 * rows committed together, the worker's relay moving them to BullMQ delayed jobs, the
 * DueTimesProcessor running EscalationsService for each (escalation task, notifications to
 * the agency's supervisors, timeline entry, audit event), the sweep as safety net.
 *
 * (a) the burst: 100,000 tasks (6,000 with --quick) due evenly within one minute (within 3.6 s
 *     with --quick: the same rate, 1,667 a second) — the delay from each task's due time to
 *     its escalation (`escalated_at`, the escalating transaction's start), p50/p99/max;
 * (b) the capacity: as many tasks due at one instant — escalations per second while the
 *     worker drains the backlog.
 * Then exactly once is checked: one escalation task per task, and one notification per
 * supervisor of its agency.
 *
 * The tasks were made earlier in the day, so their morning reminder has been sent (no
 * reminder job in the burst), and they belong to existing cases and to agencies that each
 * have two supervisors.
 */

export const ESCALATION_GOALS = { p99Ms: 2000, perSecond: 2000 };

const PLANS = {
  quick: { burst: 6_000, windowMs: 3_600, backlog: 6_000, caseMembers: 10_000, timeoutMs: 300_000, leadMs: 2_000, leadPerThousandMs: 300 },
  full: { burst: 100_000, windowMs: 60_000, backlog: 100_000, caseMembers: 30_000, timeoutMs: 900_000, leadMs: 5_000, leadPerThousandMs: 1_000 },
};

const TASK_TITLE = '電話で様子確認（期限ベンチ）';
const TICK_MS = 10; // USER_HZ

const AGENCIES = 10;
const SUPERVISORS_PER_AGENCY = 2;
const CODE_PREFIX = 'escbench-';

export interface EscalationBenchOptions {
  /** a migrated database (the login owns the tables: row-level security does not apply to it) */
  dbUrl: string;
  redisUrl: string;
  /** the built tree holding apps/worker/src/main.js */
  dist: string;
  mode: 'quick' | 'full';
  municipalityId: string;
  /** worker processes (1 or 2) and due-time jobs each runs at once */
  workers?: number;
  concurrency?: number;
  /** the worker's database pool */
  poolSize?: number;
  /** the rest of the worker's environment (AUTH_JWT_SECRET, QUEUE_PREFIX, …) */
  env?: Record<string, string>;
  /** node options for the workers (e.g. the CPU profiler's) */
  nodeArgs?: string[];
  log: (line: string) => void;
  cleanup?: Cleanup;
}

export interface Delays {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  minMs: number;
}

export interface PhaseResult {
  tasks: number;
  /** seconds from the commit of the tasks to the first due time, and when the relay had moved every outbox row */
  leadSeconds: number;
  relayedAfterSeconds: number | null;
  relayRowsPerSecond: number | null;
  /** seconds between the first due time and the last escalation */
  seconds: number;
  escalated: number;
  escalationsPerSecond: number;
  /** the busiest whole second of escalations */
  peakPerSecond: number;
  delays: Delays;
  /** `databasePct`: the PostgreSQL backends serving the workers (their connections to this database) */
  cpu: CpuUse & { workersPct: number; databasePct: number };
  /** escalating transactions (tasks escalated together share their transaction's `escalated_at`) and tasks per transaction */
  transactions: number;
  meanBatch: number;
  /** CPU ms per escalation: the machine's load changes the rates, these much less */
  msPerEscalation: { workers: number; database: number; redis: number };
  /** not every task was escalated before the phase's time limit */
  timedOut: boolean;
}

export interface EscalationResult {
  mode: 'quick' | 'full';
  workers: number;
  concurrency: number;
  poolSize: number;
  cases: number;
  agencies: number;
  supervisorsPerAgency: number;
  workerStartSeconds: number;
  burst: PhaseResult & { windowSeconds: number; arrivalPerSecond: number };
  backlog: PhaseResult;
  /** `ok`: no task escalated twice, and each escalation notified its supervisors once (tasks not escalated by the end are counted apart) */
  exactlyOnce: { tasks: number; escalationTasks: number; notEscalated: number; duplicateEscalations: number; notifications: number; expectedNotifications: number; ok: boolean };
  workerPeakRssMiB: number[];
  loadAverage: { start: number[]; end: number[] };
  busiestOthers?: string;
}

interface Worker {
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The built worker as a child process, ready once its health server answers 200. */
async function startWorkerProcess(dist: string, env: Record<string, string>, nodeArgs: string[], cleanup?: Cleanup): Promise<Worker> {
  const port = await freePort();
  const lines: string[] = [];
  const child = spawn(process.execPath, [...nodeArgs, path.join(dist, 'apps', 'worker', 'src', 'main.js')], {
    env: { ...process.env, ...env, WORKER_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line.slice(0, 500));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  cleanup?.push(`stopped worker ${child.pid}`, stop);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the worker exited with ${child.exitCode}:\n${lines.join('\n')}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the worker was not ready within 60 s:\n${lines.join('\n')}`);
    await sleep(100);
  }
  return { pid: child.pid!, output: () => lines.join('\n'), stop };
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Agencies with two supervisors each, made once per municipality. */
async function prepareAgencies(db: Client, municipalityId: string): Promise<string[]> {
  await db.query('BEGIN');
  try {
    await db.query(`SELECT set_config('app.municipality_id', $1, true)`, [municipalityId]);
    for (let i = 1; i <= AGENCIES; i++) {
      const code = `${CODE_PREFIX}${String(i).padStart(2, '0')}`;
      const agencyId = newId();
      const inserted = await db.query(
        `INSERT INTO agencies (municipality_id, id, code, name, kind, area) VALUES ($1, $2, $3, $4, 'community_support_centre', $5)
         ON CONFLICT (municipality_id, code) DO NOTHING RETURNING id`,
        [municipalityId, agencyId, code, `第${i}地域包括支援センター（期限ベンチ）`, `第${i}地区`],
      );
      if (!inserted.rowCount) continue;
      for (let s = 1; s <= SUPERVISORS_PER_AGENCY; s++) {
        await db.query(
          `INSERT INTO users (municipality_id, id, username, display_name, agency_id, roles, password_hash)
           VALUES ($1, $2, $3, $4, $5, '{supervisor}', '!bench: no login')`,
          [municipalityId, newId(), `${code}-super${s}`, `主任 ${i}-${s}`, agencyId],
        );
      }
    }
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM agencies WHERE municipality_id = $1 AND code LIKE $2 ORDER BY code`, [municipalityId, `${CODE_PREFIX}%`]);
    await db.query('COMMIT');
    return rows.map((r) => r.id);
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
}

/**
 * Tasks due from `firstDue` evenly over `windowMs` (0: all at once), with their `task.due`
 * outbox rows, committed together as TasksService commits them (by COPY: 100,000 acts at once).
 */
async function scheduleTasks(db: Client, municipalityId: string, caseIds: string[], agencyIds: string[], count: number, firstDue: number, windowMs: number): Promise<string[]> {
  const ids: string[] = [];
  let tasks = '';
  let outbox = '';
  const createdAt = new Date(Date.now() - 6 * 3600_000).toISOString();
  const remindedAt = new Date(Date.now() - 3 * 3600_000).toISOString();
  for (let i = 0; i < count; i++) {
    const id = newId();
    ids.push(id);
    const due = new Date(firstDue + (windowMs > 0 ? Math.floor((i * windowMs) / count) : 0)).toISOString();
    tasks +=
      [municipalityId, id, caseIds[i % caseIds.length], 'monitoring', TASK_TITLE, 'open', due, agencyIds[i % agencyIds.length], null, null, null, null, createdAt, remindedAt]
        .map(field)
        .join('\t') + '\n';
    outbox += [municipalityId, JOBS.taskDue, id, due].map(field).join('\t') + '\n';
  }
  await db.query('BEGIN');
  try {
    await copy(
      db,
      `COPY tasks (municipality_id, id, case_id, kind, title, status, due_at, assignee_agency_id, assignee_user_id, source_type, source_id, created_by_id, created_at, reminded_at) FROM STDIN`,
      tasks,
    );
    await copy(db, `COPY outbox (municipality_id, job, entity_id, run_at) FROM STDIN`, outbox);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
  return ids;
}

/** utime + stime of one process, ms (0 once it is gone). */
function ownCpuMs(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

interface CpuPoint {
  main: ReturnType<typeof cpuSnapshot>;
  workersMs: number;
  /** CPU of each PostgreSQL backend serving this database (the workers' connections) */
  backends: Map<number, number>;
}

interface Watcher {
  snapshot(): Promise<CpuPoint>;
}

function watcher(db: Client, watch: CpuWatch, workers: Worker[]): Watcher {
  return {
    snapshot: async () => {
      const { rows } = await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`);
      return {
        main: cpuSnapshot({ ...watch, worker: undefined }),
        workersMs: workers.reduce((sum, w) => sum + ownCpuMs(w.pid), 0),
        backends: new Map(rows.map((r) => [r.pid, ownCpuMs(r.pid)])),
      };
    },
  };
}

/** CPU of this database's backends between two points (a backend that started in between counts from zero). */
function backendsMs(a: CpuPoint, b: CpuPoint): number {
  let total = 0;
  for (const [pid, ms] of b.backends) total += Math.max(0, ms - (a.backends.get(pid) ?? 0));
  return total;
}

/** One phase: schedule, wait for the relay and the escalations, read the figures. */
async function runPhase(
  db: Client,
  opts: { municipalityId: string; caseIds: string[]; agencyIds: string[]; count: number; windowMs: number; leadMs: number; timeoutMs: number; cpu: Watcher; log: (line: string) => void },
): Promise<{ ids: string[]; result: PhaseResult }> {
  const commitAt = Date.now();
  const firstDue = commitAt + opts.leadMs;
  const ids = await scheduleTasks(db, opts.municipalityId, opts.caseIds, opts.agencyIds, opts.count, firstDue, opts.windowMs);
  const committed = Date.now();
  opts.log(`  ${opts.count.toLocaleString('en')} tasks and outbox rows committed in ${((committed - commitAt) / 1000).toFixed(1)} s; first due in ${((firstDue - committed) / 1000).toFixed(1)} s`);

  let relayedAt: number | null = null;
  let cpuStart: CpuPoint | undefined;
  const lastDue = firstDue + opts.windowMs;
  const deadline = lastDue + opts.timeoutMs;
  let escalated = 0;
  let lastLog = Date.now();
  for (;;) {
    const now = Date.now();
    if (!cpuStart && now >= firstDue) cpuStart = await opts.cpu.snapshot();
    if (relayedAt === null) {
      const { rows } = await db.query<{ left: string }>(`SELECT count(*) AS left FROM outbox WHERE municipality_id = $1`, [opts.municipalityId]);
      if (Number(rows[0].left) === 0) {
        relayedAt = Date.now();
        opts.log(`  relay: every outbox row in Redis ${((relayedAt - committed) / 1000).toFixed(1)} s after the commit (${((firstDue - relayedAt) / 1000).toFixed(1)} s before the first due time)`);
      }
    }
    if (now >= firstDue) {
      // The phase's tasks not escalated yet, by the partial index the sweep uses (cheap to ask often).
      const { rows } = await db.query<{ left: string }>(
        `SELECT count(*) AS left FROM tasks WHERE municipality_id = $1 AND status = 'open' AND due_at IS NOT NULL AND escalated_at IS NULL
           AND due_at BETWEEN $2 AND $3 AND title = $4`,
        [opts.municipalityId, new Date(firstDue), new Date(lastDue), TASK_TITLE],
      );
      escalated = opts.count - Number(rows[0].left);
      if (escalated >= opts.count) break;
      if (now - lastLog > 5000) {
        lastLog = now;
        opts.log(`  ${escalated.toLocaleString('en')} of ${opts.count.toLocaleString('en')} escalated`);
      }
    }
    if (now > deadline) break;
    await sleep(now < firstDue ? 100 : 250);
  }
  const cpuEnd = await opts.cpu.snapshot();
  const timedOut = escalated < opts.count;

  const { rows } = await db.query<{ delay_ms: number; at_ms: number }>(
    `SELECT extract(epoch FROM escalated_at - due_at) * 1000 AS delay_ms, extract(epoch FROM escalated_at) * 1000 AS at_ms
     FROM tasks WHERE municipality_id = $1 AND id = ANY($2::uuid[]) AND escalated_at IS NOT NULL`,
    [opts.municipalityId, ids],
  );
  const delays = rows.map((r) => Number(r.delay_ms)).sort((a, b) => a - b);
  const times = rows.map((r) => Number(r.at_ms));
  const transactions = new Set(times).size;
  const lastEscalation = times.length ? Math.max(...times) : Date.now();
  const perSecond = new Map<number, number>();
  for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
  const seconds = Math.max(0.001, (lastEscalation - firstDue) / 1000);
  const cpu = cpuStart ? cpuBetween(cpuStart.main, cpuEnd.main) : cpuBetween(cpuEnd.main, cpuEnd.main);
  const workersMs = cpuStart ? cpuEnd.workersMs - cpuStart.workersMs : 0;
  const databaseMs = cpuStart ? backendsMs(cpuStart, cpuEnd) : 0;
  const pctOf = (ms: number) => (cpu.seconds > 0 ? round1((ms / (cpu.seconds * 1000)) * 100) : 0);
  const workersPct = pctOf(workersMs);
  const perEscalation = (ms: number) => (rows.length ? Math.round((ms * 1000) / rows.length) / 1000 : NaN);
  return {
    ids,
    result: {
      tasks: opts.count,
      leadSeconds: round1((firstDue - committed) / 1000),
      relayedAfterSeconds: relayedAt === null ? null : round1((relayedAt - committed) / 1000),
      relayRowsPerSecond: relayedAt === null ? null : Math.round(opts.count / Math.max(0.001, (relayedAt - committed) / 1000)),
      seconds: round1(seconds),
      escalated: rows.length,
      escalationsPerSecond: Math.round(rows.length / seconds),
      peakPerSecond: Math.max(0, ...perSecond.values()),
      transactions,
      meanBatch: transactions ? round1(rows.length / transactions) : 0,
      delays: {
        count: delays.length,
        minMs: Math.round(delays[0] ?? NaN),
        p50Ms: Math.round(percentile(delays, 50)),
        p90Ms: Math.round(percentile(delays, 90)),
        p99Ms: Math.round(percentile(delays, 99)),
        maxMs: Math.round(delays[delays.length - 1] ?? NaN),
      },
      cpu: { ...cpu, otherPct: round1(Math.max(0, cpu.otherPct - workersPct)), workersPct, databasePct: pctOf(databaseMs) },
      msPerEscalation: {
        workers: perEscalation(workersMs),
        database: perEscalation(databaseMs),
        redis: perEscalation((cpu.redisPct / 100) * cpu.seconds * 1000),
      },
      timedOut,
    },
  };
}

/** The pid of the PostgreSQL postmaster serving this connection, when it runs on this machine. */
async function postmasterOf(db: Client): Promise<number | undefined> {
  if (!procAvailable()) return undefined;
  const [{ pid }] = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  const parent = parentOf(pid);
  return parent && /postgres/.test(commandLine(parent)) ? parent : undefined;
}

/** The local redis-server listening on the URL's port, if there is one. */
function redisPidOf(redisUrl: string): number | undefined {
  if (!procAvailable()) return undefined;
  const port = new URL(redisUrl).port || '6379';
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = commandLine(Number(entry));
    if (/redis-server/.test(cmd) && cmd.includes(`:${port}`)) return Number(entry);
  }
  return undefined;
}

export async function runEscalationBench(opts: EscalationBenchOptions): Promise<EscalationResult> {
  const plan = PLANS[opts.mode];
  const workersWanted = Math.max(1, Math.min(2, opts.workers ?? 1));
  const concurrency = opts.concurrency ?? 200;
  const poolSize = opts.poolSize ?? 20;
  const log = opts.log;
  const loadStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const db = new Client({ connectionString: opts.dbUrl });
  await db.connect();
  const workers: Worker[] = [];
  try {
    await db.query('SET synchronous_commit = off');
    const agencyIds = await prepareAgencies(db, opts.municipalityId);
    let caseIds = (await db.query<{ id: string }>(`SELECT id FROM cases WHERE municipality_id = $1 ORDER BY id LIMIT 20000`, [opts.municipalityId])).rows.map((r) => r.id);
    // The tasks belong to existing cases (the bench's bulk-loaded ones); a bare database gets a few thousand.
    if (caseIds.length < 1000) {
      const desk = (await db.query<{ agency_id: string; id: string }>(`SELECT agency_id, id FROM users WHERE municipality_id = $1 AND agency_id = ANY($2::uuid[]) LIMIT 1`, [opts.municipalityId, agencyIds])).rows[0];
      log(`  bulk-loading cases to attach the tasks to (${plan.caseMembers.toLocaleString('en')} household members)`);
      await bulkLoad(opts.dbUrl, { municipalityId: opts.municipalityId, agencyId: desk.agency_id, userId: desk.id, members: plan.caseMembers }, () => undefined);
      caseIds = (await db.query<{ id: string }>(`SELECT id FROM cases WHERE municipality_id = $1 ORDER BY id LIMIT 20000`, [opts.municipalityId])).rows.map((r) => r.id);
    }
    log(`  ${agencyIds.length} agencies with ${SUPERVISORS_PER_AGENCY} supervisors each; tasks spread over ${caseIds.length.toLocaleString('en')} cases`);

    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      ...opts.env,
      DATABASE_URL: opts.dbUrl,
      REDIS_URL: opts.redisUrl,
      WORKER_CONCURRENCY: String(concurrency),
      DATABASE_POOL_SIZE: String(poolSize),
    };
    env.AUTH_JWT_SECRET ??= randomBytes(48).toString('base64url');
    env.QUEUE_PREFIX ??= `tsunagi-escbench-${Date.now()}`;
    const t0 = performance.now();
    for (let i = 0; i < workersWanted; i++) workers.push(await startWorkerProcess(opts.dist, env, opts.nodeArgs ?? [], opts.cleanup));
    const workerStartSeconds = round1((performance.now() - t0) / 1000);
    log(`  ${workers.length} worker process(es) started in ${workerStartSeconds} s (concurrency ${concurrency}, pool ${poolSize}, pids ${workers.map((w) => w.pid).join(', ')})`);
    // Let the workers' first sweep and relay pass run over whatever was due before (earlier scenarios' data).
    await sleep(3000);

    const watch: CpuWatch = { postmaster: await postmasterOf(db), redis: redisPidOf(opts.redisUrl) };
    const cpu = watcher(db, watch, workers);
    // Time for the relay to move every outbox row to Redis before the first due time (those
    // rows were written days before in real life; the relay is not what is measured here).
    const lead = (count: number) => plan.leadMs + Math.ceil(count / 1000) * plan.leadPerThousandMs;

    log(`  (a) burst: ${plan.burst.toLocaleString('en')} tasks due evenly within ${plan.windowMs / 1000} s`);
    const burst = await runPhase(db, { municipalityId: opts.municipalityId, caseIds, agencyIds, count: plan.burst, windowMs: plan.windowMs, leadMs: lead(plan.burst), timeoutMs: plan.timeoutMs, cpu, log });
    log(`  delay p50 ${burst.result.delays.p50Ms} ms, p99 ${burst.result.delays.p99Ms} ms, max ${burst.result.delays.maxMs} ms; ${burst.result.escalationsPerSecond}/s`);

    log(`  (b) backlog: ${plan.backlog.toLocaleString('en')} tasks due at one instant`);
    const backlog = await runPhase(db, { municipalityId: opts.municipalityId, caseIds, agencyIds, count: plan.backlog, windowMs: 0, leadMs: lead(plan.backlog), timeoutMs: plan.timeoutMs, cpu, log });
    log(`  drained in ${backlog.result.seconds} s: ${backlog.result.escalationsPerSecond} escalations/s (busiest second ${backlog.result.peakPerSecond})`);

    const all = [...burst.ids, ...backlog.ids];
    const counts = (
      await db.query<{ escalations: string; duplicates: string; notifications: string }>(
        `SELECT (SELECT count(*) FROM tasks WHERE municipality_id = $1 AND kind = 'escalation' AND source_type = 'task' AND source_id = ANY($2::uuid[])) AS escalations,
                (SELECT count(*) FROM (SELECT source_id FROM tasks WHERE municipality_id = $1 AND kind = 'escalation' AND source_type = 'task' AND source_id = ANY($2::uuid[])
                                       GROUP BY source_id HAVING count(*) > 1) d) AS duplicates,
                (SELECT count(*) FROM notifications WHERE municipality_id = $1 AND kind = 'task.escalated' AND entity_id = ANY($2::uuid[])) AS notifications`,
        [opts.municipalityId, all],
      )
    ).rows[0];
    const escalationTasks = Number(counts.escalations);
    const exactlyOnce = {
      tasks: all.length,
      escalationTasks,
      notEscalated: all.length - Number(counts.escalations),
      duplicateEscalations: Number(counts.duplicates),
      notifications: Number(counts.notifications),
      expectedNotifications: escalationTasks * SUPERVISORS_PER_AGENCY,
    };
    const workerPeakRssMiB = workers.map((w) => memoryOf(w.pid)?.peakRssMiB ?? NaN);
    return {
      mode: opts.mode,
      workers: workers.length,
      concurrency,
      poolSize,
      cases: caseIds.length,
      agencies: agencyIds.length,
      supervisorsPerAgency: SUPERVISORS_PER_AGENCY,
      workerStartSeconds,
      burst: { ...burst.result, windowSeconds: plan.windowMs / 1000, arrivalPerSecond: Math.round(plan.burst / (plan.windowMs / 1000)) },
      backlog: backlog.result,
      exactlyOnce: {
        ...exactlyOnce,
        ok: exactlyOnce.duplicateEscalations === 0 && exactlyOnce.notifications === exactlyOnce.expectedNotifications,
      },
      workerPeakRssMiB,
      loadAverage: { start: loadStart, end: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    };
  } catch (error) {
    for (const w of workers) log(`worker ${w.pid} output:\n${w.output()}`);
    throw error;
  } finally {
    for (const w of workers) await w.stop().catch(() => undefined);
    await db.end();
  }
}

export function escalationGoals(r: EscalationResult): Goal[] {
  return [
    {
      goal: `escalation delay p99 < ${ESCALATION_GOALS.p99Ms / 1000} s (${r.burst.tasks.toLocaleString('en')} tasks due within ${r.burst.windowSeconds} s)`,
      measured: `${n(r.burst.delays.p99Ms, 0)} ms`,
      met: !r.burst.timedOut && r.burst.delays.p99Ms < ESCALATION_GOALS.p99Ms,
    },
    {
      goal: `≥ ${ESCALATION_GOALS.perSecond.toLocaleString('en')} escalations/s (backlog of ${r.backlog.tasks.toLocaleString('en')} due at once)`,
      measured: `${n(r.backlog.escalationsPerSecond, 0)}/s`,
      met: !r.backlog.timedOut && r.backlog.escalationsPerSecond >= ESCALATION_GOALS.perSecond,
    },
    {
      goal: 'escalations exactly once',
      measured: `${r.exactlyOnce.escalationTasks.toLocaleString('en')} for ${r.exactlyOnce.tasks.toLocaleString('en')} tasks${r.exactlyOnce.notEscalated ? ` (${r.exactlyOnce.notEscalated.toLocaleString('en')} not yet when the run ended)` : ''}, ${r.exactlyOnce.duplicateEscalations} duplicates`,
      met: r.exactlyOnce.ok,
    },
  ];
}

function phaseRows(label: string, p: PhaseResult): string[] {
  return [
    row([
      label,
      p.tasks.toLocaleString('en'),
      `${p.escalated.toLocaleString('en')}${p.timedOut ? ' (timed out)' : ''}`,
      ms(p.delays.p50Ms),
      ms(p.delays.p90Ms),
      ms(p.delays.p99Ms),
      ms(p.delays.maxMs),
      n(p.seconds),
      n(p.escalationsPerSecond, 0),
      n(p.peakPerSecond, 0),
      `${n(p.transactions, 0)} (${n(p.meanBatch)})`,
    ]),
  ];
}

function cpuRow(label: string, p: PhaseResult): string {
  const c = p.cpu;
  const m = p.msPerEscalation;
  return row([
    label,
    n(c.seconds),
    `${n(c.workersPct)} %`,
    `${n(c.databasePct)} %`,
    `${n(c.postgresPct)} %`,
    `${n(c.redisPct)} %`,
    `${n(c.otherPct)} %`,
    `${n(c.machinePct)} % of ${c.cores * 100} %`,
    `${n(m.workers, 3)} / ${n(m.database, 3)} / ${n(m.redis, 3)}`,
  ]);
}

export function escalationSection(r: EscalationResult): string[] {
  const goals = escalationGoals(r);
  return [
    '## Due times: escalations at scale',
    '',
    `The built worker (${r.workers} process${r.workers > 1 ? 'es' : ''}, \`WORKER_CONCURRENCY=${r.concurrency}\`, \`DATABASE_POOL_SIZE=${r.poolSize}\`) escalates tasks that fall due in a burst, ` +
      'through the production path: tasks and their `task.due` outbox rows committed together, the relay moving them to BullMQ delayed jobs, ' +
      'each job running `EscalationsService` (escalation task, a notification to each supervisor of the agency, timeline entry, audit event) in one transaction; the sweep runs as always. ' +
      `The tasks belong to ${r.cases.toLocaleString('en')} cases and ${r.agencies} agencies with ${r.supervisorsPerAgency} supervisors each; their morning reminders were sent earlier in the day. ` +
      'Delay: from each task\'s `due_at` to its `escalated_at` (the start of the escalating transaction).',
    '',
    '| goal | measured | |',
    '|---|---|---|',
    ...goals.map((g) => row([g.goal, g.measured, g.met === undefined ? '' : mark(g.met)])),
    '',
    '| phase | tasks | escalated | p50 ms | p90 ms | p99 ms | max ms | seconds | escalations/s | busiest second | transactions (tasks each) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...phaseRows(`(a) due evenly within ${r.burst.windowSeconds} s (${r.burst.arrivalPerSecond.toLocaleString('en')}/s arriving)`, r.burst),
    ...phaseRows('(b) all due at one instant (capacity)', r.backlog),
    '',
    `Relay: (a) every outbox row was in Redis ${n(r.burst.relayedAfterSeconds ?? NaN)} s after the commit (${n(r.burst.relayRowsPerSecond ?? NaN, 0)} rows/s; first due time after ${n(r.burst.leadSeconds)} s), ` +
      `(b) after ${n(r.backlog.relayedAfterSeconds ?? NaN)} s (${n(r.backlog.relayRowsPerSecond ?? NaN, 0)} rows/s).`,
    '',
    'CPU from the first due time to the last escalation (100 % = one core). "Their backends": the PostgreSQL processes serving the workers\' connections; ' +
      '"PostgreSQL": every process of its cluster (other databases\' included, where the server is shared), when it runs on this machine; "other": everything else on the machine.',
    '',
    '| phase | seconds | worker(s) | their backends | PostgreSQL | Redis | other | machine | CPU ms per escalation: worker / backends / Redis |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    cpuRow('(a) burst', r.burst),
    cpuRow('(b) backlog', r.backlog),
    '',
    `Exactly once: ${r.exactlyOnce.escalationTasks.toLocaleString('en')} escalation tasks for ${r.exactlyOnce.tasks.toLocaleString('en')} tasks (${r.exactlyOnce.duplicateEscalations} duplicates), ` +
      `${r.exactlyOnce.notifications.toLocaleString('en')} notifications (expected ${r.exactlyOnce.expectedNotifications.toLocaleString('en')}). ` +
      `Worker peak RSS: ${r.workerPeakRssMiB.map((m) => `${n(m)} MiB`).join(', ')}; started in ${n(r.workerStartSeconds)} s. ` +
      `Load average ${r.loadAverage.start.join(' ')} at the start, ${r.loadAverage.end.join(' ')} at the end.`,
    '',
  ];
}

/** The scenario as `bench/run.ts` runs it, on the bench's database, Redis and municipality. */
export const escalations: Scenario<EscalationResult> = {
  name: 'escalations',
  summary: 'due times: 100,000 tasks (6,000 quick) due within a minute escalated by the built worker; delay p50/p99/max, escalations/s, exactly once',
  run: (ctx: BenchContext) =>
    runEscalationBench({
      dbUrl: ctx.dbUrl,
      redisUrl: ctx.appEnv.REDIS_URL,
      dist: DIST,
      mode: ctx.mode,
      municipalityId: ctx.municipalityId,
      workers: Number(process.env.BENCH_ESCALATION_WORKERS ?? 1),
      concurrency: process.env.BENCH_ESCALATION_CONCURRENCY ? Number(process.env.BENCH_ESCALATION_CONCURRENCY) : undefined,
      env: { ...ctx.appEnv },
      log: ctx.log,
      cleanup: ctx.cleanup,
    }),
  goals: escalationGoals,
  section: (result) => escalationSection(result),
};
