import type { TestApp } from '../app';

export type Checksum = Record<string, string>;

/**
 * Tells whether the database changed, as the superuser (row-level security does not hide
 * rows from it). A cheap probe first: the next transaction id moves only when some
 * transaction wrote (or locked) something, so most requests need nothing more; when it moved,
 * every table's row count and a hash of all its rows settle whether anything really changed.
 */
export class DatabaseState {
  private checksumSql = '';

  constructor(
    private readonly t: TestApp,
    /** rows a rejected request may add by design: failed logins are audited */
    private readonly auditActionsAllowed: string[] = ['auth.login_failed'],
  ) {}

  async init(): Promise<void> {
    const tables = await this.t.sql<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'schema_migrations'
       ORDER BY c.relname`,
    );
    if (tables.length < 10) throw new Error(`expected the tenant tables, found ${tables.map((x) => x.name).join(', ')}`);
    const allowed = this.auditActionsAllowed.map((a) => `'${a.replace(/'/g, "''")}'`).join(', ');
    this.checksumSql = tables
      .map(({ name }) => {
        const where = name === 'audit_events' && allowed ? ` WHERE x.action NOT IN (${allowed})` : '';
        return `SELECT '${name}' AS name, count(*)::text || ':' || coalesce(sum(hashtextextended(x::text, 0)), 0)::text AS sum FROM "${name}" x${where}`;
      })
      .join('\nUNION ALL ');
  }

  /** The first transaction id not yet assigned: unchanged means nothing was written since. */
  async nextXid(): Promise<string> {
    const [row] = await this.t.sql<{ xmax: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax');
    return row.xmax;
  }

  async checksum(): Promise<Checksum> {
    const rows = await this.t.sql<{ name: string; sum: string }>(this.checksumSql);
    return Object.fromEntries(rows.map((r) => [r.name, r.sum]));
  }

  static diff(before: Checksum, after: Checksum): string[] {
    return Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
  }
}
