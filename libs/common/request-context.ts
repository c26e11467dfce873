import type { Role } from '@tsunagi/vocabularies';

/** The authenticated caller, re-read from the database on every request (moves and disables apply at once). */
export interface Actor {
  userId: string;
  municipalityId: string;
  agencyId: string | null;
  roles: Role[];
  username: string;
}

/** Keys of the per-request context (nestjs-cls). */
export const CTX_ACTOR = 'actor';
export const CTX_CLIENT_IP = 'clientIp';
export const CTX_MUNICIPALITY = 'municipalityId';
export const CTX_ENTITY_MANAGER = 'entityManager';
/** The transaction a request opened before its act (`Db.openEarly`), until the act takes it over. */
export const CTX_OPENED = 'openedTransaction';

export function hasRole(actor: Actor, ...roles: Role[]): boolean {
  return actor.roles.some((r) => roles.includes(r));
}
