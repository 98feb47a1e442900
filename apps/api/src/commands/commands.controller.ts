import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  commandCreateSchema,
  commandIdSchema,
  commandListQuerySchema,
  commandPageSchema,
  commandViewSchema,
  emergencyStopRequestSchema,
  robotIdSchema,
  type CommandCreate,
  type CommandListQuery,
  type EmergencyStopRequest,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../http/zod-input';
import { CommandsService } from './commands.service';

/**
 * Commands to robots. A command is accepted (202) once stored; the jobs service publishes it and follows the
 * answers: read it back (or follow the `commands` live channel) for each robot's result.
 */
@ApiTags('commands')
@ApiBearerAuth()
@Controller('api/v1')
export class CommandsController {
  constructor(@Inject(CommandsService) private readonly commands: CommandsService) {}

  @Access('operator')
  @Returns(commandViewSchema, 202)
  @HttpCode(202)
  @Post('commands')
  create(@CurrentActor() actor: Actor, @ValidBody(commandCreateSchema) input: CommandCreate) {
    return this.commands.create(actor, input);
  }

  /** Newest first; `robot_id` lists the commands that targeted the robot. */
  @Access('viewer')
  @Returns(commandPageSchema)
  @Get('commands')
  list(@ValidQuery(commandListQuerySchema) query: CommandListQuery) {
    return this.commands.list(query);
  }

  @Access('viewer')
  @Returns(commandViewSchema)
  @Get('commands/:commandId')
  get(@ValidParam('commandId', commandIdSchema) id: string) {
    return this.commands.get(id);
  }

  /** Stops waiting for answers (a published message cannot be called back); 409 once the command has finished. */
  @Access('operator')
  @Returns(commandViewSchema)
  @HttpCode(200)
  @Post('commands/:commandId/cancel')
  cancel(@CurrentActor() actor: Actor, @ValidParam('commandId', commandIdSchema) id: string) {
    return this.commands.cancel(actor, id);
  }

  /** Stops the robot at once, whatever its status; it refuses other commands than resume until resumed. */
  @Access('operator')
  @Returns(commandViewSchema, 202)
  @HttpCode(202)
  @Post('robots/:robotId/emergency-stop')
  emergencyStop(
    @CurrentActor() actor: Actor,
    @ValidParam('robotId', robotIdSchema) robotId: string,
    @ValidBody(emergencyStopRequestSchema) input: EmergencyStopRequest,
  ) {
    return this.commands.emergencyStop(actor, [robotId], input.reason);
  }

  @Access('operator')
  @Returns(commandViewSchema, 202)
  @HttpCode(202)
  @Post('robots/:robotId/resume')
  resume(@CurrentActor() actor: Actor, @ValidParam('robotId', robotIdSchema) robotId: string) {
    return this.commands.create(actor, { robot_ids: [robotId], type: 'resume', parameters: {} });
  }

  /** Stops every robot: published on the broadcast topic, confirmed by the robots online. */
  @Access('operator')
  @Returns(commandViewSchema, 202)
  @HttpCode(202)
  @Post('emergency-stop')
  emergencyStopAll(@CurrentActor() actor: Actor, @ValidBody(emergencyStopRequestSchema) input: EmergencyStopRequest) {
    return this.commands.emergencyStop(actor, 'broadcast', input.reason);
  }
}
