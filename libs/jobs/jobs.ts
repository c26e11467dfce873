/**
 * The registry of queues and job names. The worker refuses to start when a job here has no
 * handler or two (a job nobody handles would wait in Redis forever). Job payloads carry ids
 * only: Redis keeps them in clear text, so never names, notes or addresses.
 */
export const QUEUES = {
  maintenance: 'maintenance',
} as const;

export const JOBS = {
  /** keeps monthly audit partitions created ahead of time */
  ensureAuditPartitions: 'audit.ensure-partitions',
} as const;

export type JobName = (typeof JOBS)[keyof typeof JOBS];
export const ALL_JOBS: JobName[] = Object.values(JOBS);

/** Custom BullMQ job ids may contain neither ':' nor be an integer string. */
export function jobId(...parts: string[]): string {
  return parts.join('.').replace(/:/g, '_');
}

/** Checks handler coverage: every registered job handled exactly once. */
export function checkJobHandlers(handled: Array<{ handler: string; jobs: readonly string[] }>): void {
  const owners = new Map<string, string[]>();
  for (const { handler, jobs } of handled) for (const job of jobs) owners.set(job, [...(owners.get(job) ?? []), handler]);
  const problems: string[] = [];
  for (const job of ALL_JOBS) {
    const list = owners.get(job) ?? [];
    if (list.length === 0) problems.push(`job ${job} has no handler`);
    if (list.length > 1) problems.push(`job ${job} has ${list.length} handlers (${list.join(', ')})`);
  }
  for (const job of owners.keys()) if (!(ALL_JOBS as string[]).includes(job)) problems.push(`handler for unknown job ${job}`);
  if (problems.length) throw new Error(`Job registry: ${problems.join('; ')}`);
}
