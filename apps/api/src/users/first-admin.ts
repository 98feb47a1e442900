import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { ConflictError } from '@fleet/contracts';
import { UserRepository } from '@fleet/database';
import { hashPassword, LOGGER, type Logger } from '@fleet/platform';

/** Where a generated first password goes: the terminal of whoever started Fleet, never the JSON log. */
export type PasswordNotice = (text: string) => void;
export const PASSWORD_NOTICE = Symbol('PASSWORD_NOTICE');

/**
 * No default passwords: on the first start (no account at all) the admin account is created with
 * `FLEET_ADMIN_PASSWORD`, or with a random password printed once. Later starts change nothing.
 */
@Injectable()
export class FirstAdmin implements OnApplicationBootstrap {
  constructor(
    @Inject(UserRepository) private readonly users: UserRepository,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PASSWORD_NOTICE) private readonly notice: PasswordNotice,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (await this.users.any()) return;
    const username = this.config.auth.adminUsername;
    const given = this.config.auth.adminPassword;
    const password = given ?? randomBytes(18).toString('base64url');
    try {
      await this.users.create({
        username,
        email: `${username}@fleet.invalid`,
        role: 'admin',
        password_hash: await hashPassword(password),
      });
    } catch (error) {
      if (error instanceof ConflictError) return; // another replica created it first
      throw error;
    }
    if (given) {
      this.logger.info({ username }, 'first admin created with FLEET_ADMIN_PASSWORD');
      return;
    }
    this.logger.warn({ username }, 'first admin created with a generated password, printed once on stderr');
    this.notice(
      `\n  Fleet: first admin account created.\n    username: ${username}\n    password: ${password}\n` +
        '  This password is shown once. Sign in and change it (POST /api/v1/auth/password).\n\n',
    );
  }
}
