import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  loginInputSchema,
  tonypiHealthSchema,
  tonypiLoginResponseSchema,
  tonypiUserSchema,
  type LoginInput,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor, Origin, type RequestOrigin } from '../http/request-context';
import { Returns, ValidBody } from '../http/zod-input';
import { TonyPiAccounts } from './tonypi-accounts.service';
import { TonyPiManagement } from './tonypi-management.service';

/** TonyPi's health check and sign-in. */
@ApiTags('tonypi-compat')
@Controller('tonypi/api/v1')
export class TonyPiAuthController {
  constructor(
    @Inject(TonyPiAccounts) private readonly accounts: TonyPiAccounts,
    @Inject(TonyPiManagement) private readonly management: TonyPiManagement,
  ) {}

  /** Each dependency of the process, checked now. */
  @Access('public')
  @Returns(tonypiHealthSchema)
  @Get('health')
  health() {
    return this.management.health();
  }

  /** JSON `{username, password}`; the dashboard keeps `access_token` and `user`. */
  @Access('public')
  @Returns(tonypiLoginResponseSchema)
  @HttpCode(200)
  @Post('auth/login')
  login(@ValidBody(loginInputSchema) input: LoginInput, @Origin() origin: RequestOrigin) {
    return this.accounts.login(input.username, input.password, origin);
  }

  @Access('viewer')
  @ApiBearerAuth()
  @Returns(tonypiUserSchema)
  @Get('auth/me')
  me(@CurrentActor() actor: Actor) {
    return this.accounts.me(actor);
  }
}
