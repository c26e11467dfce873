import { Client } from 'pg';
import { runLoad, type LoadRun } from './http-load';
import { cpuBetween, cpuSnapshot, round1, type CpuWatch } from './proc';

/**
 * What this machine charges for the two things every request does, measured without the
 * application's code in the way: one PostgreSQL round trip (a parametrised `SELECT $1` over
 * node-postgres, as the api sends its statements) and one HTTP request through the api's
 * framework stack (GET /health/live: Fastify, Nest, helmet, request id, logger; no database).
 * A request's cost is roughly its statements times the first plus the second.
 */

export interface RoundTrip {
  queries: number;
  wallUs: number;
  clientCpuUs: number;
  postgresCpuUs: number;
}

export interface Calibration {
  roundTrip: RoundTrip;
  healthLive: LoadRun;
}

export async function measureRoundTrip(dbUrl: string, watch: CpuWatch, queries = 2000): Promise<RoundTrip> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    for (let i = 0; i < 300; i++) await client.query('SELECT $1::int AS n', [i]);
    const before = cpuSnapshot(watch);
    const t0 = performance.now();
    for (let i = 0; i < queries; i++) await client.query('SELECT $1::int AS n', [i]);
    const wall = performance.now() - t0;
    const after = cpuSnapshot(watch);
    const use = cpuBetween(before, after);
    const perQueryUs = (pct: number) => round1(((pct / 100) * use.seconds * 1e6) / queries);
    return { queries, wallUs: round1((wall * 1000) / queries), clientCpuUs: perQueryUs(use.loaderPct), postgresCpuUs: perQueryUs(use.postgresPct) };
  } finally {
    await client.end();
  }
}

export async function calibrate(dbUrl: string, baseUrl: string, connections: number, seconds: number, watch: CpuWatch): Promise<Calibration> {
  const roundTrip = await measureRoundTrip(dbUrl, watch);
  await runLoad({ baseUrl, connections, seconds: 1, requests: [{ method: 'GET', path: '/health/live' }], headers: {}, watch });
  const healthLive = await runLoad({ baseUrl, connections, seconds, requests: [{ method: 'GET', path: '/health/live' }], headers: {}, watch });
  return { roundTrip, healthLive };
}
