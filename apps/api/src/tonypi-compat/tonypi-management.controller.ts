import { Controller, Get, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  robotIdSchema,
  tonypiBroadcastStopSchema,
  tonypiCommandResultSchema,
  tonypiConfigUpdateSchema,
  tonypiEmergencyStopSchema,
  tonypiManagementCommandSchema,
  tonypiManagedRobotSchema,
  tonypiMessageSchema,
  tonypiRobotConfigSchema,
  tonypiSystemStatusSchema,
  type TonyPiBroadcastStop,
  type TonyPiConfigUpdate,
  type TonyPiEmergencyStop,
  type TonyPiManagementCommand,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam } from '../http/zod-input';
import { TonyPiCommands } from './tonypi-commands.service';
import { TonyPiManagement } from './tonypi-management.service';

/** TonyPi's management routes: robots, their settings, the system's state. */
@ApiTags('tonypi-compat')
@ApiBearerAuth()
@Controller('tonypi/api/v1/management')
export class TonyPiManagementController {
  constructor(
    @Inject(TonyPiManagement) private readonly management: TonyPiManagement,
    @Inject(TonyPiCommands) private readonly commands: TonyPiCommands,
  ) {}

  @Access('viewer')
  @Returns(tonypiManagedRobotSchema.array())
  @Get('robots')
  robots() {
    return this.management.robotList();
  }

  /** The robot's settings, one key per section. */
  @Access('viewer')
  @Returns(tonypiRobotConfigSchema)
  @Get('robots/:robot_id/config')
  config(@ValidParam('robot_id', robotIdSchema) robotId: string) {
    return this.management.robotConfig(robotId);
  }

  /** Saves one section of the robot's settings (admins manage robots) and sends it on `tonypi/config/{id}`. */
  @Access('admin')
  @Returns(tonypiMessageSchema)
  @Put('robots/:robot_id/config')
  updateConfig(
    @CurrentActor() actor: Actor,
    @ValidParam('robot_id', robotIdSchema) robotId: string,
    @ValidBody(tonypiConfigUpdateSchema) input: TonyPiConfigUpdate,
  ) {
    return this.management.updateConfig(actor, robotId, input);
  }

  /** A service is `running` exactly when its health check passes. */
  @Access('viewer')
  @Returns(tonypiSystemStatusSchema)
  @Get('system/status')
  systemStatus() {
    return this.management.systemStatus();
  }

  /** One command for one robot (`tonypi_01` when none is named), delivered and followed like any command. */
  @Access('operator')
  @HttpCode(200)
  @Returns(tonypiCommandResultSchema)
  @Post('command')
  command(@CurrentActor() actor: Actor, @ValidBody(tonypiManagementCommandSchema) input: TonyPiManagementCommand) {
    return this.commands.command(actor, input);
  }

  /** Stops the robot on `tonypi/emergency_stop/{id}`; the robot id `broadcast`, or `broadcast: true`, stops all. */
  @Access('operator')
  @HttpCode(200)
  @Returns(tonypiCommandResultSchema)
  @Post('robots/:robot_id/emergency-stop')
  emergencyStop(
    @CurrentActor() actor: Actor,
    @ValidParam('robot_id', robotIdSchema) robotId: string,
    @ValidBody(tonypiEmergencyStopSchema) input: TonyPiEmergencyStop,
  ) {
    return this.commands.emergencyStop(actor, robotId, input);
  }

  /** Sends `resume`, which clears the robot's emergency stop. */
  @Access('operator')
  @HttpCode(200)
  @Returns(tonypiCommandResultSchema)
  @Post('robots/:robot_id/resume')
  resume(@CurrentActor() actor: Actor, @ValidParam('robot_id', robotIdSchema) robotId: string) {
    return this.commands.resume(actor, robotId);
  }

  /** Stops every robot on `tonypi/emergency_stop/broadcast`, whether or not any is known to be online. */
  @Access('operator')
  @HttpCode(200)
  @Returns(tonypiCommandResultSchema)
  @Post('emergency-stop/broadcast')
  emergencyStopAll(@CurrentActor() actor: Actor, @ValidBody(tonypiBroadcastStopSchema) input: TonyPiBroadcastStop) {
    return this.commands.emergencyStopAll(actor, input);
  }
}
