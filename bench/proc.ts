import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * CPU and memory of the processes under test, read from /proc (Linux): where the time of a
 * request goes — the api's Node process, PostgreSQL's backends, the load generator (this
 * process) — and how much other programs on the machine took meanwhile.
 */

const TICK_MS = 10; // USER_HZ is 100 on every Linux we run on

interface Stat {
  ppid: number;
  /** utime + stime, ms */
  own: number;
  /** cutime + cstime: children this process has waited for (exited PostgreSQL backends), ms */
  children: number;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17
    return {
      ppid: Number(fields[1]),
      own: (Number(fields[11]) + Number(fields[12])) * TICK_MS,
      children: (Number(fields[13]) + Number(fields[14])) * TICK_MS,
    };
  } catch {
    return undefined;
  }
}

export function procAvailable(): boolean {
  return stat(process.pid) !== undefined;
}

/** The parent of `pid` (for a PostgreSQL backend: the postmaster). */
export function parentOf(pid: number): number | undefined {
  return stat(pid)?.ppid;
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** A process and all its descendants, live and reaped: a PostgreSQL cluster from its postmaster. */
function treeCpuMs(root: number, all: Map<number, Stat>): number {
  const rootStat = all.get(root);
  if (!rootStat) return 0;
  let total = rootStat.own + rootStat.children;
  const stack = [root];
  while (stack.length) {
    const parent = stack.pop()!;
    for (const [pid, s] of all) {
      if (s.ppid === parent && pid !== root) {
        total += s.own;
        stack.push(pid);
      }
    }
  }
  return total;
}

function allStats(): Map<number, Stat> {
  const out = new Map<number, Stat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s) out.set(Number(entry), s);
  }
  return out;
}

function childrenOf(pid: number | undefined, all: Map<number, Stat>): number[] {
  return pid ? [...all].filter(([, s]) => s.ppid === pid).map(([child]) => child) : [];
}

/** Machine-wide busy and total CPU time since boot, ms (all cores). */
function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + (steal || 0);
  return { busy: (total - idle - iowait) * TICK_MS, total: total * TICK_MS };
}

export interface CpuWatch {
  api?: number;
  postmaster?: number;
  redis?: number;
  /** the worker process, while one runs */
  worker?: number;
}

/** Read and write system calls of a process so far (/proc/<pid>/io): a request's round trips show up here. */
function syscallsOf(pid: number | undefined): { reads: number; writes: number } {
  if (!pid) return { reads: 0, writes: 0 };
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8');
    const get = (key: string) => Number(new RegExp(`^${key}: (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { reads: get('syscr'), writes: get('syscw') };
  } catch {
    return { reads: 0, writes: 0 };
  }
}

export interface CpuSnapshot {
  at: number;
  api: number;
  apiSyscalls: { reads: number; writes: number };
  postgres: number;
  redis: number;
  worker: number;
  loader: number;
  machineBusy: number;
  machineTotal: number;
}

export function cpuSnapshot(watch: CpuWatch): CpuSnapshot {
  const all = allStats();
  const usage = process.cpuUsage();
  const machine = machineCpu();
  return {
    at: performance.now(),
    // the api's process and, with API_PROCESSES > 1, the processes it keeps
    api: watch.api ? treeCpuMs(watch.api, all) : 0,
    apiSyscalls: [watch.api, ...childrenOf(watch.api, all)].map(syscallsOf).reduce((a, b) => ({ reads: a.reads + b.reads, writes: a.writes + b.writes })),
    postgres: watch.postmaster ? treeCpuMs(watch.postmaster, all) : 0,
    redis: watch.redis ? (all.get(watch.redis)?.own ?? 0) : 0,
    worker: watch.worker ? (all.get(watch.worker)?.own ?? 0) : 0,
    loader: (usage.user + usage.system) / 1000,
    machineBusy: machine.busy,
    machineTotal: machine.total,
  };
}

export interface CpuUse {
  seconds: number;
  cores: number;
  /** share of one core, % (200 % = both cores of a 2-core machine) */
  apiPct: number;
  postgresPct: number;
  loaderPct: number;
  redisPct: number;
  /** the worker, when one was watched (else its CPU, if it runs, is in "other") */
  workerPct?: number;
  /** everything else on the machine: other programs, the kernel's own work */
  otherPct: number;
  machinePct: number;
  /** CPU ms spent per request (when a request count is given) */
  apiMsPerRequest?: number;
  postgresMsPerRequest?: number;
  /** write / read system calls of the api per request: each PostgreSQL statement is one write, each response one more */
  apiWritesPerRequest?: number;
  apiReadsPerRequest?: number;
}

export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot, requests?: number): CpuUse {
  const seconds = (b.at - a.at) / 1000;
  const pct = (ms: number) => round1((ms / (seconds * 1000)) * 100);
  const api = b.api - a.api;
  const postgres = b.postgres - a.postgres;
  const loader = b.loader - a.loader;
  const redis = b.redis - a.redis;
  // a worker started or stopped in between is not counted for that interval
  const worker = a.worker && b.worker ? b.worker - a.worker : 0;
  const busy = b.machineBusy - a.machineBusy;
  const use: CpuUse = {
    seconds: round1(seconds),
    cores: os.cpus().length,
    apiPct: pct(api),
    postgresPct: pct(postgres),
    loaderPct: pct(loader),
    redisPct: pct(redis),
    otherPct: pct(Math.max(0, busy - api - postgres - loader - redis - worker)),
    machinePct: pct(busy),
  };
  if (worker) use.workerPct = pct(worker);
  if (requests && requests > 0) {
    use.apiMsPerRequest = round2(api / requests);
    use.postgresMsPerRequest = round2(postgres / requests);
    use.apiWritesPerRequest = round1((b.apiSyscalls.writes - a.apiSyscalls.writes) / requests);
    use.apiReadsPerRequest = round1((b.apiSyscalls.reads - a.apiSyscalls.reads) / requests);
  }
  return use;
}

/** VmRSS / VmHWM (peak) of a process, MiB. */
export function memoryOf(pid: number): { rssMiB: number; peakRssMiB: number } | undefined {
  const children = childrenOf(pid, allStats()).map(memoryOfOne).filter((m) => m !== undefined);
  const own = memoryOfOne(pid);
  if (!children.length || !own) return own;
  // API_PROCESSES > 1: the processes together (peaks summed: an upper bound of the joint peak)
  const all = [own, ...children];
  return { rssMiB: round1(all.reduce((t, m) => t + m.rssMiB, 0)), peakRssMiB: round1(all.reduce((t, m) => t + m.peakRssMiB, 0)) };
}

function memoryOfOne(pid: number): { rssMiB: number; peakRssMiB: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { rssMiB: round1(kb('VmRSS') / 1024), peakRssMiB: round1(kb('VmHWM') / 1024) };
  } catch {
    return undefined;
  }
}

/** The top CPU users over `ms`, leaving out the process trees under test, to tell whether the machine was shared. */
export async function busiestOthers(roots: number[], ms = 1000): Promise<Array<{ pid: number; pct: number; command: string }>> {
  const before = allStats();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = allStats();
  const excluded = new Set<number>(roots);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, s] of after) {
      if (!excluded.has(pid) && excluded.has(s.ppid)) {
        excluded.add(pid);
        grew = true;
      }
    }
  }
  const out: Array<{ pid: number; pct: number; command: string }> = [];
  for (const [pid, s] of after) {
    if (excluded.has(pid)) continue;
    const used = s.own - (before.get(pid)?.own ?? s.own);
    if (used > 0) out.push({ pid, pct: round1((used / ms) * 100), command: commandLine(pid).slice(0, 80) });
  }
  return out.sort((x, y) => y.pct - x.pct).slice(0, 5);
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;
export const round2 = (n: number): number => Math.round(n * 100) / 100;
