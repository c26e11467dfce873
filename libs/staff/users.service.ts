import { Injectable } from '@nestjs/common';
import { AgenciesService } from '@tsunagi/agencies';
import { AuditService } from '@tsunagi/audit';
import { Actor, conflict, DEFAULT_LIMIT, forbidden, newId, notFound, Page, ruleViolation, toPage } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import type { Role } from '@tsunagi/vocabularies';
import { ChangePasswordDto, CreateUserDto, UpdateUserDto } from './dto/user.dto';
import { hashPassword, verifyPassword } from './passwords';
import { User, UsersRepository } from './users.repository';

/** Roles that belong to no agency: they see no case content. */
const AGENCYLESS_ROLES: Role[] = ['admin', 'auditor'];

@Injectable()
export class UsersService {
  constructor(
    private readonly db: Db,
    private readonly repo: UsersRepository,
    private readonly agencies: AgenciesService,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateUserDto): Promise<User> {
    const passwordHash = await hashPassword(dto.password);
    return this.db.transaction(async () => {
      await this.checkAgency(dto.roles, dto.agencyId ?? null);
      const user = await this.repo.insert({
        id: newId(),
        username: dto.username,
        displayName: dto.displayName,
        agencyId: dto.agencyId ?? null,
        roles: dto.roles,
        email: dto.email ?? null,
        passwordHash,
      });
      if (!user) throw conflict('USERNAME_TAKEN', `username ${dto.username} is taken`);
      await this.audit.record({ action: 'user.created', entityType: 'user', entityId: user.id, changedFields: ['username', 'displayName', 'agencyId', 'roles', 'password'] });
      return user;
    });
  }

  list(query: { agencyId?: string; limit?: number; cursor?: string }): Promise<Page<User>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    return this.db.transaction(async () => toPage(await this.repo.list({ ...query, limit }), limit, (u) => [u.username]));
  }

  async get(id: string): Promise<User> {
    const user = await this.db.transaction(() => this.repo.findById(id));
    if (!user) throw notFound('user');
    return strip(user);
  }

  /**
   * 人事異動, role changes and disabling. What a user sees is decided from their row on every
   * request, so a move takes effect on the very next one; disabling also ends their sessions.
   */
  async update(actor: Actor, id: string, dto: UpdateUserDto): Promise<User> {
    return this.db.transaction(async () => {
      const current = await this.repo.findById(id);
      if (!current) throw notFound('user');
      const roles = dto.roles ?? current.roles;
      const agencyId = dto.agencyId !== undefined ? dto.agencyId : current.agencyId;
      await this.checkAgency(roles, agencyId);
      const losesAdmin = current.roles.includes('admin') && !current.disabled && (dto.disabled === true || !roles.includes('admin'));
      if (losesAdmin && (await this.repo.countActiveAdmins()) <= 1) {
        throw ruleViolation('LAST_ADMINISTRATOR', 'the last active administrator cannot be disabled or lose the admin role', id === actor.userId ? 'disabled' : 'roles');
      }
      const endSessions = dto.disabled === true && !current.disabled;
      const updated = await this.repo.update(id, { ...dto, bumpTokenVersion: endSessions });
      if (!updated) throw notFound('user');
      // 人事異動 or leaving: their open tasks and cases must not wait on someone who is gone.
      const moved = dto.agencyId !== undefined && dto.agencyId !== current.agencyId;
      const released = moved || endSessions ? await this.repo.releaseWork(id) : [];
      await this.audit.record({
        action: dto.disabled === true ? 'user.disabled' : dto.agencyId !== undefined && dto.agencyId !== current.agencyId ? 'user.moved' : 'user.updated',
        entityType: 'user',
        entityId: id,
        changedFields: Object.keys(dto).filter((k) => (dto as Record<string, unknown>)[k] !== undefined),
        detail: released.length ? { tasksReturnedToAgency: released.length } : undefined,
      });
      return updated;
    });
  }

  /** Users change their own password with the current one; administrators reset anyone's. */
  async changePassword(actor: Actor, id: string, dto: ChangePasswordDto): Promise<void> {
    const self = actor.userId === id;
    const isAdmin = actor.roles.includes('admin');
    if (!self && !isAdmin) throw forbidden('Only administrators reset other users’ passwords');
    const newHash = await hashPassword(dto.newPassword);
    await this.db.transaction(async () => {
      const user = await this.repo.findById(id);
      if (!user) throw notFound('user');
      if (self && !isAdmin) {
        if (!dto.currentPassword || !(await verifyPassword(user.passwordHash, dto.currentPassword))) {
          throw forbidden('currentPassword is wrong');
        }
      }
      await this.repo.update(id, { passwordHash: newHash, bumpTokenVersion: true });
      await this.audit.record({ action: self ? 'user.password_changed' : 'user.password_reset', entityType: 'user', entityId: id, changedFields: ['password'] });
    });
  }

  private async checkAgency(roles: Role[], agencyId: string | null): Promise<void> {
    const needsAgency = roles.some((r) => !AGENCYLESS_ROLES.includes(r));
    if (needsAgency && !agencyId) {
      throw ruleViolation('AGENCY_REQUIRED', 'agencyId is required for every role but admin and auditor', 'agencyId');
    }
    if (agencyId && !(await this.agencies.findByIds([agencyId])).length) {
      throw ruleViolation('UNKNOWN_AGENCY', 'agencyId is not an agency of this municipality', 'agencyId');
    }
  }
}

function strip<T extends User>(user: T): User {
  const { passwordHash: _p, tokenVersion: _t, ...rest } = user as T & { passwordHash?: string; tokenVersion?: number };
  return rest;
}
