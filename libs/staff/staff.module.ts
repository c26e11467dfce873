import { Inject, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@tsunagi/config';
import { APP_GUARD } from '@nestjs/core';
import { AgenciesModule } from '@tsunagi/agencies';
import { MunicipalitiesModule } from '@tsunagi/municipalities';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { LoginLimiter } from './login-limiter';
import { MeService } from './me.service';
import { PrincipalResolver } from './principals';
import { configurePasswordHashing } from './passwords';
import { ProvisioningService } from './provisioning.service';
import { TokenKeys } from './token-keys';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [AgenciesModule, MunicipalitiesModule],
  controllers: [AuthController, UsersController],
  providers: [{ provide: TokenKeys, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new TokenKeys(config.jwtSecret) }, UsersRepository, UsersService, AuthService, LoginLimiter, MeService, ProvisioningService, PrincipalResolver, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [UsersService, ProvisioningService, PrincipalResolver],
})
export class StaffModule {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    configurePasswordHashing(config.passwordHashMemoryKib);
  }
}
