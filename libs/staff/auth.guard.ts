import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClsService } from 'nestjs-cls';
import { CTX_ACTOR, CTX_CLIENT_IP, DomainError, forbidden, IS_PUBLIC, ROLES } from '@tsunagi/common';
import type { Role } from '@tsunagi/vocabularies';
import { Db } from '@tsunagi/database';
import { bearerToken, PrincipalResolver } from './principals';

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
    private readonly principals: PrincipalResolver,
    private readonly cls: ClsService,
    private readonly db: Db,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    this.cls.set(CTX_CLIENT_IP, request.ip);
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const token = bearerToken(request.headers.authorization);
    if (!token) throw unauthenticated();
    const resolved = await this.principals.resolveOpening(token);
    if (!resolved) throw unauthenticated('The token is invalid or expired');
    const { actor, opened } = resolved;
    // The request's transaction is open from here: whatever way the request ends, it is
    // released (a no-op once the request's act has taken it over and committed).
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    if (reply.raw.closed) await this.db.release(opened);
    else reply.raw.once('close', () => void this.db.release(opened));
    this.cls.set(CTX_ACTOR, actor);

    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (allowed && !actor.roles.some((r) => allowed.includes(r))) {
      await this.db.release(opened);
      throw forbidden();
    }
    return true;
  }
}
