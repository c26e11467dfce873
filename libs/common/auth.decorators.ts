import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import type { Role } from '@tsunagi/vocabularies';
import { CTX_ACTOR, type Actor } from './request-context';

export const IS_PUBLIC = 'tsunagi:public';
export const ROLES = 'tsunagi:roles';

/** No token needed (login, health, the public directory). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only these roles may call the route; others get 403. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

/** The signed-in caller, as the auth guard put it in the request context. */
export const CurrentActor = createParamDecorator((_: unknown, _ctx: ExecutionContext): Actor => {
  return ClsServiceManager.getClsService().get(CTX_ACTOR) as Actor;
});

/** Role groups used across modules (CONTRACT.md "Who may do what"). */
export const STAFF_ROLES: Role[] = ['desk_staff', 'csw', 'coordinator', 'agency_staff'];
export const CASE_ROLES: Role[] = [...STAFF_ROLES, 'supervisor'];
/** Everyone who may read directory data such as the agency list (not volunteers). */
export const DIRECTORY_ROLES: Role[] = [...CASE_ROLES, 'admin', 'auditor'];
