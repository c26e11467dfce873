import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ClsService } from 'nestjs-cls';
import { Actor, CTX_ACTOR, CTX_CLIENT_IP, DomainError, forbidden, IS_PUBLIC, isUuid, ROLES } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import type { Role } from '@tsunagi/vocabularies';
import { TokenKeys } from './token-keys';

const unauthenticated = (detail = 'A valid bearer token is required') => new DomainError('unauthenticated', 'UNAUTHENTICATED', detail);

/**
 * Global guard: verifies the bearer token (HS256 only) and re-reads the user on every
 * request, so a disabled user is locked out at once and an agency move applies to the very
 * next request; then checks the route's roles (403 for a role that may not).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: TokenKeys,
    private readonly db: Db,
    private readonly cls: ClsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    this.cls.set(CTX_CLIENT_IP, request.ip);
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header) : null;
    if (!match) throw unauthenticated();
    const claims = this.keys.verify(match[1]);
    if (!claims || !isUuid(claims.sub) || !isUuid(claims.mun) || typeof claims.ver !== 'number') throw unauthenticated('The token is invalid or expired');
    const rows: Array<{ id: string; username: string; agency_id: string | null; roles: Role[]; disabled: boolean; token_version: number }> =
      await this.db.dataSource.query('SELECT id, username, agency_id, roles, disabled, token_version FROM auth_principal($1, $2)', [claims.mun, claims.sub]);
    const user = rows[0];
    if (!user || user.disabled || user.token_version !== claims.ver) throw unauthenticated('The token is invalid or expired');

    const actor: Actor = { userId: user.id, municipalityId: claims.mun, agencyId: user.agency_id, roles: user.roles, username: user.username };
    this.cls.set(CTX_ACTOR, actor);

    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (allowed && !actor.roles.some((r) => allowed.includes(r))) throw forbidden();
    return true;
  }
}
