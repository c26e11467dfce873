import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { Actor, badRequest, conflict, CTX_ACTOR, DomainError } from '@tsunagi/common';
import { Db } from '@tsunagi/database';

export const IDEMPOTENCY_TTL_HOURS = 24;
const KEY_RE = /^[\x21-\x7e]{1,255}$/;

export interface Stored<T> {
  status: number;
  body: T;
  replayed: boolean;
}

/** JSON with object keys sorted, so the same body in another key order hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Idempotency-Key (scoped to the calling user). Runs inside the act's transaction: a
 * transaction-scoped advisory lock on the key makes a retry that arrives while the first
 * request is in flight get 409 at once, and the stored response commits with the effect —
 * so a first request that died leaves the key free for its retry.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly db: Db,
    private readonly cls: ClsService,
  ) {}

  async run<T>(scope: string, key: string | undefined, body: unknown, act: () => Promise<{ status: number; body: T }>): Promise<Stored<T>> {
    if (key === undefined) return { ...(await act()), replayed: false };
    if (!KEY_RE.test(key)) throw badRequest('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1–255 visible ASCII characters', 'Idempotency-Key');
    const actor = this.cls.get(CTX_ACTOR) as Actor;
    const hash = createHash('sha256').update(canonicalJson(body)).digest('hex');
    const [{ locked }] = await this.db.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 7271002)) AS locked`, [
      `${actor.municipalityId}:${actor.userId}:${scope}:${key}`,
    ]);
    if (!locked) throw conflict('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry shortly');
    const [existing] = await this.db.query<{ request_hash: string; status_code: number; response: T; fresh: boolean }>(
      `SELECT request_hash, status_code, response, created_at > now() - make_interval(hours => $4) AS fresh
       FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3`,
      [actor.userId, scope, key, IDEMPOTENCY_TTL_HOURS],
    );
    if (existing?.fresh) {
      if (existing.request_hash !== hash) {
        throw new DomainError('rule', 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request body');
      }
      return { status: existing.status_code, body: existing.response, replayed: true };
    }
    const result = await act();
    await this.db.query(
      `INSERT INTO idempotency_keys (municipality_id, user_id, scope, key, request_hash, status_code, response)
       VALUES (current_setting('app.municipality_id')::uuid, $1, $2, $3, $4, $5, $6)
       ON CONFLICT (municipality_id, user_id, scope, key)
       DO UPDATE SET request_hash = EXCLUDED.request_hash, status_code = EXCLUDED.status_code, response = EXCLUDED.response, created_at = now()`,
      [actor.userId, scope, key, hash, result.status, JSON.stringify(result.body)],
    );
    return { ...result, replayed: false };
  }
}
