import { Controller, Delete, Get, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  tonypiUserCreateSchema,
  tonypiUserIdSchema,
  tonypiUserSchema,
  tonypiUserUpdateSchema,
  type TonyPiUserCreate,
  type TonyPiUserUpdate,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam } from '../http/zod-input';
import { TonyPiAccounts } from './tonypi-accounts.service';

/** TonyPi's account management (admins): bare lists, 201 on create, 204 on delete. */
@ApiTags('tonypi-compat')
@ApiBearerAuth()
@Access('admin')
@Controller('tonypi/api/v1/users')
export class TonyPiUsersController {
  constructor(@Inject(TonyPiAccounts) private readonly accounts: TonyPiAccounts) {}

  @Returns(tonypiUserSchema.array())
  @Get()
  list() {
    return this.accounts.list();
  }

  @Returns(tonypiUserSchema, 201)
  @Post()
  create(@CurrentActor() actor: Actor, @ValidBody(tonypiUserCreateSchema) input: TonyPiUserCreate) {
    return this.accounts.create(actor, input);
  }

  @Returns(tonypiUserSchema)
  @Get(':user_id')
  get(@ValidParam('user_id', tonypiUserIdSchema) id: string) {
    return this.accounts.get(id);
  }

  /** Any of email, password, role, is_active. */
  @Returns(tonypiUserSchema)
  @Put(':user_id')
  update(
    @CurrentActor() actor: Actor,
    @ValidParam('user_id', tonypiUserIdSchema) id: string,
    @ValidBody(tonypiUserUpdateSchema) input: TonyPiUserUpdate,
  ) {
    return this.accounts.update(actor, id, input);
  }

  @HttpCode(204)
  @Delete(':user_id')
  async remove(@CurrentActor() actor: Actor, @ValidParam('user_id', tonypiUserIdSchema) id: string): Promise<void> {
    await this.accounts.remove(actor, id);
  }
}
