import { Injectable } from '@nestjs/common';
import { Actor, isUuid } from '@tsunagi/common';
import { Db, type OpenedTransaction } from '@tsunagi/database';
import type { Role } from '@tsunagi/vocabularies';
import { TokenKeys } from './token-keys';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The token of an `Authorization: Bearer …` header, or null when there is none of that shape. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return null;
  return isTokenShaped(header.slice(7)) ? header.slice(7) : null;
}

export function isTokenShaped(token: unknown): token is string {
  return typeof token === 'string' && token.length <= 4096 && JWT_SHAPE.test(token);
}

const PRINCIPAL_COLUMNS = 'id, username, agency_id, roles, disabled, token_version';

interface PrincipalRow {
  id: string;
  username: string;
  agency_id: string | null;
  roles: Role[];
  disabled: boolean;
  token_version: number;
}

/** The actor of a user row, or null for no user, a disabled one, or a revoked token version. */
function actorOf(claims: { mun: string; ver: number }, user: PrincipalRow | undefined): Actor | null {
  if (!user || user.disabled || user.token_version !== claims.ver) return null;
  return { userId: user.id, municipalityId: claims.mun, agencyId: user.agency_id, roles: user.roles, username: user.username };
}

/**
 * Who a token speaks for: its signature and expiry are checked, then the user is re-read, so
 * a disabled user or a revoked token (password change) is refused at once and an agency move
 * applies to the very next request. Every way into the api authenticates through here.
 */
@Injectable()
export class PrincipalResolver {
  constructor(
    private readonly keys: TokenKeys,
    private readonly db: Db,
  ) {}

  /** The actor, or null for a token that is invalid, expired, revoked, or of a disabled user. */
  async resolve(token: string): Promise<Actor | null> {
    const claims = this.claims(token);
    if (!claims) return null;
    const rows: PrincipalRow[] = await this.db.dataSource.query(`SELECT ${PRINCIPAL_COLUMNS} FROM auth_principal($1, $2)`, [claims.mun, claims.sub]);
    return actorOf(claims, rows[0]);
  }

  /**
   * `resolve`, for a request that will act: the check is the first statement of the request's
   * transaction (`Db.openEarly`), so the act that follows takes over a transaction already
   * begun — one round trip and one pool checkout fewer per request. The caller releases
   * `opened` when the request ends (`Db.release`; a no-op once an act took it over). A token
   * that does not resolve leaves nothing open.
   */
  async resolveOpening(token: string): Promise<{ actor: Actor; opened: OpenedTransaction } | null> {
    const claims = this.claims(token);
    if (!claims) return null;
    // Spliced into the statement: both are UUIDs (checked in claims()), the simple protocol has no parameters.
    const { rows, opened } = await this.db.openEarly<PrincipalRow>(claims.mun, `SELECT ${PRINCIPAL_COLUMNS} FROM auth_principal('${claims.mun}', '${claims.sub}')`);
    const actor = actorOf(claims, rows[0]);
    if (!actor) {
      await this.db.release(opened);
      return null;
    }
    return { actor, opened };
  }

  private claims(token: string): { sub: string; mun: string; ver: number } | null {
    const claims = this.keys.verify(token);
    if (!claims || !isUuid(claims.sub) || !isUuid(claims.mun) || typeof claims.ver !== 'number') return null;
    return { sub: claims.sub, mun: claims.mun, ver: claims.ver };
  }

  /** Seconds until the token expires (0 when it has or carries no expiry); only for a token `resolve` accepted. */
  secondsLeft(token: string): number {
    const claims = this.keys.verify(token) as { exp?: unknown } | null;
    return claims && typeof claims.exp === 'number' ? Math.max(0, Math.floor(claims.exp - Date.now() / 1000)) : 0;
  }
}
