import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DB_PREFIX, Cleanup, createDatabase, createMunicipality, DIST, ROOT, startServices } from './environment';
import { summarizeProfile } from './profile-summary';
import { busiestOthers, procAvailable } from './proc';
import { escalationSection, runEscalationBench, type EscalationResult } from './scenarios/escalations';

/**
 * The escalation benchmark alone (the same scenario `npm run bench` runs among the others):
 *
 *   node <build>/bench/escalations-main.js [--quick] [--workers 1|2] [--concurrency N] [--pool N] [--profile]
 *
 * PostgreSQL from DATABASE_URL (else an embedded throwaway cluster), a private Redis (or
 * REDIS_URL), a fresh migrated database with one municipality made by the built CLI, then the
 * scenario with the built worker from the same build (or TSUNAGI_DIST). Everything is removed
 * at the end. The report goes to stdout and to bench/results/latest-escalations-<mode>.{md,json}.
 * `--profile` runs the workers under V8's CPU profiler and adds where their CPU went (the
 * .cpuprofile files stay in bench/results/profiles-escalations-*).
 */

function parseArgs(argv: string[]) {
  const args = { quick: false, workers: 1, concurrency: 200, pool: 20, profile: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v <= 0) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--full') args.quick = false;
    else if (a === '--workers') args.workers = num();
    else if (a === '--concurrency') args.concurrency = num();
    else if (a === '--pool') args.pool = num();
    else if (a === '--profile') args.profile = true;
    else throw new Error(`unknown argument ${a} (use --quick, --full, --workers N, --concurrency N, --pool N, --profile)`);
  }
  return args;
}

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mode = args.quick ? 'quick' : 'full';
  const started = new Date();
  const stamp = `${Math.floor(started.getTime() / 1000)}_${process.pid}`;
  const cleanup = new Cleanup();
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void cleanup.run(log).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const others = procAvailable() ? await busiestOthers([process.pid]) : [];
  log(`escalations (${mode}) from ${DIST}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const p of others.filter((p) => p.pct >= 10)) log(`  note: another process uses ${p.pct} % CPU: ${p.command}`);

  const profileDir = path.join(ROOT, 'bench', 'results', `profiles-escalations-${mode}-${stamp}`);
  let result: EscalationResult;
  try {
    const services = await startServices(stamp, cleanup, log);
    const dbUrl = await createDatabase(services.adminUrl, `${BENCH_DB_PREFIX}${stamp}`, cleanup, log);
    const municipalityId = await createMunicipality(dbUrl, services.redisUrl, 'bench', 'ベンチ市', randomBytes(15).toString('base64url'));
    log(`municipality bench (ベンチ市) created by the CLI: ${municipalityId}`);
    result = await runEscalationBench({
      dbUrl,
      redisUrl: services.redisUrl,
      dist: DIST,
      mode,
      municipalityId,
      workers: args.workers,
      concurrency: args.concurrency,
      poolSize: args.pool,
      env: { QUEUE_PREFIX: `tsunagi-bench-${stamp}` },
      nodeArgs: args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      log,
      cleanup,
    });
    result.busiestOthers = others.map((p) => `${p.pct} % ${p.command}`).join('; ') || undefined;
  } finally {
    await cleanup.run(log);
  }

  const markdown = [
    `# tsunagi bench — escalations (${mode})`,
    '',
    `${started.toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}.` +
      (result.busiestOthers ? ` Busiest other programs at the start: ${result.busiestOthers}.` : ''),
    '',
    ...escalationSection(result),
    ...(args.profile ? await profileSection(profileDir) : []),
  ].join('\n');
  process.stdout.write(`${markdown}\n`);
  const dir = path.join(ROOT, 'bench', 'results');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, `latest-escalations-${mode}.md`), `${markdown}\n`);
  await fs.writeFile(path.join(dir, `latest-escalations-${mode}.json`), `${JSON.stringify({ startedAt: started.toISOString(), ...result }, null, 2)}\n`);
  log(`results written to bench/results/latest-escalations-${mode}.{md,json}`);
}

/** Where each worker's CPU went, from its .cpuprofile. */
async function profileSection(dir: string): Promise<string[]> {
  const files = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
  const out = ['## Where the workers\' CPU went', ''];
  for (const file of files) {
    const p = summarizeProfile(path.join(dir, file));
    out.push(`\`${path.relative(ROOT, p.file)}\`: ${p.busyMs.toLocaleString('en')} ms busy of ${p.sampledMs.toLocaleString('en')} ms sampled.`, '');
    out.push('| self, by package | % | inclusive, by package | % | hottest functions | % |', '|---|---:|---|---:|---|---:|');
    for (let i = 0; i < 12; i++) {
      const [a, b, c] = [p.selfByPackage[i], p.inclusiveByPackage[i], p.hottestFunctions[i]];
      out.push(`| ${a?.name ?? ''} | ${a?.pct ?? ''} | ${b?.name ?? ''} | ${b?.pct ?? ''} | ${c ? c.name.replace(/\|/g, '\\|') : ''} | ${c?.pct ?? ''} |`);
    }
    out.push('');
  }
  return out;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
