import { createSecretKey } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';
import { AuditController } from '../audit/audit.controller';
import { AuditService } from '../audit/audit.service';
import { FirstAdmin, PASSWORD_NOTICE, type PasswordNotice } from '../users/first-admin';
import { UsersController } from '../users/users.controller';
import { UsersService } from '../users/users.service';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { AuthUsers } from './auth-users';
import { jwtSecret } from './jwt-secret';
import { LoginThrottle } from './login-throttle';
import { RefreshTokenPurge } from './refresh-token.purge';
import { TokenService } from './token.service';

const printOnce: PasswordNotice = (text) => process.stderr.write(text);

/**
 * Sign-in, tokens, users and the audit trail, and the guard every route of the process passes. Global: every
 * API module records changes with {@link AuditService} and checks tokens with {@link TokenService}.
 */
@Global()
@Module({
  imports: [
    DatabaseModule,
    MessagingModule,
    JwtModule.registerAsync({
      inject: [FLEET_CONFIG],
      useFactory: async (config: FleetConfig) => {
        // A key object, not the string: given a string, the JWT library first tries (and fails) to read it as a
        // public key on every verification, which costs more than the verification itself.
        const key = createSecretKey(Buffer.from(await jwtSecret(config.auth.jwtSecret, config.dataDir)));
        return {
          secretOrKeyProvider: () => key,
          signOptions: { algorithm: 'HS256' },
          verifyOptions: { algorithms: ['HS256'] },
        };
      },
    }),
  ],
  controllers: [AuthController, UsersController, AuditController],
  providers: [
    AuthService,
    AuthUsers,
    TokenService,
    LoginThrottle,
    RefreshTokenPurge,
    UsersService,
    AuditService,
    FirstAdmin,
    { provide: PASSWORD_NOTICE, useValue: printOnce },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuditService, TokenService, AuthUsers, AuthService, UsersService],
})
export class AuthModule {}
