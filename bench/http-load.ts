import autocannon from 'autocannon';
import { cpuBetween, cpuSnapshot, round1, round2, type CpuUse, type CpuWatch } from './proc';

/**
 * Closed-loop HTTP load with autocannon (N connections, each sends its next request when the
 * previous one answered), and plain sequential requests for the latency of a request alone.
 * Latencies are kept per response, so any percentile (p95 included) is exact.
 */

export interface Latency {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadRun {
  connections: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: Latency;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  cpu: CpuUse;
}

export function latency(samples: number[]): Latency {
  if (samples.length === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(samples).sort();
  // nearest-rank percentile
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const sum = sorted.reduce((s, v) => s + v, 0);
  return { count: sorted.length, p50: round2(at(50)), p95: round2(at(95)), p99: round2(at(99)), max: round2(sorted[sorted.length - 1]), mean: round2(sum / sorted.length) };
}

export interface LoadOptions {
  baseUrl: string;
  connections: number;
  seconds: number;
  requests: autocannon.Request[];
  headers: Record<string, string>;
  watch: CpuWatch;
}

export async function runLoad(opts: LoadOptions): Promise<LoadRun> {
  const latencies: number[] = [];
  const before = cpuSnapshot(opts.watch);
  const t0 = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.baseUrl,
        connections: opts.connections,
        duration: opts.seconds,
        headers: opts.headers,
        requests: opts.requests,
        timeout: 30,
      },
      (error: Error | null, res: autocannon.Result) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', (_client: autocannon.Client, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  });
  const seconds = (performance.now() - t0) / 1000;
  const after = cpuSnapshot(opts.watch);
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = count ?? 0;
  return {
    connections: opts.connections,
    seconds: round1(seconds),
    requests: latencies.length,
    requestsPerSecond: Math.round(latencies.length / seconds),
    latencyMs: latency(latencies),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    cpu: cpuBetween(before, after, latencies.length),
  };
}

export interface SequentialRun {
  requests: number;
  latencyMs: Latency;
  non2xx: number;
  /** true when the time budget ran out before `count` requests were sent */
  cutShort?: boolean;
}

/**
 * One request at a time over one keep-alive connection: the latency of a request alone.
 * Stops early (after at least 5 requests) once `budgetMs` is spent, so a slow endpoint
 * cannot hold the whole run.
 */
export async function runSequential(count: number, send: (i: number) => Promise<number>, budgetMs = Infinity): Promise<SequentialRun> {
  const samples: number[] = [];
  let non2xx = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (i >= 5 && performance.now() - start > budgetMs) break;
    const t0 = performance.now();
    const status = await send(i);
    samples.push(performance.now() - t0);
    if (status < 200 || status > 299) non2xx++;
  }
  const run: SequentialRun = { requests: samples.length, latencyMs: latency(samples), non2xx };
  if (samples.length < count) run.cutShort = true;
  return run;
}

/** fetch that reads the body to the end and answers the status. */
export async function timedFetch(url: string, init: RequestInit): Promise<number> {
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return res.status;
}
