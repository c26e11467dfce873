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
  { kind: '1 character', q: '藤' },
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
  explain?: { executionMs: number; planningMs: number; plan: string[] };
}

export interface SearchOptions {
  baseUrl: string;
  token: string;
  dbUrl: string;
  municipalityId: string;
  agencyId: string;
  sequential: number;
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

export async function explainAsApp(dbUrl: string, municipalityId: string, statement: { sql: string; params: unknown[] }): Promise<{ executionMs: number; planningMs: number; plan: string[] }> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL ROLE ${APP_ROLE}`);
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
      const sequentialPost = await runSequential(opts.sequential, () => timedFetch(`${opts.baseUrl}/api/v1/cases/search`, { method: 'POST', headers, body }));
      const sequentialGet = await runSequential(opts.sequential, () => timedFetch(getUrl, { headers: { authorization: headers.authorization } }));
      const result: SearchResult = { kind, q, matchingCases: Number(rows[0].n), firstPage: page.items?.length ?? 0, sequentialPost, sequentialGet };
      if (opts.concurrentSeconds > 0) {
        const request = { method: 'POST' as const, path: '/api/v1/cases/search', body };
        if (opts.warmupSeconds > 0) await runLoad({ baseUrl: opts.baseUrl, connections: opts.connections, seconds: opts.warmupSeconds, requests: [request], headers, watch: opts.watch });
        result.concurrent = await runLoad({ baseUrl: opts.baseUrl, connections: opts.connections, seconds: opts.concurrentSeconds, requests: [request], headers, watch: opts.watch });
      }
      result.explain = await explainAsApp(opts.dbUrl, opts.municipalityId, await listStatement(opts.agencyId, q));
      opts.log(
        `  ${kind.padEnd(32)} ${q.padEnd(6)} matches ${String(result.matchingCases).padStart(6)}  alone p50 ${sequentialPost.latencyMs.p50} p95 ${sequentialPost.latencyMs.p95} ms` +
          (result.concurrent ? `  @${opts.connections}: ${result.concurrent.requestsPerSecond} req/s p95 ${result.concurrent.latencyMs.p95} ms` : '') +
          `  SQL ${result.explain.executionMs} ms`,
      );
      results.push(result);
    }
  } finally {
    await admin.end();
  }
  return results;
}
