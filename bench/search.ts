import { Client } from 'pg';
import { CasesRepository } from '@tsunagi/cases/cases.repository';
import { DEFAULT_LIMIT } from '@tsunagi/common/pagination';
import type { Db } from '@tsunagi/database';
import { APP_ROLE } from '@tsunagi/database/data-source';
import { likePattern, normalizeForSearch, queryGrams } from '@tsunagi/search-text';
import { runLoad, runSequential, timedFetch, type LoadRun, type SequentialRun } from './http-load';
import type { CpuWatch } from './proc';

/**
 * Name search over the loaded municipality: the queries a desk types (a family name in kanji,
 * a full name, kana in three scripts, a variant kanji, one character, a rare name, a name
 * nobody has), each sent alone and then by 32 connections at once, and each run through
 * EXPLAIN (ANALYZE, BUFFERS) with the very SQL CasesRepository.list sends, as tsunagi_app
 * with the municipality set, so row-level security applies as in production.
 */

export const SEARCH_QUERIES: ReadonlyArray<{ kind: string; q: string }> = [
  { kind: 'kanji family name, most common', q: '佐藤' },
  { kind: 'kanji family name', q: '山田' },
  { kind: 'kanji full name, 3 chars', q: '森 花子' },
  { kind: 'kanji full name, 4 chars', q: '山田 太郎' },
  { kind: 'katakana', q: 'ヤマダ' },
  { kind: 'hiragana', q: 'さとう' },
  { kind: 'half-width kana', q: 'ﾔﾏﾀﾞ' },
  { kind: 'variant kanji (髙→高)', q: '髙橋' },
  { kind: '1 character, common', q: '藤' },
  { kind: '1 character, rare', q: '勅' },
  { kind: 'rare family name', q: '勅使河原' },
  { kind: 'no match', q: '佐藤鈴木' },
];

export interface SearchResult {
  kind: string;
  q: string;
  /** cases whose names match, whoever may see them */
  matchingCases: number;
  /** items on the first page the api answered */
  firstPage: number;
  sequentialPost: SequentialRun;
  sequentialGet: SequentialRun;
  concurrent?: LoadRun;
  /** why there is no concurrent run */
  concurrentSkipped?: string;
  explain?: Explained;
  /** the same statement as the login role (no row-level security) with the tenant as a plain predicate: what the indexes could do */
  explainWithoutRls?: Explained;
}

export interface Explained {
  executionMs: number;
  planningMs: number;
  plan: string[];
}

/** A request alone slower than this is not also sent by 32 connections at once: they would only queue into the statement timeout. */
const CONCURRENT_MAX_ALONE_MS = 1000;

export interface SearchOptions {
  baseUrl: string;
  token: string;
  dbUrl: string;
  municipalityId: string;
  agencyId: string;
  sequential: number;
  /** stop the requests alone of one query after this long (a query that scans everything) */
  sequentialBudgetMs: number;
  connections: number;
  concurrentSeconds: number;
  warmupSeconds: number;
  watch: CpuWatch;
  log: (line: string) => void;
}

/** The exact statement and parameters CasesRepository.list sends for a caller's name search. */
export async function listStatement(agencyId: string, q: string): Promise<{ sql: string; params: unknown[] }> {
  let captured: { sql: string; params: unknown[] } | undefined;
  const capture = { query: async (sql: string, params: unknown[] = []) => ((captured = { sql, params }), []) } as unknown as Db;
  const normalized = normalizeForSearch(q);
  // as CasesService.list calls it for a desk_staff user (not a supervisor), first page
  await new CasesRepository(capture).list({
    agencyId,
    supervisor: false,
    grams: normalized ? queryGrams(normalized) : undefined,
    like: normalized ? likePattern(normalized) : undefined,
    limit: DEFAULT_LIMIT,
  });
  if (!captured) throw new Error('CasesRepository.list sent no statement');
  return captured;
}

/**
 * The statement with the tenant as a plain predicate, for the login role that RLS does not
 * apply to: what the planner could do if the policy's condition were an ordinary one.
 */
export function withTenantPredicate(statement: { sql: string; params: unknown[] }): { sql: string; params: unknown[] } {
  const sql = statement.sql.replace(
    /\bFROM cases c\s+WHERE\b/,
    `FROM cases c WHERE c.municipality_id = (SELECT NULLIF(current_setting('app.municipality_id', true), ''))::uuid AND`,
  );
  return { sql, params: statement.params };
}

export async function explain(dbUrl: string, municipalityId: string, statement: { sql: string; params: unknown[] }, asApp: boolean): Promise<Explained> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    if (asApp) await client.query(`SET LOCAL ROLE ${APP_ROLE}`);
    await client.query(`SELECT set_config('app.municipality_id', $1, true)`, [municipalityId]);
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.sql}`, statement.params);
    await client.query('ROLLBACK');
    const plan = rows.map((r) => r['QUERY PLAN']);
    const ms = (label: string) => Number(new RegExp(`${label}: ([\\d.]+) ms`).exec(plan.join('\n'))?.[1] ?? NaN);
    return { executionMs: ms('Execution Time'), planningMs: ms('Planning Time'), plan };
  } finally {
    await client.end();
  }
}

/**
 * Waits (up to a minute) until no other session of this database has been busy for a second:
 * requests the client gave up on go on in the api, and between their statements a session
 * shows as "idle in transaction", not "active".
 */
async function waitForIdle(admin: Client): Promise<void> {
  const deadline = Date.now() + 60_000;
  let quiet = 0;
  while (Date.now() < deadline && quiet < 4) {
    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
       WHERE datname = current_database() AND state IN ('active', 'idle in transaction') AND pid <> pg_backend_pid()`,
    );
    quiet = Number(rows[0].n) === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

export async function runSearches(opts: SearchOptions): Promise<SearchResult[]> {
  const admin = new Client({ connectionString: opts.dbUrl });
  await admin.connect();
  const headers = { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' };
  const results: SearchResult[] = [];
  try {
    for (const { kind, q } of SEARCH_QUERIES) {
      const normalized = normalizeForSearch(q);
      const { rows } = await admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM cases WHERE municipality_id = $1 AND search_grams @> $2::text[] AND search_text LIKE $3`,
        [opts.municipalityId, queryGrams(normalized), likePattern(normalized)],
      );
      const body = JSON.stringify({ q });
      const first = await fetch(`${opts.baseUrl}/api/v1/cases/search`, { method: 'POST', headers, body });
      const page = (await first.json()) as { items?: unknown[] };
      if (first.status !== 200) throw new Error(`POST /cases/search ${q}: ${first.status} ${JSON.stringify(page).slice(0, 300)}`);
      const getUrl = `${opts.baseUrl}/api/v1/cases?q=${encodeURIComponent(q)}`;
      const sequentialPost = await runSequential(opts.sequential, () => timedFetch(`${opts.baseUrl}/api/v1/cases/search`, { method: 'POST', headers, body }), opts.sequentialBudgetMs);
      const sequentialGet = await runSequential(Math.ceil(opts.sequential / 2), () => timedFetch(getUrl, { headers: { authorization: headers.authorization } }), opts.sequentialBudgetMs / 2);
      const result: SearchResult = { kind, q, matchingCases: Number(rows[0].n), firstPage: page.items?.length ?? 0, sequentialPost, sequentialGet };
      if (opts.concurrentSeconds > 0 && sequentialPost.latencyMs.p50 > CONCURRENT_MAX_ALONE_MS) {
        result.concurrentSkipped = `alone it takes ${Math.round(sequentialPost.latencyMs.p50)} ms`;
      } else if (opts.concurrentSeconds > 0) {
        const request = { method: 'POST' as const, path: '/api/v1/cases/search', body };
        if (opts.warmupSeconds > 0) await runLoad({ baseUrl: opts.baseUrl, connections: opts.connections, seconds: opts.warmupSeconds, requests: [request], headers, watch: opts.watch });
        result.concurrent = await runLoad({ baseUrl: opts.baseUrl, connections: opts.connections, seconds: opts.concurrentSeconds, requests: [request], headers, watch: opts.watch });
        // Statements of requests the client gave up on may still run: let them end before the next measurement.
        await waitForIdle(admin);
      }
      await waitForIdle(admin);
      const statement = await listStatement(opts.agencyId, q);
      result.explain = await explain(opts.dbUrl, opts.municipalityId, statement, true);
      result.explainWithoutRls = await explain(opts.dbUrl, opts.municipalityId, withTenantPredicate(statement), false);
      opts.log(
        `  ${kind.padEnd(32)} ${q.padEnd(6)} matches ${String(result.matchingCases).padStart(6)}  alone p50 ${sequentialPost.latencyMs.p50} p95 ${sequentialPost.latencyMs.p95} ms` +
          (result.concurrent ? `  @${opts.connections}: ${result.concurrent.requestsPerSecond} req/s p95 ${result.concurrent.latencyMs.p95} ms` : '') +
          `  SQL ${result.explain.executionMs} ms (without RLS ${result.explainWithoutRls.executionMs} ms)`,
      );
      results.push(result);
    }
  } finally {
    await admin.end();
  }
  return results;
}
