import { readFileSync } from 'node:fs';
import { round1 } from './proc';

/**
 * Where the api's CPU went, from a V8 .cpuprofile: self time by package (what code burns
 * the CPU) and inclusive time by package (what the CPU was spent under, e.g. everything
 * class-validator or TypeORM called), plus the hottest functions.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  busyMs: number;
  selfByPackage: Array<{ name: string; pct: number }>;
  inclusiveByPackage: Array<{ name: string; pct: number }>;
  hottestFunctions: Array<{ name: string; pct: number }>;
}

export function categoryOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = /\/dist\/(libs|apps|migrations)\/([^/]+)/.exec(url);
  if (dist) return `tsunagi ${dist[1]}/${dist[2]}`;
  return url.replace(/^file:\/\//, '');
}

export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const fn = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000; // µs → ms
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    sampled += dt;
    const { url, functionName, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const category = categoryOf(url, functionName);
    self.set(category, (self.get(category) ?? 0) + dt);
    const where = url ? `${functionName || '(anonymous)'} ${categoryOf(url, functionName)}:${lineNumber + 1}` : functionName;
    fn.set(where, (fn.get(where) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName === '(root)') continue;
      seen.add(categoryOf(frame.url, frame.functionName));
    }
    for (const c of seen) inclusive.set(c, (inclusive.get(c) ?? 0) + dt);
  }
  const busy = sampled - idle;
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, pct: round1((ms / busy) * 100) }));
  return { file, sampledMs: Math.round(sampled), busyMs: Math.round(busy), selfByPackage: top(self, 15), inclusiveByPackage: top(inclusive, 15), hottestFunctions: top(fn, 15) };
}
