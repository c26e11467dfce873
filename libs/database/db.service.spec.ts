import { combineWrites } from './db.service';

describe('combineWrites', () => {
  it('sends one write as it is', () => {
    const one = { table: 'outbox', sql: 'INSERT INTO outbox (job) VALUES ($1)', params: ['task.due'] };
    expect(combineWrites([one])).toEqual({ sql: one.sql, params: ['task.due'] });
  });

  it('makes several writes data-modifying CTEs of one statement, each parameter number shifted past the writes before it', () => {
    const combined = combineWrites([
      { table: 'case_events', sql: 'INSERT INTO case_events (id, case_id, data) VALUES ($1, $2, $3)', params: ['e1', 'c1', {}] },
      { table: 'audit_events', sql: 'INSERT INTO audit_events (id, case_id, entity_id) VALUES ($1, $2, $2)', params: ['a1', 'c1'] },
      { table: 'outbox', sql: 'INSERT INTO outbox (job, entity_id) VALUES ($1, $2)', params: ['task.due', 't1'] },
    ]);
    expect(combined.sql).toBe(
      'WITH w0 AS (INSERT INTO case_events (id, case_id, data) VALUES ($1, $2, $3)),\n' +
        'w1 AS (INSERT INTO audit_events (id, case_id, entity_id) VALUES ($4, $5, $5)),\n' +
        'w2 AS (INSERT INTO outbox (job, entity_id) VALUES ($6, $7))\n' +
        'SELECT 1',
    );
    expect(combined.params).toEqual(['e1', 'c1', {}, 'a1', 'c1', 'task.due', 't1']);
  });

  it('shifts two-digit parameter numbers whole', () => {
    const params = Array.from({ length: 12 }, (_, i) => i);
    const combined = combineWrites([
      { table: 'a', sql: 'INSERT INTO a VALUES ($1)', params: [0] },
      { table: 'b', sql: 'INSERT INTO b VALUES ($1, $10, $12)', params },
    ]);
    expect(combined.sql).toContain('INSERT INTO b VALUES ($2, $11, $13)');
    expect(combined.params).toHaveLength(13);
  });
});
