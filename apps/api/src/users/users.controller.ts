import { Controller, Delete, Get, HttpCode, Inject, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  userCreateSchema,
  userListQuerySchema,
  userPasswordSetSchema,
  userUpdateSchema,
  userViewSchema,
  type UserCreate,
  type UserListQuery,
  type UserUpdate,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../http/zod-input';
import { UsersService } from './users.service';

const userId = z.uuid();

@ApiTags('users')
@ApiBearerAuth()
@Access('admin')
@Controller('api/v1/users')
export class UsersController {
  constructor(@Inject(UsersService) private readonly users: UsersService) {}

  @Get()
  list(@ValidQuery(userListQuerySchema) query: UserListQuery) {
    return this.users.list(query);
  }

  @Returns(userViewSchema)
  @Get(':id')
  get(@ValidParam('id', userId) id: string) {
    return this.users.get(id);
  }

  @Returns(userViewSchema, 201)
  @Post()
  create(@CurrentActor() actor: Actor, @ValidBody(userCreateSchema) input: UserCreate) {
    return this.users.create(actor, input);
  }

  @Returns(userViewSchema)
  @Patch(':id')
  update(
    @CurrentActor() actor: Actor,
    @ValidParam('id', userId) id: string,
    @ValidBody(userUpdateSchema) input: UserUpdate,
  ) {
    return this.users.update(actor, id, input);
  }

  @HttpCode(204)
  @Put(':id/password')
  async setPassword(
    @CurrentActor() actor: Actor,
    @ValidParam('id', userId) id: string,
    @ValidBody(userPasswordSetSchema) input: { password: string },
  ): Promise<void> {
    await this.users.setPassword(actor, id, input.password);
  }

  @HttpCode(204)
  @Delete(':id')
  async remove(@CurrentActor() actor: Actor, @ValidParam('id', userId) id: string): Promise<void> {
    await this.users.remove(actor, id);
  }
}
