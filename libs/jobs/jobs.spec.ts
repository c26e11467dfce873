import { ALL_JOBS, checkJobHandlers, jobId } from './jobs';
import { redisOptionsFromUrl } from './redis-connection';

describe('job registry', () => {
  it('accepts every job handled once', () => {
    expect(() => checkJobHandlers([{ handler: 'A', jobs: ALL_JOBS }])).not.toThrow();
  });
  it('refuses a job with no handler, two handlers or an unknown job', () => {
    expect(() => checkJobHandlers([])).toThrow(/has no handler/);
    expect(() => checkJobHandlers([{ handler: 'A', jobs: ALL_JOBS }, { handler: 'B', jobs: ALL_JOBS }])).toThrow(/2 handlers/);
    expect(() => checkJobHandlers([{ handler: 'A', jobs: [...ALL_JOBS, 'nope'] }])).toThrow(/unknown job nope/);
  });
  it('makes job ids BullMQ accepts', () => {
    expect(jobId('task', 'a:b')).toBe('task.a_b');
  });
  it('reads redis URLs', () => {
    expect(redisOptionsFromUrl('redis://:secret@10.0.0.1:6380/4')).toEqual(expect.objectContaining({ host: '10.0.0.1', port: 6380, db: 4, password: 'secret' }));
  });
});
