import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '@tsunagi/audit';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { DomainError } from '@tsunagi/common';
import { Db } from '@tsunagi/database';
import { MunicipalitiesService } from '@tsunagi/municipalities';
import { LoginDto } from './dto/user.dto';
import { LoginLimiter } from './login-limiter';
import { TokenClaims, TokenKeys } from './token-keys';
import { dummyHash, verifyPassword } from './passwords';
import { User, UsersRepository } from './users.repository';

export { JWT_ALGORITHM } from './token-keys';
export type { TokenClaims } from './token-keys';

const wrongCredentials = () => new DomainError('unauthenticated', 'INVALID_CREDENTIALS', 'The municipality, username or password is wrong');

@Injectable()
export class AuthService {
  constructor(
    private readonly db: Db,
    private readonly users: UsersRepository,
    private readonly municipalities: MunicipalitiesService,
    private readonly keys: TokenKeys,
    private readonly limiter: LoginLimiter,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * One answer for every failure (unknown municipality, unknown user, wrong password,
   * disabled user) so the response never tells which part was wrong.
   */
  async login(dto: LoginDto, clientIp: string): Promise<{ accessToken: string; tokenType: 'Bearer'; expiresIn: number; user: User }> {
    await this.limiter.check(dto.municipality, dto.username, clientIp);
    const municipality = await this.municipalities.findByCode(dto.municipality);
    if (!municipality) {
      await verifyPassword(await dummyHash(), dto.password);
      await this.limiter.recordFailure(dto.municipality, dto.username);
      throw wrongCredentials();
    }
    const user = await this.db.transaction(() => this.users.findByUsername(dto.username), municipality.id);
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), dto.password);
    if (!user || !ok || user.disabled) {
      await this.limiter.recordFailure(dto.municipality, dto.username);
      await this.db.transaction(
        () => this.audit.record({ action: 'auth.login_failed', entityType: 'user', entityId: user?.id ?? null, actorId: user?.id ?? null, municipalityId: municipality.id, detail: { reason: !user ? 'unknown_user' : user.disabled ? 'disabled' : 'wrong_password' } }),
        municipality.id,
      );
      throw wrongCredentials();
    }
    await this.limiter.recordSuccess(dto.municipality, dto.username);
    await this.db.transaction(
      () => this.audit.record({ action: 'auth.login', entityType: 'user', entityId: user.id, actorId: user.id, municipalityId: municipality.id }),
      municipality.id,
    );
    const claims: TokenClaims = { sub: user.id, mun: municipality.id, ver: user.tokenVersion };
    const accessToken = this.keys.sign(claims, this.config.jwtTtlSeconds);
    const { passwordHash: _h, tokenVersion: _v, ...publicUser } = user;
    return { accessToken, tokenType: 'Bearer', expiresIn: this.config.jwtTtlSeconds, user: publicUser };
  }
}
