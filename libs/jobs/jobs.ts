/**
 * The registry of queues and job names. The worker refuses to start when a job here has no
 * handler or two (a job nobody handles would wait in Redis forever). Job payloads carry ids
 * only: Redis keeps them in clear text, so never names, notes or addresses.
 */
export const QUEUES = {
  maintenance: 'maintenance',
  dueTimes: 'due-times',
} as const;

export const JOBS = {
  /** keeps monthly audit partitions created ahead of time */
  ensureAuditPartitions: 'audit.ensure-partitions',
  /** a pending referral's respondBy passed: escalate to both agencies (rule 4) */
  referralDue: 'referral.due',
  /** a task's due time passed while open: escalate to its agency */
  taskDue: 'task.due',
  /** an accepted transfer without first contact after the hand-off days: check task for the referrer (rule 5) */
  referralHandoff: 'referral.handoff',
  /** the opening time of a task's due day: remind the assignee */
  taskRemind: 'task.remind',
} as const;

/** Due-time jobs and their queue; payload `{ municipalityId, entityId }`. */
export const DUE_JOBS = [JOBS.referralDue, JOBS.taskDue, JOBS.referralHandoff, JOBS.taskRemind] as const;
export type DueJob = (typeof DUE_JOBS)[number];

export interface DueJobData {
  municipalityId: string;
  entityId: string;
}

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
