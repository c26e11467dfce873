import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { DomainError } from '@tsunagi/common/domain-error';
import { CTX_ACTOR, CTX_ENTITY_MANAGER, CTX_MUNICIPALITY, CTX_OPENED, type Actor } from '@tsunagi/common/request-context';

/**
 * One transaction per act. `transaction` opens it, makes the caller's municipality the
 * tenant of the transaction (`set_config(..., true)` is SET LOCAL: it ends with the
 * transaction, so a pooled connection never carries it into the next request; sent with
 * BEGIN in one round trip) and puts the
 * EntityManager in the request context, where repositories find it. A nested call joins
 * the open transaction, so a service can call another service and still commit once, with
 * its audit event and outbox rows.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The connection died under the transaction (PostgreSQL restarted or failed over): TypeORM
 * has released the runner on the connection's error event, and the act's next query would
 * fail as "already released", a 500. It is an outage like any other: 503, retry shortly
 * (with the same Idempotency-Key where the act takes one).
 */
const connectionLost = () => new DomainError('unavailable', 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; retry shortly');

/** A write the act does not read back (timeline, audit, outbox): see `Db.defer`. */
export interface DeferredWrite {
  table: string;
  sql: string;
  params: unknown[];
}

/**
 * A transaction opened before the act that will use it (`Db.openEarly`): BEGIN and the tenant
 * already sent. The request's first `transaction` for the same tenant takes it over; if none
 * does, `release` rolls it back.
 */
export interface OpenedTransaction {
  readonly runner: QueryRunner;
  readonly tenant: string;
  /** taken over by an act, or released */
  done: boolean;
}

/** Deferred writes of each open transaction, by its query runner. */
const deferred = new WeakMap<QueryRunner, DeferredWrite[]>();

/**
 * Several deferred writes as one statement: each a data-modifying CTE, its parameters
 * renumbered after those before it. PostgreSQL runs every data-modifying CTE whether or not
 * the query reads it, all on one snapshot — none of them reads another's table, so that is
 * the same as running them one after the other.
 */
export function combineWrites(writes: DeferredWrite[]): { sql: string; params: unknown[] } {
  if (writes.length === 1) return { sql: writes[0].sql, params: writes[0].params };
  const params: unknown[] = [];
  const ctes = asCtes(writes, params, 'w');
  return { sql: `WITH ${ctes.join(',\n')}\nSELECT 1`, params };
}

/**
 * A statement that carries deferred writes: each a data-modifying CTE before the statement's
 * own (its parameters first, theirs renumbered after), or null when it cannot — a write's
 * table named in the statement (it would not see the write: a statement does not read its
 * own CTEs' changes), a table twice among the writes, or a WITH RECURSIVE statement.
 */
export function carryWrites(sql: string, params: unknown[], writes: DeferredWrite[]): { sql: string; params: unknown[] } | null {
  if (groups(writes).length !== 1 || /^\s*WITH\s+RECURSIVE\b/i.test(sql)) return null;
  if (writes.some((w) => new RegExp(`\\b${w.table}\\b`, 'i').test(sql))) return null;
  const all = [...params];
  const ctes = asCtes(writes, all, 'deferred_');
  const own = /^\s*WITH\s+/i.exec(sql);
  return { sql: own ? `WITH ${ctes.join(',\n')},\n${sql.slice(own[0].length)}` : `WITH ${ctes.join(',\n')}\n${sql}`, params: all };
}

/** Each write as `name AS (insert)`, its parameters appended to `params` and renumbered to match. */
function asCtes(writes: DeferredWrite[], params: unknown[], prefix: string): string[] {
  return writes.map((w, i) => {
    const offset = params.length;
    params.push(...w.params);
    return `${prefix}${i} AS (${w.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
  });
}

/** Consecutive writes in groups with each table at most once (a statement's triggers see one insert per table). */
function groups(writes: DeferredWrite[]): DeferredWrite[][] {
  const out: DeferredWrite[][] = [];
  let current: DeferredWrite[] = [];
  for (const w of writes) {
    if (current.some((c) => c.table === w.table)) {
      out.push(current);
      current = [];
    }
    current.push(w);
  }
  if (current.length) out.push(current);
  return out;
}

@Injectable()
export class Db {
  constructor(
    readonly dataSource: DataSource,
    private readonly cls: ClsService,
  ) {}

  async transaction<T>(fn: (em: EntityManager) => Promise<T>, municipalityId?: string): Promise<T> {
    const open = this.cls.isActive() ? (this.cls.get(CTX_ENTITY_MANAGER) as EntityManager | undefined) : undefined;
    if (open) return fn(open);
    const tenant = municipalityId ?? this.currentMunicipalityId();
    // Inlined below (one round trip for BEGIN and the setting): only ever a UUID.
    if (!UUID.test(tenant)) throw new Error('The municipality id is not a UUID');
    const run = async () => {
      const opened = this.takeOpened(tenant);
      const runner = opened ?? this.dataSource.createQueryRunner();
      try {
        if (!opened) {
          await runner.connect();
          // BEGIN and SET LOCAL in one simple-protocol round trip instead of two.
          await runner.query(`BEGIN; SELECT set_config('app.municipality_id', '${tenant}', true)`);
        }
        this.cls.set(CTX_ENTITY_MANAGER, runner.manager);
        this.cls.set(CTX_MUNICIPALITY, tenant);
        let result: T;
        try {
          result = await fn(runner.manager);
          await this.flush(runner);
        } catch (error) {
          if (runner.isReleased && !(error instanceof DomainError)) throw connectionLost();
          await runner.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          this.cls.set(CTX_ENTITY_MANAGER, undefined);
          deferred.delete(runner);
        }
        await runner.query('COMMIT').catch((error: unknown) => {
          throw runner.isReleased ? connectionLost() : error;
        });
        return result;
      } finally {
        await runner.release();
      }
    };
    // A child context, so the entity manager never outlives this transaction in the caller's.
    return this.cls.run({ ifNested: 'inherit' }, run);
  }

  /**
   * Opens the request's transaction before its act, in one round trip with a first statement
   * whose rows the request needs before the act can start — the principal check of every
   * authenticated request. BEGIN, the tenant setting and `first` go as one simple-protocol
   * message; the request's first `transaction` for this tenant then takes the open transaction
   * over instead of checking out another connection and sending BEGIN again. A request that
   * ends without one must call `release`. `first` is one statement into which the caller has
   * spliced nothing but UUIDs it checked (the simple protocol takes no parameters).
   */
  async openEarly<T>(tenant: string, first: string): Promise<{ rows: T[]; opened: OpenedTransaction }> {
    if (!UUID.test(tenant)) throw new Error('The municipality id is not a UUID');
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as { query(sql: string): Promise<Array<{ rows: T[] }>> };
    try {
      const results = await client.query(`BEGIN; SELECT set_config('app.municipality_id', '${tenant}', true); ${first}`);
      const opened: OpenedTransaction = { runner, tenant, done: false };
      if (this.cls.isActive()) this.cls.set(CTX_OPENED, opened);
      return { rows: results[2].rows, opened };
    } catch (error) {
      if (!runner.isReleased) {
        await runner.query('ROLLBACK').catch(() => undefined);
        await runner.release();
      }
      throw error;
    }
  }

  /** Ends an early-opened transaction no act took over (rollback: it wrote nothing). */
  async release(opened: OpenedTransaction | undefined): Promise<void> {
    if (!opened || opened.done) return;
    opened.done = true;
    try {
      await opened.runner.query('ROLLBACK');
    } catch {
      // the connection is gone: TypeORM has released it already
    } finally {
      if (!opened.runner.isReleased) await opened.runner.release();
    }
  }

  private takeOpened(tenant: string): QueryRunner | undefined {
    const opened = this.cls.isActive() ? (this.cls.get(CTX_OPENED) as OpenedTransaction | undefined) : undefined;
    if (!opened || opened.done || opened.tenant !== tenant) return undefined;
    opened.done = true;
    if (opened.runner.isReleased) return undefined;
    return opened.runner;
  }

  /**
   * Rows of a parametrised statement in the open transaction, whatever its command
   * (TypeORM's own `query` answers [rows, count] for UPDATE/DELETE and rows otherwise).
   */
  async query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    const runner = this.runner();
    await this.flush(runner);
    const result = await runner.query(sql, params, true);
    return result.records as T[];
  }

  /**
   * `query`, with the act's deferred writes carried in the same statement instead of sent
   * before it: one round trip instead of two. For a statement that reads none of their tables
   * (checked: otherwise they are flushed first, as by `query`); their foreign keys are checked
   * at the end of the statement, so they may refer to rows it inserts. Writes that do refer to
   * such rows must be carriable — distinct tables, none named by the statement — or the flush
   * before it fails on their foreign keys (intake: one timeline entry, one audit event).
   */
  async queryCarrying<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    const runner = this.runner();
    const list = deferred.get(runner);
    const carried = list?.length ? carryWrites(sql, params, list) : null;
    if (!carried) return this.query<T>(sql, params);
    deferred.delete(runner);
    const result = await runner.query(carried.sql, carried.params, true);
    return result.records as T[];
  }

  /** Rows and affected-row count: for conditional updates (`WHERE version = $n`). */
  async execute<T = any>(sql: string, params: unknown[] = []): Promise<{ rows: T[]; affected: number }> {
    const runner = this.runner();
    await this.flush(runner);
    const result = await runner.query(sql, params, true);
    return { rows: result.records as T[], affected: result.affected ?? result.records.length };
  }

  /**
   * A write in the open transaction that the act never reads back — its timeline entry, its
   * audit event, its outbox row. It waits until the act sends another statement (it goes
   * first, so the act reads its own writes as always) or is done; the writes waiting
   * together then go as one statement, saving a round trip each — and a round trip costs
   * the api and PostgreSQL more (system calls, wake-ups) than such an insert itself. The
   * write still commits with the act or not at all; a failing one fails the act. `sql` is
   * one INSERT (no WITH of its own) into `table`.
   */
  async defer(table: string, sql: string, params: unknown[]): Promise<void> {
    const runner = this.runner();
    const list = deferred.get(runner);
    if (list) list.push({ table, sql, params });
    else deferred.set(runner, [{ table, sql, params }]);
  }

  private async flush(runner: QueryRunner): Promise<void> {
    const list = deferred.get(runner);
    if (!list?.length) return;
    deferred.delete(runner);
    for (const group of groups(list)) {
      const { sql, params } = combineWrites(group);
      await runner.query(sql, params, true);
    }
  }

  private runner() {
    const runner = this.em.queryRunner;
    if (!runner) throw new Error('The open transaction has no query runner');
    return runner;
  }

  /**
   * Acts for a municipality outside any HTTP request (the worker's jobs and loops, the CLI):
   * a fresh request context with no signed-in user, and one transaction scoped to it.
   */
  forMunicipality<T>(municipalityId: string, fn: () => Promise<T>): Promise<T> {
    return this.cls.run({ ifNested: 'override' }, () => {
      this.cls.set(CTX_MUNICIPALITY, municipalityId);
      return this.transaction(fn, municipalityId);
    });
  }

  /** The entity manager of the open transaction; repositories use nothing else. */
  get em(): EntityManager {
    const em = this.cls.isActive() ? (this.cls.get(CTX_ENTITY_MANAGER) as EntityManager | undefined) : undefined;
    if (!em) throw new Error('No open transaction: call repositories inside Db.transaction()');
    return em;
  }

  currentMunicipalityId(): string {
    const actor = this.cls.isActive() ? (this.cls.get(CTX_ACTOR) as Actor | undefined) : undefined;
    const id = actor?.municipalityId ?? (this.cls.isActive() ? (this.cls.get(CTX_MUNICIPALITY) as string | undefined) : undefined);
    if (!id) throw new Error('No municipality in the request context');
    return id;
  }
}
