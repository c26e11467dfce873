import type { LoadRun, SequentialRun } from './http-load';
import type { CpuUse } from './proc';
import type { BenchResult } from './run';
import type { Scenario } from './scenario';
import type { SearchResult } from './search';

/** The markdown report: goals first, then the figures behind them. */

const GOALS = { intakeRps: 1000, intakeP99: 50, readP99: 20 };

export const n = (v: number | undefined, digits = 1) => (v === undefined || Number.isNaN(v) ? '—' : v.toLocaleString('en', { maximumFractionDigits: digits }));
export const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : `${v.toLocaleString('en', { maximumFractionDigits: v < 10 ? 2 : 1 })}`);
export const mark = (ok: boolean) => (ok ? '✅ met' : '❌ missed');

export function row(cells: Array<string | number>): string {
  return `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
}

export function loadRow(label: string, r: LoadRun): string {
  return row([label, r.connections, n(r.requestsPerSecond, 0), ms(r.latencyMs.p50), ms(r.latencyMs.p95), ms(r.latencyMs.p99), ms(r.latencyMs.max), n(r.requests, 0), r.non2xx + r.errors + r.timeouts]);
}

export function aloneRow(label: string, r: SequentialRun): string {
  return row([label, 1, '—', ms(r.latencyMs.p50), ms(r.latencyMs.p95), ms(r.latencyMs.p99), ms(r.latencyMs.max), n(r.requests, 0), r.non2xx]);
}

/**
 * The main line of a plan from EXPLAIN text, e.g. "Limit → Sort → Seq Scan on cases c":
 * its nodes outside SubPlans and InitPlans, without the Result nodes in between.
 */
export function planShape(plan: string[]): string {
  const nodes: string[] = [];
  let skipDeeperThan = Infinity;
  for (const line of plan) {
    const indent = line.length - line.trimStart().length;
    if (indent > skipDeeperThan) continue;
    skipDeeperThan = Infinity;
    if (/^\s*(SubPlan|InitPlan)\b/.test(line)) {
      skipDeeperThan = indent;
      continue;
    }
    const m = /^\s*(?:->\s*)?([A-Z][A-Za-z ]+?(?: using \S+)?(?: on \S+(?: \S+)?)?)\s+\(cost=/.exec(line);
    if (m && m[1] !== 'Result') nodes.push(m[1].replace(/ on cases c$/, ' on cases'));
  }
  return nodes.slice(0, 5).join(' → ');
}

export function renderMarkdown(r: BenchResult, scenarios: ReadonlyArray<Scenario<any>> = []): string {
  const out: string[] = [];
  const members = r.bulkLoad?.membersInDatabase ?? 0;
  const ran = scenarios.filter((s) => r.scenarios?.[s.name] !== undefined);
  const flags = [...(r.mode === 'quick' ? ['--quick'] : []), ...(r.only ? ['--only', r.only.join(',')] : [])];
  out.push(`# tsunagi benchmark — cases (${r.mode}${r.only ? `, only ${r.only.join(', ')}` : ''})`, '');
  out.push(`${r.startedAt} · ${r.totalSeconds} s in all · \`npm run bench${flags.length ? ` -- ${flags.join(' ')}` : ''}\``, '');
  for (const [name, error] of Object.entries(r.failures ?? {})) out.push(`**Scenario \`${name}\` failed** (its figures are missing below): ${error}`, '');
  out.push(
    `**Machine:** ${r.machine.cores} cores (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, ${r.machine.os}; Node ${r.machine.node}; ` +
      `PostgreSQL ${r.machine.postgres} (${r.machine.postgresSource}); Redis: ${r.machine.redis}. ` +
      `The api (${(r.config.apiProcesses ?? 1) > 1 ? `${r.config.apiProcesses} Node processes (\`API_PROCESSES\`), each with` : 'one Node process,'} \`DATABASE_POOL_SIZE=${r.config.poolSize}\`, \`LOG_LEVEL=warn\`), PostgreSQL and the load generator ` +
      `(autocannon, in the bench process) share these cores. Load average at start: ${r.machine.loadAverageAtStart.join(' / ')}` +
      (r.machine.busiestOthersAtStart.some((p) => p.pct >= 10)
        ? `; busy in the second before the start: ${r.machine.busiestOthersAtStart.filter((p) => p.pct >= 10).map((p) => `${p.command.split(' ').slice(0, 3).join(' ')} ${p.pct} %`).join(', ')}.`
        : r.machine.loadAverageAtStart[0] > r.machine.cores / 2
          ? ' (other programs had been busy shortly before).'
          : ' (the machine was otherwise idle).'),
    '',
  );

  out.push('## Goals', '', row(['goal', 'measured', 'result']), row(['---', '---', '---']));
  if (r.intake) {
    const l = r.intake.load;
    out.push(row([`POST /cases ≥ ${n(GOALS.intakeRps, 0)} req/s at ${l.connections} connections`, `${n(l.requestsPerSecond, 0)} req/s`, mark(l.requestsPerSecond >= GOALS.intakeRps)]));
    out.push(row([`POST /cases p99 < ${GOALS.intakeP99} ms`, `${ms(l.latencyMs.p99)} ms`, mark(l.latencyMs.p99 < GOALS.intakeP99)]));
  }
  if (r.read) out.push(row([`GET /cases/{id} p99 < ${GOALS.readP99} ms`, `${ms(r.read.load.latencyMs.p99)} ms`, mark(r.read.load.latencyMs.p99 < GOALS.readP99)]));
  if (r.search?.length) {
    const worstAlone = r.search.reduce((a, b) => (b.sequentialPost.latencyMs.p95 > a.sequentialPost.latencyMs.p95 ? b : a));
    const concurrent = r.search.filter((s) => s.concurrent);
    const worstLoaded = concurrent.length ? concurrent.reduce((a, b) => (b.concurrent!.latencyMs.p95 > a.concurrent!.latencyMs.p95 ? b : a)) : undefined;
    out.push(
      row([
        `name search p95 on ${n(members, 0)} members (no numeric target in the issue)`,
        `alone: worst p95 ${ms(worstAlone.sequentialPost.latencyMs.p95)} ms (${worstAlone.q}); ` +
          (worstLoaded ? `at ${worstLoaded.concurrent!.connections} connections: worst p95 ${ms(worstLoaded.concurrent!.latencyMs.p95)} ms (${worstLoaded.q})` : ''),
        'reported',
      ]),
    );
  }
  for (const s of ran) {
    for (const g of s.goals(r.scenarios![s.name])) out.push(row([g.goal, g.measured, g.met === undefined ? 'reported' : mark(g.met)]));
  }
  out.push('');

  if (r.calibration) {
    const c = r.calibration;
    out.push('## What this machine charges', '');
    out.push(
      `- one PostgreSQL round trip (\`SELECT $1\` over node-postgres, alone): **${c.roundTrip.wallUs} µs** wall, ${c.roundTrip.clientCpuUs} µs of client CPU, ${c.roundTrip.postgresCpuUs} µs of PostgreSQL CPU`,
      `- GET /health/live (the api's HTTP stack, no database) at ${c.healthLive.connections} connections: **${n(c.healthLive.requestsPerSecond, 0)} req/s**, p50 ${ms(c.healthLive.latencyMs.p50)} ms, p99 ${ms(c.healthLive.latencyMs.p99)} ms, ${ms(c.healthLive.cpu.apiMsPerRequest)} ms of api CPU per request`,
      '',
    );
  }

  out.push('## HTTP', '', 'Latency in ms, measured per response by the client (request sent → response read). "alone": one request at a time.', '');
  out.push(row(['scenario', 'connections', 'req/s', 'p50', 'p95', 'p99', 'max', 'requests', 'non-2xx / errors']), row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  if (r.intake) {
    out.push(aloneRow('POST /cases (household of 1–4), alone', r.intake.sequential));
    out.push(loadRow('POST /cases (household of 1–4)', r.intake.load));
  }
  if (r.read) {
    out.push(aloneRow('GET /cases/{id}, alone', r.read.sequential));
    out.push(loadRow('GET /cases/{id}', r.read.load));
  }
  out.push('');
  for (const [label, s] of [['POST /cases', r.intake], ['GET /cases/{id}', r.read]] as const) {
    const codes = s && Object.entries(s.load.statusCodes).filter(([code]) => !code.startsWith('2'));
    if (codes && codes.length) out.push(`${label} answered ${codes.map(([c, k]) => `${k} × ${c}`).join(', ')}.`, '');
  }

  out.push('## Where the time goes', '');
  out.push('CPU as % of one core (the machine has ' + `${r.machine.cores}; ${r.machine.cores * 100} % is all of it). "other" is every other process on the machine. Per-request figures from /proc and pg_stat_database (≈).`, '');
  out.push(
    row(['scenario', 'api %', 'PostgreSQL %', 'load generator %', 'other %', 'machine %', 'api CPU ms/req', 'PG CPU ms/req', 'api writes/req', 'PG xacts/req', 'rows inserted/req', 'rows read/req']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  );
  if (r.calibration) {
    const c = r.calibration.healthLive.cpu;
    out.push(row(['GET /health/live', n(c.apiPct), n(c.postgresPct), n(c.loaderPct), n(c.otherPct), n(c.machinePct), ms(c.apiMsPerRequest), ms(c.postgresMsPerRequest), n(c.apiWritesPerRequest), '', '', '']));
  }
  for (const [label, s] of [['POST /cases', r.intake], ['GET /cases/{id}', r.read]] as const) {
    if (!s) continue;
    const c = s.load.cpu;
    out.push(row([label, n(c.apiPct), n(c.postgresPct), n(c.loaderPct), n(c.otherPct), n(c.machinePct), ms(c.apiMsPerRequest), ms(c.postgresMsPerRequest), n(c.apiWritesPerRequest), n(s.db.transactions), n(s.db.rowsInserted), n(s.db.rowsRead)]));
  }
  for (const s of r.search ?? []) {
    if (!s.concurrent) continue;
    const c = s.concurrent.cpu;
    out.push(row([`search ${s.q}`, n(c.apiPct), n(c.postgresPct), n(c.loaderPct), n(c.otherPct), n(c.machinePct), ms(c.apiMsPerRequest), ms(c.postgresMsPerRequest), n(c.apiWritesPerRequest), '', '', '']));
  }
  out.push('');
  const phases: Array<[string, CpuUse | undefined]> = [
    ['GET /health/live', r.calibration?.healthLive.cpu],
    ['POST /cases', r.intake?.load.cpu],
    ['GET /cases/{id}', r.read?.load.cpu],
    ...(r.search ?? []).map((s): [string, CpuUse | undefined] => [`search ${s.q}`, s.concurrent?.cpu]),
  ];
  const shared = phases.filter(([, c]) => c && c.otherPct >= 15);
  if (shared.length) {
    out.push(
      `⚠️ Other programs on the machine took ≥ 15 % of a core during ${shared.map(([l, c]) => `${l} (${n(c?.otherPct)} %)`).join(', ')}: ` +
        'those throughput figures are lower, and latencies higher, than on a machine of their own. The CPU ms per request are the better guide there.',
      '',
    );
  }
  const tableRows: string[] = [];
  for (const [label, sc] of [['POST /cases', r.intake], ['GET /cases/{id}', r.read]] as const) {
    for (const t of sc?.tables ?? []) {
      if (t.seqScans || t.indexScans || t.rowsInserted) tableRows.push(row([label, t.table, n(t.seqScans, 2), n(t.seqRowsRead), n(t.indexScans, 2), n(t.indexRowsFetched), n(t.rowsInserted, 2)]));
    }
  }
  if (tableRows.length) {
    out.push('Per request, by table (pg_stat_user_tables, ≈):', '');
    out.push(row(['scenario', 'table', 'seq scans', 'rows read by seq scans', 'index scans', 'rows fetched by index', 'rows inserted']), row(['---', '---', '---:', '---:', '---:', '---:', '---:']));
    out.push(...tableRows, '');
  }
  out.push(`api process: started in ${r.api.startSeconds} s; RSS after intake ${n(r.intake?.apiRssMiBAfter)} MiB, after reads ${n(r.read?.apiRssMiBAfter)} MiB, at the end ${n(r.api.rssMiBAtEnd)} MiB; **peak RSS (VmHWM) ${n(r.api.peakRssMiB)} MiB**.`, '');

  if (r.bulkLoad) {
    const b = r.bulkLoad;
    out.push('## Bulk load', '');
    const lc = b.cpu;
    out.push(
      `${n(b.cases, 0)} cases with ${n(b.members, 0)} household members (1–4 each; the intake scenario's cases make ${n(b.casesInDatabase, 0)} cases and ${n(b.membersInDatabase, 0)} members in all) loaded by COPY in ${b.seconds} s: ` +
        `**${n(b.casesPerSecond, 0)} cases/s, ${n(b.membersPerSecond, 0)} members/s** (${b.megabytesSent} MB of COPY data, indexes in place, ` +
        `search_text / search_grams from buildSearchDocument). VACUUM (ANALYZE) afterwards: ${b.vacuumAnalyzeSeconds} s. ` +
        `CPU meanwhile: generator and client ${n(lc.loaderPct)} %, PostgreSQL ${n(lc.postgresPct)} %, other ${n(lc.otherPct)} % (of one core). ` +
        `Sizes: ${Object.entries(b.sizes).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      '',
    );
  }

  if (r.search?.length) {
    const conns = r.search.find((s) => s.concurrent)?.concurrent?.connections;
    out.push(`## Name search on ${n(members, 0)} members`, '');
    out.push(
      'One desk_staff user whose agency leads every case (so every match is visible and RLS applies). "alone": POST /cases/search one request at a time; ' +
        `GET: \`GET /cases?q=\` alone; then POST /cases/search at ${conns ?? '—'} connections. SQL: EXPLAIN (ANALYZE, BUFFERS) of the statement CasesRepository.list sends, as tsunagi_app; ` +
        '"without RLS": the same statement as the login role, which row-level security does not apply to, with the tenant added as a plain predicate.',
      '',
    );
    out.push(
      row(['query', 'kind', 'matching cases', 'alone p50', 'alone p95', 'alone p99', 'GET p50', 'GET p95', `@${conns ?? '—'} req/s`, 'p50', 'p95', 'p99', 'non-2xx', 'SQL ms (tsunagi_app, RLS)', 'plan', 'SQL ms without RLS', 'plan without RLS']),
      row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---', '---:', '---']),
    );
    for (const s of r.search) out.push(searchRow(s));
    out.push('');
    const sample = r.search.find((s) => s.q === '佐藤') ?? r.search[0];
    if (sample.explain) {
      out.push(`EXPLAIN (ANALYZE, BUFFERS) for \`${sample.q}\`, as tsunagi_app with app.municipality_id set:`, '', '```', ...sample.explain.plan, '```', '');
    }
  }

  for (const s of ran) out.push(...s.section(r.scenarios![s.name], r));

  if (r.profiles) {
    out.push('## api CPU profile', '');
    out.push('Sampled with the V8 profiler in separate runs after the measured ones. Self: time in that code itself; inclusive: time with it anywhere on the stack.', '');
    for (const [name, p] of Object.entries(r.profiles)) {
      out.push(`### ${name} (${n(p.busyMs / 1000)} s of CPU sampled)`, '');
      out.push(row(['self, by package', '%', 'inclusive, by package', '%', 'hottest functions (self)', '%']), row(['---', '---:', '---', '---:', '---', '---:']));
      for (let i = 0; i < 12; i++) {
        const s = p.selfByPackage[i];
        const inc = p.inclusiveByPackage[i];
        const f = p.hottestFunctions[i];
        out.push(row([s?.name ?? '', s ? n(s.pct) : '', inc?.name ?? '', inc ? n(inc.pct) : '', f?.name ?? '', f ? n(f.pct) : '']));
      }
      out.push('');
    }
  }
  return out.join('\n') + '\n';
}

function searchRow(s: SearchResult): string {
  const c = s.concurrent;
  return row([
    `\`${s.q}\``,
    s.kind,
    n(s.matchingCases, 0),
    ms(s.sequentialPost.latencyMs.p50),
    ms(s.sequentialPost.latencyMs.p95),
    ms(s.sequentialPost.latencyMs.p99) + (s.sequentialPost.cutShort ? ` (${s.sequentialPost.requests} req)` : ''),
    ms(s.sequentialGet.latencyMs.p50),
    ms(s.sequentialGet.latencyMs.p95),
    c ? n(c.requestsPerSecond, 0) : s.concurrentSkipped ? `skipped (${s.concurrentSkipped})` : '—',
    c ? ms(c.latencyMs.p50) : '—',
    c ? ms(c.latencyMs.p95) : '—',
    c ? ms(c.latencyMs.p99) : '—',
    (c ? c.non2xx + c.errors + c.timeouts : 0) + s.sequentialPost.non2xx + s.sequentialGet.non2xx,
    s.explain ? ms(s.explain.executionMs) : '—',
    s.explain ? planShape(s.explain.plan) : '',
    s.explainWithoutRls ? ms(s.explainWithoutRls.executionMs) : '—',
    s.explainWithoutRls ? planShape(s.explainWithoutRls.plan) : '',
  ]);
}
