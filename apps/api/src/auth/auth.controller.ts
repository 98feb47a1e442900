import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  loginInputSchema,
  logoutInputSchema,
  passwordChangeSchema,
  refreshInputSchema,
  tokenResponseSchema,
  userViewSchema,
  type LoginInput,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor, Origin, type RequestOrigin } from '../http/request-context';
import { Returns, ValidBody } from '../http/zod-input';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {}

  /** Signs in: a short-lived access token, a rotating refresh token and the user. */
  @Access('public')
  @Returns(tokenResponseSchema)
  @HttpCode(200)
  @Post('login')
  login(@ValidBody(loginInputSchema) input: LoginInput, @Origin() origin: RequestOrigin) {
    return this.auth.login(input.username, input.password, origin);
  }

  /** Trades a refresh token for a new pair; the presented token is used up. */
  @Access('public')
  @Returns(tokenResponseSchema)
  @HttpCode(200)
  @Post('refresh')
  refresh(@ValidBody(refreshInputSchema) input: { refresh_token: string }, @Origin() origin: RequestOrigin) {
    return this.auth.refresh(input.refresh_token, origin);
  }

  @Access('viewer')
  @ApiBearerAuth()
  @HttpCode(200)
  @Post('logout')
  logout(@CurrentActor() actor: Actor, @ValidBody(logoutInputSchema) input: { refresh_token?: string }) {
    return this.auth.logout(actor, input.refresh_token);
  }

  @Access('viewer')
  @ApiBearerAuth()
  @Returns(userViewSchema)
  @Get('me')
  me(@CurrentActor() actor: Actor) {
    return this.auth.me(actor.user);
  }

  @Access('viewer')
  @ApiBearerAuth()
  @HttpCode(204)
  @Post('password')
  async changePassword(
    @CurrentActor() actor: Actor,
    @ValidBody(passwordChangeSchema) input: { current_password: string; new_password: string },
  ): Promise<void> {
    await this.auth.changeOwnPassword(actor, input.current_password, input.new_password);
  }
}
