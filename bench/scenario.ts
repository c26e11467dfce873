import { request } from 'node:http';
import type { Client } from 'pg';
import type { Db } from '@tsunagi/database';
import type { LoadResult } from './bulk-load';
import { dbCounters, perRequest, type DbPerRequest } from './db-stats';
import type { ApiProcess, Cleanup, Staff } from './environment';
import { runLoad, runSequential, timedFetch, type LoadRun, type SequentialRun } from './http-load';
import type { CpuWatch } from './proc';
import type { BenchResult } from './run';
import type { Explained } from './search';

/**
 * A scenario is one module under `bench/scenarios/` that measures one thing and adds one
 * section (and its rows of the goals table) to the report. `bench/scenarios/index.ts` lists
 * them in the order they run; `--only name,…` runs some of them. To add one: write a module
 * exporting a `Scenario`, add it to that list, describe it in bench/README.md.
 *
 * `run` gets the running bench (`BenchContext`) and returns plain JSON-able figures: they
 * are stored under `scenarios.<name>` of the JSON report, and handed back to `goals` and
 * `section` to write the markdown. A scenario that needs the bulk-loaded cases calls
 * `ctx.bulkCases()` (loaded once, by whichever scenario asks first).
 */
export interface Scenario<R = unknown> {
  /** what `--only` takes: lower case, no spaces */
  name: string;
  /** one line for `--help` and the README */
  summary: string;
  /** scenarios whose data this one reads: `--only` runs them too (they come earlier in the list) */
  needs?: string[];
  /** the bulk-loaded cases it needs, per mode: the bulk load goes on until there are this many */
  bulkCases?: Partial<Record<'quick' | 'full', number>>;
  run(ctx: BenchContext): Promise<R>;
  /** rows of the report's goals table */
  goals(result: R): Goal[];
  /** the scenario's markdown section, from its `## heading` on */
  section(result: R, bench: BenchResult): string[];
}

export interface Goal {
  goal: string;
  measured: string;
  /** undefined: reported, no target */
  met?: boolean;
}

export interface BenchContext {
  mode: 'quick' | 'full';
  connections: number;
  dbUrl: string;
  dbName: string;
  /** the login role on the bench database (a superuser for the embedded cluster: row-level security does not apply) */
  admin: Client;
  municipalityId: string;
  municipalityCode: string;
  /** the municipality administrator `admin` signs in with this, to make agencies and users over HTTP */
  adminPassword: string;
  api: ApiProcess;
  /** a desk_staff user of the consultation desk, which leads every bulk-loaded case */
  desk: Staff;
  /** the environment the api was started with: a worker started with `startWorker` shares it */
  appEnv: Record<string, string>;
  /** CPU accounting of the processes under test; a scenario that starts a worker sets `watch.worker` */
  watch: CpuWatch;
  cleanup: Cleanup;
  /** the cases and household members bulk-loaded by COPY (loads them on the first call) */
  bulkCases(): Promise<LoadResult>;
  /** the run so far: the figures of intake, case read and search (run.ts's own scenarios) when they ran */
  bench: BenchResult;
  log(line: string): void;
}

/** One GET endpoint measured alone (one request at a time) and under load. */
export interface EndpointResult {
  label: string;
  /** the first of the paths requested (ids may vary per request) */
  path: string;
  /** items on the first page of the first request */
  firstPage: number;
  sequential: SequentialRun;
  concurrent?: LoadRun;
  db?: DbPerRequest;
  /** EXPLAIN (ANALYZE, BUFFERS) of the statement behind it, as tsunagi_app (row-level security applies) */
  explain?: Explained;
  /** GET /health/live alone just before: what any request cost on the machine at that moment */
  floor?: SequentialRun;
}

export interface EndpointPlan {
  label: string;
  /** requested in turn when alone, at random under load */
  paths: string[];
  token: string;
  sequential: number;
  /** seconds of warm-up and of measurement at `ctx.connections` connections; 0: none */
  warmupSeconds: number;
  seconds: number;
  /** stop the requests alone after this long (a slow endpoint cannot hold the run) */
  budgetMs?: number;
}

export async function measureGet(ctx: BenchContext, plan: EndpointPlan): Promise<EndpointResult> {
  const base = ctx.api.baseUrl;
  const headers = { authorization: `Bearer ${plan.token}` };
  const first = await fetch(`${base}${plan.paths[0]}`, { headers });
  const body = (await first.json()) as { items?: unknown[] };
  if (first.status !== 200) throw new Error(`GET ${plan.paths[0]}: ${first.status} ${JSON.stringify(body).slice(0, 300)}`);
  const floor = await runSequential(Math.min(plan.sequential, 50), () => timedFetch(`${base}/health/live`, {}));
  const sequential = await runSequential(plan.sequential, (i) => timedFetch(`${base}${plan.paths[i % plan.paths.length]}`, { headers }), plan.budgetMs);
  const result: EndpointResult = { label: plan.label, path: plan.paths[0], firstPage: body.items?.length ?? 0, sequential, floor };
  if (plan.seconds > 0) {
    const pick = () => plan.paths[Math.floor(Math.random() * plan.paths.length)];
    const request = { method: 'GET' as const, path: plan.paths[0], setupRequest: (req: object) => ({ ...req, path: pick() }) };
    if (plan.warmupSeconds > 0) await runLoad({ baseUrl: base, connections: ctx.connections, seconds: plan.warmupSeconds, requests: [request], headers, watch: ctx.watch });
    const before = await dbCounters(ctx.admin, ctx.dbName);
    result.concurrent = await runLoad({ baseUrl: base, connections: ctx.connections, seconds: plan.seconds, requests: [request], headers, watch: ctx.watch });
    result.db = perRequest(before, await dbCounters(ctx.admin, ctx.dbName), result.concurrent.requests);
  }
  return result;
}

/**
 * The first statement a repository (or service) method sends, with its parameters, captured
 * without a database: EXPLAIN it with `explain` from search.ts, as the api would run it.
 */
export async function capturedStatement(call: (db: Db) => Promise<unknown>): Promise<{ sql: string; params: unknown[] }> {
  let captured: { sql: string; params: unknown[] } | undefined;
  const keep = (sql: string, params: unknown[]) => (captured ??= { sql, params });
  const capture = {
    query: async (sql: string, params: unknown[] = []) => (keep(sql, params), []),
    execute: async (sql: string, params: unknown[] = []) => (keep(sql, params), { rows: [], affected: 0 }),
    defer: async (_table: string, sql: string, params: unknown[] = []) => void keep(sql, params),
    transaction: (fn: () => Promise<unknown>) => fn(),
  } as unknown as Db;
  await call(capture);
  if (!captured) throw new Error('the repository sent no statement');
  return captured;
}

/** A GET that may take as long as it takes (fetch gives up on response headers after 300 s); status and parsed body. */
export function slowGet<T = unknown>(url: string, token: string): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as T });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text as T });
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Shared buffers the whole statement touched (hit + read, from its top plan node): the work
 * the plan does, which, unlike its time, does not grow when other programs take the CPU.
 */
export function planBuffers(plan: string[]): number | undefined {
  const line = plan.find((l) => /^\s*Buffers: shared/.test(l));
  if (!line) return undefined;
  const hit = Number(/hit=(\d+)/.exec(line)?.[1] ?? 0);
  const read = Number(/read=(\d+)/.exec(line)?.[1] ?? 0);
  return hit + read;
}
