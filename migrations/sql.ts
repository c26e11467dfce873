/**
 * Helpers for hand-written migrations. Every tenant table gets the same row-level security
 * policy: a row is visible only inside a transaction whose `app.municipality_id` is its
 * municipality. `NULLIF(..., '')` makes a connection that once had the setting (it then reads
 * '' rather than NULL) see nothing instead of failing on ''::uuid; the sub-select reads the
 * setting once per statement rather than once per row.
 */
export const APP_ROLE = 'tsunagi_app';
export const TENANT = `(SELECT NULLIF(current_setting('app.municipality_id', true), ''))::uuid`;

export function tenantPolicy(table: string, column = 'municipality_id'): string {
  return `
    ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
    CREATE POLICY ${table}_tenant ON ${table} TO ${APP_ROLE}
      USING (${column} = ${TENANT}) WITH CHECK (${column} = ${TENANT});`;
}
