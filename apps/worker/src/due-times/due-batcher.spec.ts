import type { DueOutcome } from '@tsunagi/escalations';
import { JOBS, type DueJob } from '@tsunagi/jobs';
import { DueBatcher } from './due-batcher';

const M1 = '01900000-0000-7000-8000-000000000001';
const M2 = '01900000-0000-7000-8000-000000000002';

function recorder(answer: (job: DueJob, ids: string[]) => Map<string, DueOutcome | Error> | Promise<never> = (_job, ids) => new Map(ids.map((id) => [id, 'done'] as const))) {
  const calls: Array<{ job: DueJob; municipalityId: string; ids: string[] }> = [];
  const runMany = async (job: DueJob, municipalityId: string, ids: string[]) => {
    calls.push({ job, municipalityId, ids });
    return answer(job, ids);
  };
  return { calls, runMany };
}

describe('DueBatcher', () => {
  it('runs the jobs that arrive together as one batch per job name and municipality', async () => {
    const { calls, runMany } = recorder();
    const batcher = new DueBatcher(runMany, 100, 5);
    const outcomes = await Promise.all([
      batcher.submit(JOBS.taskDue, M1, 'a'),
      batcher.submit(JOBS.taskDue, M1, 'b'),
      batcher.submit(JOBS.taskDue, M2, 'c'),
      batcher.submit(JOBS.referralDue, M1, 'd'),
      batcher.submit(JOBS.taskDue, M1, 'e'),
    ]);
    expect(outcomes).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(calls).toHaveLength(3);
    expect(calls).toEqual(
      expect.arrayContaining([
        { job: JOBS.taskDue, municipalityId: M1, ids: ['a', 'b', 'e'] },
        { job: JOBS.taskDue, municipalityId: M2, ids: ['c'] },
        { job: JOBS.referralDue, municipalityId: M1, ids: ['d'] },
      ]),
    );
  });

  it('sends a full batch at once, without waiting for the linger time', async () => {
    const { calls, runMany } = recorder();
    const batcher = new DueBatcher(runMany, 3, 60_000);
    const started = Date.now();
    const outcomes = await Promise.all(['a', 'b', 'c'].map((id) => batcher.submit(JOBS.taskDue, M1, id)));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(outcomes).toEqual(['done', 'done', 'done']);
    expect(calls).toEqual([{ job: JOBS.taskDue, municipalityId: M1, ids: ['a', 'b', 'c'] }]);
  });

  it('starts a new batch for jobs that arrive after one was sent', async () => {
    const { calls, runMany } = recorder();
    const batcher = new DueBatcher(runMany, 100, 5);
    await batcher.submit(JOBS.taskDue, M1, 'a');
    await batcher.submit(JOBS.taskDue, M1, 'b');
    expect(calls.map((c) => c.ids)).toEqual([['a'], ['b']]);
  });

  it('gives each job its own outcome: one that failed alone fails, the others do not', async () => {
    const { runMany } = recorder((_job, ids) => new Map<string, DueOutcome | Error>(ids.map((id) => [id, id === 'bad' ? new Error('row refused') : id === 'moved' ? 'skipped' : 'done'])));
    const batcher = new DueBatcher(runMany, 100, 5);
    const results = await Promise.allSettled(['ok', 'bad', 'moved'].map((id) => batcher.submit(JOBS.taskDue, M1, id)));
    expect(results[0]).toEqual({ status: 'fulfilled', value: 'done' });
    expect(results[1]).toEqual({ status: 'rejected', reason: expect.objectContaining({ message: 'row refused' }) });
    expect(results[2]).toEqual({ status: 'fulfilled', value: 'skipped' });
  });

  it('fails every job of a batch whose run threw, so each is retried', async () => {
    const { runMany } = recorder(() => Promise.reject(new Error('database away')));
    const batcher = new DueBatcher(runMany, 100, 5);
    const results = await Promise.allSettled(['a', 'b'].map((id) => batcher.submit(JOBS.taskDue, M1, id)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
