import { Injectable } from '@nestjs/common';
import { decodeCursor } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import type { Role } from '@tsunagi/vocabularies';

export interface User {
  id: string;
  username: string;
  displayName: string;
  agencyId: string | null;
  roles: Role[];
  email: string | null;
  disabled: boolean;
  createdAt: string;
}

export interface UserWithSecret extends User {
  passwordHash: string;
  tokenVersion: number;
}

const COLUMNS = `id, username, display_name AS "displayName", agency_id AS "agencyId", roles, email, disabled, created_at AS "createdAt"`;

@Injectable()
export class UsersRepository {
  constructor(private readonly db: Db) {}

  async insert(u: Omit<User, 'createdAt' | 'disabled'> & { passwordHash: string }): Promise<User | null> {
    const rows = await this.db.query(
      `INSERT INTO users (municipality_id, id, username, display_name, agency_id, roles, password_hash, email)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (municipality_id, username) DO NOTHING
       RETURNING ${COLUMNS}`,
      [u.id, u.username, u.displayName, u.agencyId, u.roles, u.passwordHash, u.email],
    );
    return rows[0] ? serialize(rows[0]) : null;
  }

  async findById(id: string): Promise<UserWithSecret | null> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS}, password_hash AS "passwordHash", token_version AS "tokenVersion" FROM users WHERE id = $1`,
      [id],
    );
    return rows[0] ? (serialize(rows[0]) as UserWithSecret) : null;
  }

  async findByUsername(username: string): Promise<UserWithSecret | null> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS}, password_hash AS "passwordHash", token_version AS "tokenVersion" FROM users WHERE username = $1`,
      [username],
    );
    return rows[0] ? (serialize(rows[0]) as UserWithSecret) : null;
  }

  async list(filter: { agencyId?: string; limit: number; cursor?: string }): Promise<User[]> {
    const after = decodeCursor(filter.cursor, 1);
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM users
       WHERE ($1::uuid IS NULL OR agency_id = $1) AND ($2::text IS NULL OR username > $2)
       ORDER BY username LIMIT $3`,
      [filter.agencyId ?? null, after ? String(after[0]) : null, filter.limit + 1],
    );
    return rows.map(serialize);
  }

  async update(id: string, changes: { displayName?: string; agencyId?: string | null; roles?: Role[]; disabled?: boolean; email?: string; passwordHash?: string; bumpTokenVersion?: boolean }): Promise<User | null> {
    const rows = await this.db.query(
      `UPDATE users SET
         display_name = COALESCE($2, display_name),
         agency_id = CASE WHEN $3::boolean THEN $4::uuid ELSE agency_id END,
         roles = COALESCE($5::text[], roles),
         disabled = COALESCE($6, disabled),
         password_hash = COALESCE($7, password_hash),
         token_version = token_version + CASE WHEN $8::boolean THEN 1 ELSE 0 END,
         email = COALESCE($9, email),
         updated_at = now()
       WHERE id = $1
       RETURNING ${COLUMNS}`,
      [id, changes.displayName ?? null, changes.agencyId !== undefined, changes.agencyId ?? null, changes.roles ?? null, changes.disabled ?? null, changes.passwordHash ?? null, changes.bumpTokenVersion ?? false, changes.email ?? null],
    );
    return rows[0] ? serialize(rows[0]) : null;
  }

  /**
   * Open tasks assigned to the user go back to their agency's queue (still assigned to the
   * agency, no longer to the person). Also clears the case lead worker. Returns task ids.
   */
  async releaseWork(userId: string): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(`UPDATE tasks SET assignee_user_id = NULL WHERE assignee_user_id = $1 AND status = 'open' RETURNING id`, [userId]);
    await this.db.query(`UPDATE cases SET lead_worker_id = NULL, version = version + 1, updated_at = now() WHERE lead_worker_id = $1`, [userId]);
    return rows.map((r) => r.id);
  }

  async countActiveAdmins(): Promise<number> {
    const rows = await this.db.query(`SELECT count(*)::int AS n FROM users WHERE 'admin' = ANY(roles) AND NOT disabled`);
    return rows[0].n;
  }
}

function serialize<T extends { createdAt: Date | string }>(row: T): T & { createdAt: string } {
  const { passwordHash: _p, tokenVersion: _t, ...rest } = row as T & { passwordHash?: string; tokenVersion?: number };
  const out = { ...rest, createdAt: new Date(row.createdAt).toISOString() } as T & { createdAt: string };
  if (_p !== undefined) Object.assign(out, { passwordHash: _p, tokenVersion: _t });
  return out;
}
