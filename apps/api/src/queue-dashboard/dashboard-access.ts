import type { FastifyReply, FastifyRequest, onRequestHookHandler, onSendHookHandler, RouteOptions } from 'fastify';
import { problem } from '@tsunagi/common';
import { bearerToken, isTokenShaped, PrincipalResolver } from '@tsunagi/staff';

/** The browser session of the dashboard: the admin's own access token, kept for a short while. */
export const DASHBOARD_COOKIE = 'tsunagi_queue_dashboard';
const COOKIE_MAX_AGE_SECONDS = 15 * 60;

/** The dashboard's page loads its own scripts and styles; inline style attributes only. */
const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/**
 * Guards the queue dashboard, whose routes are Fastify routes outside Nest (the global auth
 * guard never sees them). Every request is authenticated like any api request — the token
 * verified, the user re-read, so a disabled admin is out at once — and must come from an
 * administrator.
 *
 * A browser cannot add an Authorization header to the page's own requests, so an admin opens
 * `<dashboard>?token=<access token>` once: the token is checked, moved into an HttpOnly,
 * SameSite=Strict cookie limited to the dashboard's path for at most 15 minutes (never past
 * the token's own expiry), and the browser is redirected to the address without it, so the
 * token stays out of the address bar, history and Referer. Logs carry the path only, never
 * the query string or cookies.
 */
export class DashboardAccess {
  constructor(
    private readonly principals: PrincipalResolver,
    private readonly basePath: () => string,
  ) {}

  /** For Fastify's onRoute hook: puts the guard (and the page's policy) on every dashboard route. */
  protect = (route: RouteOptions): void => {
    const base = this.basePath();
    if (route.url !== base && !route.url.startsWith(`${base}/`)) return;
    if (toArray(route.onRequest).includes(this.guard)) return; // the HEAD twin of a GET route, already guarded
    route.onRequest = [this.guard, ...toArray(route.onRequest)];
    route.onSend = [...toArray(route.onSend), this.policy];
  };

  private readonly guard: onRequestHookHandler = async (request, reply) => {
    const fromHeader = bearerToken(request.headers.authorization);
    const fromQuery = fromHeader ? null : queryToken(request);
    const fromCookie = fromHeader || fromQuery ? null : cookieToken(request.headers.cookie);
    const token = fromHeader ?? fromQuery ?? fromCookie;
    if (!token) return this.refuse(request, reply, 401, 'A valid bearer token is required');

    const actor = await this.principals.resolve(token);
    if (!actor) {
      if (fromCookie) reply.header('set-cookie', this.cookie('', 0, request));
      return this.refuse(request, reply, 401, 'The token is invalid or expired');
    }
    if (!actor.roles.includes('admin')) return this.refuse(request, reply, 403, 'Only administrators may open the queue dashboard');

    if (fromQuery) {
      const maxAge = Math.min(COOKIE_MAX_AGE_SECONDS, this.principals.secondsLeft(token));
      reply.header('set-cookie', this.cookie(token, maxAge, request));
      if (request.method === 'GET' || request.method === 'HEAD') {
        return reply.code(303).header('location', withoutToken(request.url, this.basePath())).header('cache-control', 'no-store').send();
      }
    }
  };

  private readonly policy: onSendHookHandler = async (_request, reply, payload) => {
    reply.header('content-security-policy', DASHBOARD_CSP);
    reply.header('cache-control', 'no-store');
    return payload;
  };

  private refuse(request: FastifyRequest, reply: FastifyReply, status: 401 | 403, detail: string): FastifyReply {
    const body = { ...problem(status, status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', detail), requestId: String(request.id ?? '') };
    if (status === 401) reply.header('www-authenticate', 'Bearer');
    return reply.code(status).header('content-type', 'application/problem+json; charset=utf-8').send(body);
  }

  private cookie(value: string, maxAge: number, request: FastifyRequest): string {
    const secure = request.protocol === 'https' ? '; Secure' : '';
    return `${DASHBOARD_COOKIE}=${value}; Path=${this.basePath()}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`;
  }
}

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function queryToken(request: FastifyRequest): string | null {
  const token = (request.query as Record<string, unknown> | undefined)?.token;
  return isTokenShaped(token) ? token : null;
}

function cookieToken(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === DASHBOARD_COOKIE) {
      const value = part.slice(index + 1).trim();
      return isTokenShaped(value) ? value : null;
    }
  }
  return null;
}

/** The same address with the `token` query parameter taken out (always a path under the dashboard). */
function withoutToken(url: string, base: string): string {
  const index = url.indexOf('?');
  const path = index === -1 ? url : url.slice(0, index);
  const params = new URLSearchParams(index === -1 ? '' : url.slice(index + 1));
  params.delete('token');
  const query = params.toString();
  return `${path.startsWith(`${base}/`) ? path : base}${query ? `?${query}` : ''}`;
}
