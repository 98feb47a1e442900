import { Inject, Injectable } from '@nestjs/common';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { MAX_PAGE_SIZE, type TonyPiUser, type TonyPiUserCreate, type TonyPiUserUpdate } from '@fleet/contracts';
import type { User } from '@fleet/database';
import { AuthService } from '../auth/auth.service';
import type { Actor, RequestOrigin } from '../http/request-context';
import { UsersService } from '../users/users.service';
import { newestUsersFirst, tonypiUser } from './tonypi-users.mapper';

/**
 * Sign-in and accounts in TonyPi's shapes, done by Fleet's own {@link AuthService} and {@link UsersService}: the
 * same login throttle, password rules, audit trail and last-admin protection as `/api/v1`.
 */
@Injectable()
export class TonyPiAccounts {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
  ) {}

  async login(username: string, password: string, origin: RequestOrigin) {
    // The TonyPi dashboard never refreshes its token and signs out on the first 401: its login lasts as long as
    // that one token, and no refresh token (which would outlive it) is handed out.
    const ttlS = this.config.auth.tonypiAccessTokenTtlS;
    const signedIn = await this.auth.login(username, password, origin, { accessTtlS: ttlS, refreshTtlMs: ttlS * 1000 });
    return {
      access_token: signedIn.access_token,
      token_type: signedIn.token_type,
      expires_in: signedIn.expires_in,
      user: tonypiUser(signedIn.user),
    };
  }

  async me(actor: Actor): Promise<TonyPiUser> {
    return tonypiUser(await this.auth.me(actor.user));
  }

  /** Every account, newest first (TonyPi does not page this list). */
  async list(): Promise<TonyPiUser[]> {
    const users: User[] = [];
    for (let offset = 0; ; offset += MAX_PAGE_SIZE) {
      const page = await this.users.list({ limit: MAX_PAGE_SIZE, offset });
      users.push(...page.items);
      if (page.items.length < MAX_PAGE_SIZE || users.length >= page.total) break;
    }
    return newestUsersFirst(users);
  }

  async get(id: string): Promise<TonyPiUser> {
    return tonypiUser(await this.users.get(id));
  }

  async create(actor: Actor, input: TonyPiUserCreate): Promise<TonyPiUser> {
    return tonypiUser(await this.users.create(actor, input));
  }

  /** TonyPi changes the password in the same request as the other fields; Fleet does it as a second step. */
  async update(actor: Actor, id: string, input: TonyPiUserUpdate): Promise<TonyPiUser> {
    const { password, ...changes } = input;
    const changing = Object.values(changes).some((value) => value !== undefined);
    let user = changing ? await this.users.update(actor, id, changes) : await this.users.get(id);
    if (password !== undefined) {
      await this.users.setPassword(actor, id, password);
      user = await this.users.get(id);
    }
    return tonypiUser(user);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.users.remove(actor, id);
  }
}
