import { carryWrites, combineWrites } from './db.service';

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

describe('carryWrites', () => {
  const event = { table: 'case_events', sql: 'INSERT INTO case_events (id, case_id) VALUES ($1, $2)', params: ['e1', 'c1'] };
  const audit = { table: 'audit_events', sql: 'INSERT INTO audit_events (id) VALUES ($1)', params: ['a1'] };

  it('puts the writes before a statement as CTEs, the statement keeping its parameter numbers and theirs shifted after', () => {
    const carried = carryWrites('INSERT INTO cases (id, summary) VALUES ($1, $2) RETURNING id', ['c1', '相談'], [event, audit]);
    expect(carried).toEqual({
      sql:
        'WITH deferred_0 AS (INSERT INTO case_events (id, case_id) VALUES ($3, $4)),\n' +
        'deferred_1 AS (INSERT INTO audit_events (id) VALUES ($5))\n' +
        'INSERT INTO cases (id, summary) VALUES ($1, $2) RETURNING id',
      params: ['c1', '相談', 'e1', 'c1', 'a1'],
    });
  });

  it("joins a statement's own WITH list", () => {
    const carried = carryWrites('  with c AS (INSERT INTO cases (id) VALUES ($1) RETURNING id) SELECT * FROM c', ['c1'], [audit]);
    expect(carried?.sql).toBe('WITH deferred_0 AS (INSERT INTO audit_events (id) VALUES ($2)),\nc AS (INSERT INTO cases (id) VALUES ($1) RETURNING id) SELECT * FROM c');
  });

  it('refuses a statement that names a write\'s table (it would not see the write), a table twice, or WITH RECURSIVE', () => {
    expect(carryWrites('SELECT count(*) FROM case_events WHERE case_id = $1', ['c1'], [event])).toBeNull();
    expect(carryWrites('SELECT 1 FROM Audit_Events', [], [audit])).toBeNull();
    expect(carryWrites('SELECT 1', [], [event, { ...event, params: ['e2', 'c1'] }])).toBeNull();
    expect(carryWrites('WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r', [], [audit])).toBeNull();
    // a longer name that merely contains the table's is no reason to refuse
    expect(carryWrites('SELECT 1 FROM case_events_archive', [], [event])).not.toBeNull();
  });
});
